import type { ApiKey, RetiredSecret, VerifiedSlot } from '../core/model.js';
import type { VerifyFailure } from '../core/verify-decision.js';

/**
 * The contract between the verification hot path (services/verifier.ts) and its callers: the
 * gateway, `POST /api/v1/verify` and the embedded verifier (`createVerifier`).
 */

export interface VerifyInput {
  /** The secret as extracted (already trimmed of nothing: callers reject bad shapes first). */
  readonly secret: string;
  /** The scope the caller requires (a route's scope), if any. */
  readonly scope?: string;
  /** The client's address, as trusted by the caller. */
  readonly clientIp?: string;
}

/** Rate-limit state after this request, for `RateLimit-*` headers. */
export interface RateLimitInfo {
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets. */
  readonly resetSeconds: number;
}

export type VerifyResult =
  | {
      readonly valid: true;
      readonly key: ApiKey;
      readonly slot: VerifiedSlot;
      readonly rateLimit: RateLimitInfo | null;
    }
  | {
      readonly valid: false;
      /** MALFORMED, NOT_FOUND, RETIRED, SUSPENDED, CANCELLED, EXPIRED, FORBIDDEN_SCOPE, IP_NOT_ALLOWED, RATE_LIMITED. */
      readonly code: VerifyFailure;
      readonly key?: ApiKey;
      /** The live slot the secret matched, for refusals about a known key. */
      readonly slot?: VerifiedSlot;
      readonly retired?: RetiredSecret;
      /** Set with RATE_LIMITED: seconds to wait (for `Retry-After`). */
      readonly retryAfterSeconds?: number;
      readonly rateLimit?: RateLimitInfo | null;
    };

/**
 * Verifies secrets. Throws AppError STORE_UNAVAILABLE when the store cannot be reached and no
 * safe cached answer exists (callers answer 503 and never forward).
 */
export interface SecretVerifier {
  verify(input: VerifyInput): Promise<VerifyResult>;
}
