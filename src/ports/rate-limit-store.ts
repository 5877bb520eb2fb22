import type { RateLimit } from '../core/model.js';
import type { RateDecision } from '../core/rate-limit.js';

/**
 * Rate-limit counters, one bucket per limited subject (a key id, an institution id). The decision
 * itself is the pure `decideRateLimit` (core/rate-limit.ts); a store only keeps the counters and
 * applies the decision atomically per bucket, so concurrent requests can never overdraw a quota.
 *
 * Implementations: in process memory (one node); a shared one (Redis) for several gateway nodes.
 */
export interface RateLimitStore {
  /**
   * Decides one request in `bucket` against `limit` at `now` and, when allowed, counts it.
   * Refused requests are not counted. Atomic per bucket.
   */
  take(bucket: string, limit: RateLimit, now: Date): Promise<RateDecision>;
}
