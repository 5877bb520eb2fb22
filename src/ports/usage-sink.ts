import type { SlotName } from '../core/model.js';

/**
 * One gateway decision, for monitoring. Never carries the secret, nor anything derived from it
 * (no digest, no hint): only who (key, institution, slot) and what happened.
 */
export interface UsageEvent {
  readonly at: Date;
  /** The request's id (the `X-Request-Id` answered to the client). */
  readonly requestId: string;
  /** Null when the secret did not identify a key (missing, malformed, unknown). */
  readonly keyId: string | null;
  readonly institutionId: string | null;
  readonly slot: SlotName | null;
  /** For a retired secret (`outcome` RETIRED): when its slot was regenerated away from it. */
  readonly retiredAt: Date | null;
  /** The matched route's configured path, or null when no route matched. */
  readonly route: string | null;
  /** HTTP status answered to the client. */
  readonly status: number;
  /** Time from request start to the decision or the end of the response, in ms. */
  readonly latencyMs: number;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  /** `OK`, a verification failure code (`NOT_FOUND`, `RATE_LIMITED`, …) or an upstream outcome. */
  readonly outcome: string;
}

/**
 * Where usage events go (the monitoring issue persists and aggregates them).
 *
 * `emit` is on the hot path: it must be synchronous and cheap, never block on I/O, and never
 * throw — an implementation that buffers drops events (and counts the drops) rather than slow a
 * request or grow without bound.
 */
export interface UsageSink {
  emit(event: UsageEvent): void;
}
