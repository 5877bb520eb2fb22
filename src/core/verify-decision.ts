// STUB — implemented by the core helper. Signatures are the contract.
import type { ApiKey, RetiredSecret, SecretSlot } from './model.js';
import type { DigestMatchLike } from './verify-types.js';

/** Why a secret was refused. A failed verification is an outcome, not an exception. */
export const VERIFY_FAILURES = [
  'MISSING',
  'MALFORMED',
  'NOT_FOUND',
  'RETIRED',
  'SUSPENDED',
  'CANCELLED',
  'EXPIRED',
  'FORBIDDEN_SCOPE',
  'IP_NOT_ALLOWED',
  'RATE_LIMITED',
] as const;
export type VerifyFailure = (typeof VERIFY_FAILURES)[number];

export type Verdict =
  | { readonly valid: true; readonly key: ApiKey; readonly slot: SecretSlot }
  | { readonly valid: false; readonly code: VerifyFailure; readonly key?: ApiKey; readonly retired?: RetiredSecret };

export interface VerifyRequest {
  readonly now: Date;
  /** Required scope, if the caller needs one. */
  readonly scope?: string;
  readonly clientIp?: string;
}
/**
 * Decision order: known → not retired → key active → not expired → scope → client IP.
 * (Rate limiting is applied by the caller after a valid verdict.)
 */
export function decideVerdict(_match: DigestMatchLike | null, _req: VerifyRequest): Verdict {
  throw new Error('not implemented');
}
