import { detectUnused, type SlotUse } from '../core/detectors.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { raiseAlert } from './alert-monitor.js';
import { HygieneJob } from './hygiene-job.js';

const DAY_MS = 86_400_000;

export interface UsageMaintenanceOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly notifier: Notifier | null;
  /** Told about keys the hygiene policy suspends, so caches drop them. */
  readonly invalidation: KeyInvalidation;
  /** Raw events older than this many days are deleted. */
  readonly retentionDays: number;
  /** Rollups older than this many days are deleted. */
  readonly rollupRetentionDays: number;
  /** How often it runs (default hourly); the first run follows `firstRunMs` after start. */
  readonly intervalMs?: number;
  readonly firstRunMs?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * Periodic upkeep of usage data, run by admin-role processes: prunes raw events and rollups past
 * their retention, and daily raises UNUSED alerts for slots idle longer than their institution's
 * `unusedAlertDays` (hygiene: "eliminate unnecessary API keys") and runs the rest of the hygiene
 * policy (HygieneJob: SECRET_AGE alerts, suspension of unused keys). Idempotent, so several
 * processes may run it: deletes repeat harmlessly, alerts are deduplicated by the store and a
 * suspension is a guarded write.
 */
export class UsageMaintenance {
  readonly #options: UsageMaintenanceOptions;
  readonly #hygiene: HygieneJob;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #lastUnusedCheckMs = Number.NEGATIVE_INFINITY;

  constructor(options: UsageMaintenanceOptions) {
    this.#options = options;
    this.#hygiene = new HygieneJob(options);
  }

  start(): void {
    const { intervalMs = 3_600_000, firstRunMs = 60_000 } = this.#options;
    const tick = () => {
      void this.run();
      this.#timer = setTimeout(tick, intervalMs);
      this.#timer.unref();
    };
    this.#timer = setTimeout(tick, firstRunMs);
    this.#timer.unref();
  }

  /** One round now: prune, and (at most daily) check for unused slots and the hygiene policy. */
  run(): Promise<void> {
    this.#running = this.#running.then(async () => {
      try {
        await this.prune();
        const now = this.#options.clock.now().getTime();
        if (now - this.#lastUnusedCheckMs >= DAY_MS) {
          this.#lastUnusedCheckMs = now;
          await this.checkUnused();
          await this.checkHygiene();
        }
      } catch (err) {
        this.#options.onError?.(err);
      }
    });
    return this.#running;
  }

  async prune(): Promise<{ events: number; rollups: number }> {
    const now = this.#options.clock.now().getTime();
    return this.#options.store.usage.prune(
      new Date(now - this.#options.retentionDays * DAY_MS),
      new Date(now - this.#options.rollupRetentionDays * DAY_MS),
    );
  }

  /** Raises (or repeats) an UNUSED alert per idle slot of active keys; returns alerts opened. */
  async checkUnused(): Promise<number> {
    const { store, clock, notifier } = this.#options;
    const now = clock.now();
    let opened = 0;
    for (const institution of await store.institutions.list()) {
      const days = institution.settings.unusedAlertDays;
      if (days === null) continue;
      const keys = (await store.keys.listByInstitution(institution.id)).filter(
        (k) => k.state === 'active',
      );
      if (keys.length === 0) continue;
      const slots: SlotUse[] = (await store.keys.getSlotsOfKeys(keys.map((k) => k.id))).map(
        (s) => ({
          institutionId: institution.id,
          keyId: s.keyId,
          slot: s.slot,
          generatedAt: s.generatedAt,
          lastUsedAt: s.lastUsedAt,
        }),
      );
      const findings = detectUnused(slots, days * DAY_MS, now);
      if (findings.length === 0) continue;
      await store.transaction(async (tx) => {
        for (const finding of findings) {
          if (await raiseAlert(tx, notifier, { finding, firstSeenAt: finding.at, count: 1 })) {
            opened += 1;
          }
        }
      });
    }
    return opened;
  }

  /** SECRET_AGE alerts and policy suspensions (HygieneJob); returns what it did. */
  checkHygiene(): Promise<{ alertsOpened: number; suspended: string[] }> {
    return this.#hygiene.run();
  }

  /** Stops the timer and waits for a round in progress. */
  async close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }
}
