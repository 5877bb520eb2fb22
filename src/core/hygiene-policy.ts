import type { Finding } from './detectors.js';
import type { ApiKey, InstitutionSettings, SecretSlot } from './model.js';

/**
 * Hygiene policy of one institution (DESIGN §3.5: "per-institution max key age with reminders;
 * keys unused for N days are reported, and may be suspended by policy"). Pure: the caller brings
 * the settings, the keys, their slots and `now`.
 *
 * Boundaries, all inclusive so "90 days" means what a person reads:
 * - a secret is overdue from the instant it is `maxSecretAgeDays` old (its `dueAt`);
 * - it is due soon from `dueAt − L days` for the largest reminder lead time L;
 * - a slot is unused once its last use (or, never used, its generation) is N days back.
 */

export const DAY_MS = 86_400_000;

/** The settings hygiene reads, normalised. */
export interface HygienePolicy {
  readonly maxSecretAgeDays: number | null;
  /** Lead times shorter than the max age, largest first, no duplicates; empty without a max age. */
  readonly ageReminderDays: readonly number[];
  /** UNUSED alerts (the existing setting); also the report's unused threshold. */
  readonly unusedAlertDays: number | null;
  readonly suspendUnusedAfterDays: number | null;
}

type HygieneSettings = Pick<
  InstitutionSettings,
  'maxSecretAgeDays' | 'ageReminderDays' | 'unusedAlertDays' | 'suspendUnusedAfterDays'
>;

export function hygienePolicyOf(settings: HygieneSettings): HygienePolicy {
  const max = settings.maxSecretAgeDays;
  // A lead time not shorter than the max age would remind at (or before) generation: useless, and
  // refused when set (hygieneSettingsProblem); dropped here for rows written before that check.
  const reminders =
    max === null
      ? []
      : [...new Set(settings.ageReminderDays)]
          .filter((d) => d > 0 && d < max)
          .sort((a, b) => b - a);
  return {
    maxSecretAgeDays: max,
    ageReminderDays: reminders,
    unusedAlertDays: settings.unusedAlertDays,
    suspendUnusedAfterDays: settings.suspendUnusedAfterDays,
  };
}

/** Why merged settings contradict each other (for a 422), or null when they are consistent. */
export function hygieneSettingsProblem(settings: HygieneSettings): string | null {
  const max = settings.maxSecretAgeDays;
  if (max === null) return null;
  const tooLong = settings.ageReminderDays.find((d) => d >= max);
  return tooLong === undefined
    ? null
    : `ageReminderDays: ${tooLong} is not shorter than maxSecretAgeDays (${max}); set ageReminderDays too`;
}

/**
 * The threshold the report calls "unused": the earlier of the alert and the suspension
 * thresholds, so a key is always reported before the policy suspends it. Null: neither is set.
 */
export function unusedReportDays(policy: HygienePolicy): number | null {
  const set = [policy.unusedAlertDays, policy.suspendUnusedAfterDays].filter(
    (d): d is number => d !== null,
  );
  return set.length === 0 ? null : Math.min(...set);
}

export type AgeStage =
  | { readonly kind: 'ok' }
  /** Inside the reminder window of `leadDays` (the shortest lead time already reached). */
  | { readonly kind: 'due-soon'; readonly leadDays: number }
  | { readonly kind: 'overdue' };

export interface SecretAge {
  /** Whole days since generation (floored). */
  readonly ageDays: number;
  /** When the secret reaches the max age. */
  readonly dueAt: Date;
  readonly stage: AgeStage;
}

/** A secret's age against the policy; null when there is no age policy. */
export function secretAge(policy: HygienePolicy, generatedAt: Date, now: Date): SecretAge | null {
  if (policy.maxSecretAgeDays === null) return null;
  const dueMs = generatedAt.getTime() + policy.maxSecretAgeDays * DAY_MS;
  const ageDays = Math.floor((now.getTime() - generatedAt.getTime()) / DAY_MS);
  const base = { ageDays, dueAt: new Date(dueMs) };
  if (now.getTime() >= dueMs) return { ...base, stage: { kind: 'overdue' } };
  // Largest first, so the last one reached is the closest reminder: 3 days out beats 14.
  let reached: number | null = null;
  for (const lead of policy.ageReminderDays) {
    if (now.getTime() >= dueMs - lead * DAY_MS) reached = lead;
  }
  return {
    ...base,
    stage: reached === null ? { kind: 'ok' } : { kind: 'due-soon', leadDays: reached },
  };
}

