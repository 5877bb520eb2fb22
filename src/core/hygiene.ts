import {
  DAY_MS,
  type HygienePolicy,
  idleSince,
  isIdleFor,
  type PolicySlot,
  secretAge,
  slotsByKey,
  unusedReportDays,
} from './hygiene-policy.js';
import type { ApiKey, SlotName } from './model.js';

/**
 * The hygiene report of one institution (`GET /institutions/{id}/hygiene`): what to rotate,
 * remove or restrict, each finding with the action suggested. Pure; see hygiene-policy.ts for the
 * thresholds. What each kind means:
 *
 * - `overdue` / `due-soon`: a secret of an active key at or past its max age / inside the
 *   reminder window (the largest `ageReminderDays`).
 * - `unused`: a use key whose two secrets were both idle the report's unused threshold (active:
 *   delete or suspend; suspended: delete), or one idle secret of an active use key whose other
 *   secret is used (regenerate that one). Manage keys are left out: their use is not recorded.
 * - `shared-expiring`: an active share of a slot ending within the window (default 24 h) — or
 *   already past its end and not revoked yet.
 * - `unrestricted`: an active use key with no `allowedCidrs`, no `expiresAt` and no `scopes`:
 *   nothing limits where, until when or for what a leaked secret works (a rate limit only slows
 *   it down, so it does not count).
 * - `legacy-format`: a secret imported from a legacy system (`slot.imported === true`), not in
 *   Keyward's format (no checksum for leak scanning): replace it with a Keyward secret.
 */

export const HYGIENE_KINDS = [
  'overdue',
  'due-soon',
  'unused',
  'shared-expiring',
  'unrestricted',
  'legacy-format',
] as const;
export type HygieneKind = (typeof HYGIENE_KINDS)[number];

export const HYGIENE_ACTIONS = [
  'rotate',
  'regenerate-primary',
  'regenerate-secondary',
  'delete-or-suspend',
  'delete',
  'restrict',
  'review-share',
] as const;
export type HygieneAction = (typeof HYGIENE_ACTIONS)[number];

export type ReportKey = Pick<
  ApiKey,
  'id' | 'name' | 'kind' | 'state' | 'scopes' | 'allowedCidrs' | 'expiresAt' | 'createdAt'
>;
/** `imported`: set by the legacy-key import for secrets not in Keyward's format. */
export type ReportSlot = PolicySlot & { readonly imported?: boolean };

/** An active time-boxed share of a slot: at `until` the slot is regenerated. */
export interface ShareWindow {
  readonly keyId: string;
  readonly slot: SlotName;
  readonly until: Date;
}

export interface HygieneFinding {
  readonly kind: HygieneKind;
  readonly keyId: string;
  readonly keyName: string;
  /** Null when the finding is about the whole key. */
  readonly slot: SlotName | null;
  readonly action: HygieneAction;
  /** One or two sentences for a person: the fact, then what to do. */
  readonly detail: string;
  /** Age: the generation; unused: the last activity; unrestricted: the key's creation. */
  readonly since: Date | null;
  /** Age: the max age; unused: the automatic suspension (if the policy has one); share: its end. */
  readonly dueAt: Date | null;
  readonly ageDays: number | null;
  readonly idleDays: number | null;
}

export interface HygieneSummary {
  readonly overdue: number;
  readonly dueSoon: number;
  readonly unused: number;
  readonly sharedExpiring: number;
  readonly unrestricted: number;
  readonly legacyFormat: number;
}

export interface HygieneReport {
  readonly findings: HygieneFinding[];
  readonly summary: HygieneSummary;
}

export interface HygieneInput {
  readonly policy: HygienePolicy;
  /** The institution's keys that are not cancelled. */
  readonly keys: readonly ReportKey[];
  readonly slots: readonly ReportSlot[];
  readonly shares?: readonly ShareWindow[];
  readonly now: Date;
  /** How far ahead a share's end is reported; default one day. */
  readonly shareWindowMs?: number;
}

export const DEFAULT_SHARE_WINDOW_MS = DAY_MS;

const days = (ms: number) => Math.floor(ms / DAY_MS);

