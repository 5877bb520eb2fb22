import { AppError } from '../../core/errors.js';
import type { RateLimit } from '../../core/model.js';
import { decideRateLimit, type RateDecision, type RateWindowState } from '../../core/rate-limit.js';
import type { RateLimitStore } from '../../ports/rate-limit-store.js';

export interface MemoryRateLimitStoreOptions {
  /** Buckets kept at most; beyond it the least recently used one is forgotten. */
  readonly maxBuckets?: number;
}

const DEFAULT_MAX_BUCKETS = 100_000;
/**
 * Every 32nd `take` drops up to 64 expired buckets from the cold end: at most two per request on
 * average, enough to keep up with buckets going idle, and O(1) amortised without an iterator per
 * request.
 */
const SWEEP_EVERY_MASK = 31;
const SWEEP_BATCH = 64;

/**
 * Rate-limit counters in process memory: exact for one node (several nodes need a shared store).
 * Atomic per bucket because `take` decides and stores without yielding to the event loop.
 *
 * Memory is bounded: a Map keeps its buckets in least-recently-used order (each `take` re-inserts
 * its bucket at the end); expired buckets are dropped from the cold end as takes go by (a bucket
 * is expired two windows after its current one began: its counts weigh nothing any more), and
 * beyond `maxBuckets` the least recently used bucket is forgotten even if live — which can only
 * ever make the limiter more lenient for that one bucket, never refuse a request wrongly.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #maxBuckets: number;
  readonly #buckets = new Map<string, RateWindowState>();
  #takes = 0;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const max = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
    if (!Number.isSafeInteger(max) || max <= 0) {
      throw new AppError('CONFIG_INVALID', 'maxBuckets must be a positive integer');
    }
    this.#maxBuckets = max;
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  async take(bucket: string, limit: RateLimit, now: Date): Promise<RateDecision> {
    const nowMs = now.getTime();
    const buckets = this.#buckets;
    const outcome = decideRateLimit(buckets.get(bucket), limit, nowMs);
    buckets.delete(bucket);
    buckets.set(bucket, outcome.state);
    if (buckets.size > this.#maxBuckets || (this.#takes++ & SWEEP_EVERY_MASK) === 0) {
      this.#sweep(nowMs);
    }
    return outcome;
  }

  /** Forgets buckets beyond the cap, then expired ones from the cold end (a bounded batch). */
  #sweep(nowMs: number): void {
    const buckets = this.#buckets;
    let checked = 0;
    for (const [bucket, state] of buckets) {
      if (buckets.size > this.#maxBuckets) {
        buckets.delete(bucket);
        continue;
      }
      if (checked++ >= SWEEP_BATCH) break;
      if (state.windowStartMs + 2 * state.windowMs <= nowMs) buckets.delete(bucket);
      else break;
    }
  }
}
