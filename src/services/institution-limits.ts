import { storeFault } from '../core/errors.js';
import type { RateLimit } from '../core/model.js';
import type { InstitutionRepo } from '../ports/store.js';

/** The institution settings a verification needs. */
export interface InstitutionLimits {
  /** Aggregate over all keys of the institution. */
  readonly rateLimit: RateLimit | null;
  /** For keys without a rate limit of their own. */
  readonly defaultRateLimit: RateLimit | null;
}

const NO_LIMITS: InstitutionLimits = Object.freeze({ rateLimit: null, defaultRateLimit: null });
/** After a failed read, how long the last known limits are used before the store is asked again. */
const STALE_RETRY_MS = 1_000;

interface Entry {
  readonly limits: InstitutionLimits;
  readonly expiresAt: number;
}

/**
 * The verifier's cache of institution rate-limit settings: one store read per institution per
 * TTL, dropped at once by `invalidate` (an institution change on the key-event bus). Institutions
 * are few, so the map is bounded by `maxEntries` only as a guard, cleared whole when full.
 *
 * A read that was in flight while the institution changed is not cached (the same generation
 * rule as VerifyCache), so a change is never undone by a slow read.
 *
 * When the store fails, the last known limits of the institution (expired, but never
 * invalidated) are used for another second: a key the verifier has cached keeps working through
 * a store outage, throttled as before, instead of turning into 503s. Without them the read fails
 * (STORE_UNAVAILABLE: the caller fails closed).
 */
export class InstitutionLimitsCache {
  readonly #institutions: Pick<InstitutionRepo, 'get'>;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  #generation = 0;

  constructor(
    institutions: Pick<InstitutionRepo, 'get'>,
    options: { readonly ttlMs: number; readonly maxEntries?: number },
  ) {
    this.#institutions = institutions;
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cached limits, or undefined when they must be read (`load`). */
  peek(institutionId: string, nowMs: number): InstitutionLimits | undefined {
    const entry = this.#entries.get(institutionId);
    return entry !== undefined && entry.expiresAt > nowMs ? entry.limits : undefined;
  }

  /** Reads the limits from the store (see the class comment for a failing store). */
  async load(institutionId: string, nowMs: number): Promise<InstitutionLimits> {
    const generation = this.#generation;
    let limits: InstitutionLimits;
    try {
      const institution = await this.#institutions.get(institutionId);
      limits = institution
        ? {
            rateLimit: institution.settings.rateLimit,
            defaultRateLimit: institution.settings.defaultRateLimit,
          }
        : NO_LIMITS;
    } catch (err) {
      const stale = this.#entries.get(institutionId);
      if (stale === undefined) throw storeFault(err);
      this.#entries.set(institutionId, { limits: stale.limits, expiresAt: nowMs + STALE_RETRY_MS });
      return stale.limits;
    }
    if (generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(institutionId, { limits, expiresAt: nowMs + this.#ttlMs });
    }
    return limits;
  }

  invalidate(institutionId: string): void {
    this.#generation += 1;
    this.#entries.delete(institutionId);
  }
}