const HINTS: Readonly<Record<HygieneAction, string>> = {
  rotate: 'Rotate the key: move its clients to the other secret, then regenerate this one.',
  'regenerate-primary': 'Regenerate the primary: no client used it recently, so none is cut off.',
  'regenerate-secondary':
    'Regenerate the secondary: no client used it recently, so none is cut off.',
  'delete-or-suspend': 'Delete the key if nothing needs it, or suspend it first to find out.',
  delete: 'Delete it: suspended keys that nobody misses only add risk.',
  restrict:
    'Restrict it: an allowed network, an expiry or scopes limit what a leaked secret can do.',
  'review-share': 'Whoever holds it loses access then: tell them, or give them a key of their own.',
};

/** Builds the report; findings by kind (as listed), then most urgent first. */
export function hygieneReport(input: HygieneInput): HygieneReport {
  const { policy, keys, now } = input;
  const byKey = slotsByKey(input.slots);
  const findings: HygieneFinding[] = [];
  for (const key of keys) {
    const slots = byKey.get(key.id) ?? [];
    if (key.state === 'active') {
      findings.push(
        ...ageFindings(key, slots, policy, now),
        ...legacyFindings(key, slots, policy, now),
      );
      const open = unrestrictedFinding(key);
      if (open) findings.push(open);
    }
    findings.push(...unusedFindings(key, slots, policy, now));
  }
  const active = new Map(keys.filter((k) => k.state === 'active').map((k) => [k.id, k]));
  const horizon = now.getTime() + (input.shareWindowMs ?? DEFAULT_SHARE_WINDOW_MS);
  for (const share of input.shares ?? []) {
    const key = active.get(share.keyId);
    if (key === undefined || share.until.getTime() > horizon) continue;
    findings.push({
      ...base('shared-expiring', key, share.slot, 'review-share'),
      detail: `The ${share.slot} is shared until ${share.until.toISOString()}, when Keyward regenerates it. ${HINTS['review-share']}`,
      dueAt: share.until,
    });
  }
  findings.sort(byUrgency);
  return { findings, summary: summarize(findings) };
}

function base(
  kind: HygieneKind,
  key: ReportKey,
  slot: SlotName | null,
  action: HygieneAction,
): Omit<HygieneFinding, 'detail'> {
  return {
    kind,
    keyId: key.id,
    keyName: key.name,
    slot,
    action,
    since: null,
    dueAt: null,
    ageDays: null,
    idleDays: null,
  };
}

/**
 * Rotate a secret clients still send; regenerate one nobody sent within the unused threshold
 * (or ever, without one). Manage keys: their use is not recorded, so assume clients hold them.
 */
function replaceAction(
  key: ReportKey,
  slot: ReportSlot,
  policy: HygienePolicy,
  now: Date,
): HygieneAction {
  if (key.kind === 'manage') return 'rotate';
  const threshold = unusedReportDays(policy);
  const inUse =
    slot.lastUsedAt !== null && (threshold === null || !isIdleFor(slot, threshold, now));
  return inUse ? 'rotate' : `regenerate-${slot.slot}`;
}

function ageFindings(
  key: ReportKey,
  slots: readonly ReportSlot[],
  policy: HygienePolicy,
  now: Date,
): HygieneFinding[] {
  const out: HygieneFinding[] = [];
  for (const slot of slots) {
    const age = secretAge(policy, slot.generatedAt, now);
    if (age === null || age.stage.kind === 'ok') continue;
    const overdue = age.stage.kind === 'overdue';
    const action = replaceAction(key, slot, policy, now);
    const fact = overdue
      ? `The ${slot.slot} secret is ${age.ageDays} days old; the policy allows ${policy.maxSecretAgeDays} (due ${age.dueAt.toISOString()}).`
      : `The ${slot.slot} secret reaches the ${policy.maxSecretAgeDays}-day maximum age on ${age.dueAt.toISOString()}.`;
    out.push({
      ...base(overdue ? 'overdue' : 'due-soon', key, slot.slot, action),
      detail: `${fact} ${HINTS[action]}`,
      since: slot.generatedAt,
      dueAt: age.dueAt,
      ageDays: age.ageDays,
    });
  }
  return out;
}

