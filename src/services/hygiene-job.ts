import {
  type HygienePolicy,
  hygienePolicyOf,
  idleSince,
  keysToSuspend,
  secretAgeFindings,
} from '../core/hygiene-policy.js';
import type { ApiKey, SecretSlot } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { raiseAlert } from './alert-monitor.js';
import { auditOf, SYSTEM_CONTEXT } from './principal.js';

export interface HygieneJobDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly notifier: Notifier | null;
  readonly invalidation: KeyInvalidation;
}

/**
 * The daily part of the hygiene policy (core/hygiene-policy.ts), run by UsageMaintenance:
 * SECRET_AGE reminders and overdue alerts, and suspension of unused keys where the institution's
 * policy asks for it. Safe with several admin processes: alerts are deduplicated by the store and
 * a suspension is a guarded write (`updateIfState`), so exactly one process suspends a key and
 * audits it.
 */
export class HygieneJob {
  constructor(private readonly deps: HygieneJobDeps) {}

  /** One pass over every institution; returns alerts opened and keys suspended. */
  async run(): Promise<{ alertsOpened: number; suspended: string[] }> {
    let alertsOpened = 0;
    const suspended: string[] = [];
    for (const institution of await this.deps.store.institutions.list()) {
      const policy = hygienePolicyOf(institution.settings);
      if (policy.maxSecretAgeDays === null && policy.suspendUnusedAfterDays === null) continue;
      const keys = await this.deps.store.keys.listByInstitution(institution.id);
      if (keys.length === 0) continue;
      const slots = await this.deps.store.keys.getSlotsOfKeys(keys.map((k) => k.id));
      const now = this.deps.clock.now();
      alertsOpened += await this.#raiseAgeAlerts(institution.id, policy, keys, slots, now);
      suspended.push(...(await this.#suspendUnused(institution.id, policy, keys, slots, now)));
    }
    return { alertsOpened, suspended };
  }

  async #raiseAgeAlerts(
    institutionId: string,
    policy: HygienePolicy,
    keys: readonly ApiKey[],
    slots: readonly SecretSlot[],
    now: Date,
  ): Promise<number> {
    const { store, notifier } = this.deps;
    const findings = secretAgeFindings(institutionId, policy, keys, slots, now);
    if (findings.length === 0) return 0;
    let opened = 0;
    await store.transaction(async (tx) => {
      for (const finding of findings) {
        if (await raiseAlert(tx, notifier, { finding, firstSeenAt: finding.at, count: 1 })) {
          opened += 1;
        }
      }
    });
    return opened;
  }

  /**
   * Suspends each candidate in its own transaction, re-checking it there: a key used since the
   * listing, or changed by someone else, is left alone. Caches drop the key after the commit.
   */
  async #suspendUnused(
    institutionId: string,
    policy: HygienePolicy,
    keys: readonly ApiKey[],
    slots: readonly SecretSlot[],
    now: Date,
  ): Promise<string[]> {
    const { store, clock, invalidation } = this.deps;
    const days = policy.suspendUnusedAfterDays;
    if (days === null) return [];
    const done: string[] = [];
    for (const candidate of keysToSuspend(policy, keys, slots, now)) {
      const suspended = await store.transaction(async (tx) => {
        const key = await tx.keys.get(candidate.id);
        const current = await tx.keys.getSlots(candidate.id);
        if (!key || keysToSuspend(policy, [key], current, now).length === 0) return false;
        const updated = await tx.keys.updateIfState(key.id, 'active', {
          state: 'suspended',
          updatedAt: now,
        });
        if (!updated) return false;
        const lastActive = Math.max(...current.map((s) => idleSince(s).getTime()));
        await tx.audit.append(
          auditOf(SYSTEM_CONTEXT, clock, 'key.suspend', {
            institutionId,
            target: key.id,
            details: {
              changes: { state: 'suspended' },
              reason: 'unused',
              suspendUnusedAfterDays: days,
              lastActiveAt: new Date(lastActive).toISOString(),
            },
          }),
        );
        return true;
      });
      if (!suspended) continue;
      await invalidation.keyChanged(candidate.id);
      done.push(candidate.id);
    }
    return done;
  }
}