/** When a slot was last active: its last use or, never used, its generation. */
export function idleSince(slot: Pick<SecretSlot, 'generatedAt' | 'lastUsedAt'>): Date {
  return slot.lastUsedAt ?? slot.generatedAt;
}

export type PolicyKey = Pick<ApiKey, 'id' | 'kind' | 'state'>;
export type PolicySlot = Pick<SecretSlot, 'keyId' | 'slot' | 'generatedAt' | 'lastUsedAt'>;

/**
 * SECRET_AGE alerts for the daily job: one per slot of an active key that is due soon (low) or
 * overdue (medium). The subject names the slot, the stage and the secret's generation, so each
 * reminder lead time and the overdue state open their own alert (and webhook) once, daily runs
 * repeat it (count), and a regenerated secret starts afresh instead of adding to an old alert.
 */
export function secretAgeFindings(
  institutionId: string,
  policy: HygienePolicy,
  keys: readonly PolicyKey[],
  slots: readonly PolicySlot[],
  now: Date,
): Finding[] {
  if (policy.maxSecretAgeDays === null) return [];
  const active = new Set(keys.filter((k) => k.state === 'active').map((k) => k.id));
  const out: Finding[] = [];
  for (const slot of slots) {
    if (!active.has(slot.keyId)) continue;
    const age = secretAge(policy, slot.generatedAt, now);
    if (age === null || age.stage.kind === 'ok') continue;
    const stage = age.stage.kind === 'overdue' ? 'overdue' : `due-in-${age.stage.leadDays}d`;
    out.push({
      type: 'SECRET_AGE',
      severity: age.stage.kind === 'overdue' ? 'medium' : 'low',
      institutionId,
      keyId: slot.keyId,
      slot: slot.slot,
      subject: `${slot.slot}:${stage}:${slot.generatedAt.toISOString()}`,
      at: now,
      evidence: {
        stage,
        ageDays: age.ageDays,
        maxAgeDays: policy.maxSecretAgeDays,
        generatedAt: slot.generatedAt.toISOString(),
        dueAt: age.dueAt.toISOString(),
      },
    });
  }
  return out;
}

/**
 * The keys the policy suspends now: active `use` keys whose every slot has been idle for at
 * least `suspendUnusedAfterDays`. Manage keys are never suspended: their use (the admin API) is
 * not recorded per slot, so they would look unused while automation depends on them.
 */
export function keysToSuspend(
  policy: HygienePolicy,
  keys: readonly PolicyKey[],
  slots: readonly PolicySlot[],
  now: Date,
): PolicyKey[] {
  const days = policy.suspendUnusedAfterDays;
  if (days === null) return [];
  const byKey = slotsByKey(slots);
  return keys.filter((key) => {
    if (key.state !== 'active' || key.kind !== 'use') return false;
    const own = byKey.get(key.id) ?? [];
    return own.length > 0 && own.every((s) => isIdleFor(s, days, now));
  });
}

export function slotsByKey<S extends Pick<SecretSlot, 'keyId'>>(
  slots: readonly S[],
): Map<string, S[]> {
  const byKey = new Map<string, S[]>();
  for (const slot of slots) {
    const list = byKey.get(slot.keyId);
    if (list) list.push(slot);
    else byKey.set(slot.keyId, [slot]);
  }
  return byKey;
}

/** Whether the slot has been idle at least `days` days at `now`. */
export function isIdleFor(slot: PolicySlot, days: number, now: Date): boolean {
  return now.getTime() - idleSince(slot).getTime() >= days * DAY_MS;
}