function legacyFindings(
  key: ReportKey,
  slots: readonly ReportSlot[],
  policy: HygienePolicy,
  now: Date,
): HygieneFinding[] {
  // SecretSlot.imported: set by the legacy-key import (core/legacy-secret.ts).
  return slots
    .filter((slot) => slot.imported === true)
    .map((slot) => {
      const action = replaceAction(key, slot, policy, now);
      return {
        ...base('legacy-format', key, slot.slot, action),
        detail: `The ${slot.slot} secret was imported from a legacy system and is not in Keyward's format (no checksum, so leak scanners miss it). ${HINTS[action]}`,
        since: slot.generatedAt,
        ageDays: days(now.getTime() - slot.generatedAt.getTime()),
      };
    });
}

function unrestrictedFinding(key: ReportKey): HygieneFinding | null {
  const open =
    key.kind === 'use' &&
    key.allowedCidrs.length === 0 &&
    key.expiresAt === null &&
    key.scopes.length === 0;
  if (!open) return null;
  return {
    ...base('unrestricted', key, null, 'restrict'),
    detail: `Works from any address, for every route without a scope, and never expires. ${HINTS.restrict}`,
    since: key.createdAt,
  };
}

function unusedFindings(
  key: ReportKey,
  slots: readonly ReportSlot[],
  policy: HygienePolicy,
  now: Date,
): HygieneFinding[] {
  const threshold = unusedReportDays(policy);
  if (threshold === null || key.kind !== 'use' || slots.length === 0) return [];
  const idle = slots.filter((s) => isIdleFor(s, threshold, now));
  if (idle.length === slots.length) {
    // The key's last activity: the later of its slots'.
    const since = new Date(Math.max(...slots.map((s) => idleSince(s).getTime())));
    const idleDays = days(now.getTime() - since.getTime());
    const suspendAfter = policy.suspendUnusedAfterDays;
    if (key.state !== 'active') {
      return [
        {
          ...base('unused', key, null, 'delete'),
          detail: `Suspended, and neither secret was used for ${idleDays} days. ${HINTS.delete}`,
          since,
          idleDays,
        },
      ];
    }
    const dueAt = suspendAfter === null ? null : new Date(since.getTime() + suspendAfter * DAY_MS);
    const automatic =
      dueAt === null
        ? ''
        : dueAt.getTime() <= now.getTime()
          ? ' The policy suspends it at the next daily check.'
          : ` The policy suspends it on ${dueAt.toISOString()}.`;
    return [
      {
        ...base('unused', key, null, 'delete-or-suspend'),
        detail: `Neither secret was used for ${idleDays} days. ${HINTS['delete-or-suspend']}${automatic}`,
        since,
        dueAt,
        idleDays,
      },
    ];
  }
  if (key.state !== 'active') return [];
  return idle.map((slot) => {
    const action = `regenerate-${slot.slot}` as const;
    const since = idleSince(slot);
    const idleDays = days(now.getTime() - since.getTime());
    return {
      ...base('unused', key, slot.slot, action),
      detail: `The ${slot.slot} secret was not used for ${idleDays} days while the other one is. ${HINTS[action]}`,
      since,
      idleDays,
    };
  });
}

const KIND_ORDER: ReadonlyMap<HygieneKind, number> = new Map(HYGIENE_KINDS.map((k, i) => [k, i]));

/** Kind, then the earliest deadline (or start), then key and slot for a stable order. */
function byUrgency(a: HygieneFinding, b: HygieneFinding): number {
  const when = (f: HygieneFinding) => (f.dueAt ?? f.since)?.getTime() ?? Number.POSITIVE_INFINITY;
  return (
    (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0) ||
    when(a) - when(b) ||
    a.keyId.localeCompare(b.keyId) ||
    (a.slot ?? '').localeCompare(b.slot ?? '')
  );
}

function summarize(findings: readonly HygieneFinding[]): HygieneSummary {
  const count = (kind: HygieneKind) => findings.filter((f) => f.kind === kind).length;
  return {
    overdue: count('overdue'),
    dueSoon: count('due-soon'),
    unused: count('unused'),
    sharedExpiring: count('shared-expiring'),
    unrestricted: count('unrestricted'),
    legacyFormat: count('legacy-format'),
  };
}
