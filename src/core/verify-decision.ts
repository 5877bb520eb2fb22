import { ipInCidrs } from './cidr.js';
import type { ApiKey, KeyKind, RetiredSecret, VerifiedSlot } from './model.js';
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
  | { readonly valid: true; readonly key: ApiKey; readonly slot: VerifiedSlot }
  | {
      readonly valid: false;
      readonly code: VerifyFailure;
      readonly key?: ApiKey;
      /** The slot the secret matched, when it was a live one (monitoring: which slot misbehaves). */
      readonly slot?: VerifiedSlot;
      readonly retired?: RetiredSecret;
    };

export interface VerifyRequest {
  readonly now: Date;
  /**
   * The key kind this caller accepts, if it cares: a `manage` key authenticates automation on the
   * admin API and holds no API scope, so the gateway asks for `use` keys only.
   */
  readonly kind?: KeyKind;
  /** Required scope, if the caller needs one. */
  readonly scope?: string;
  readonly clientIp?: string;
}

const NOT_FOUND: Verdict = Object.freeze({ valid: false, code: 'NOT_FOUND' });

/**
 * Decision order: known → not retired → key active → not expired → kind and scope → client IP.
 * A key of another kind than asked is refused as FORBIDDEN_SCOPE.
 * (Rate limiting is applied by the caller after a valid verdict.)
 *
 * Refusals about a known key carry the key (and the matched slot) so callers can log and alert on them. A key in an
 * unknown state, or with `deletedAt` set, is refused as CANCELLED (fail closed). Throws only if a
 * stored CIDR is invalid, which the gateway turns into a 503 (it fails closed).
 */
export function decideVerdict(match: DigestMatchLike | null, req: VerifyRequest): Verdict {
  if (match === null) return NOT_FOUND;
  let key: ApiKey;
  let slot: VerifiedSlot;
  if (match.kind === 'retired') {
    const { retired } = match;
    // A retired secret inside its grace window still authenticates, as a retiring secret of its
    // key and slot, under every check below; from graceUntil on it is refused like any other.
    const graceUntil = retired.graceUntil;
    if (
      graceUntil === null ||
      match.key === undefined ||
      graceUntil.getTime() <= req.now.getTime()
    ) {
      return { valid: false, code: 'RETIRED', retired };
    }
    key = match.key;
    slot = {
      keyId: retired.keyId,
      slot: retired.slot,
      digestVersion: retired.digestVersion,
      hint: retired.hint,
      generatedAt: retired.retiredAt,
      retiringUntil: graceUntil,
    };
  } else {
    key = match.key;
    slot = match.slot;
  }
  const deleted = (key.deletedAt ?? null) !== null;
  if (key.state !== 'active' || deleted) {
    return {
      valid: false,
      code: key.state === 'suspended' && !deleted ? 'SUSPENDED' : 'CANCELLED',
      key,
      slot,
    };
  }
  if (key.expiresAt !== null && key.expiresAt.getTime() <= req.now.getTime()) {
    return { valid: false, code: 'EXPIRED', key, slot };
  }
  if (
    (req.kind !== undefined && key.kind !== req.kind) ||
    (req.scope !== undefined && !key.scopes.includes(req.scope))
  ) {
    return { valid: false, code: 'FORBIDDEN_SCOPE', key, slot };
  }
  if (
    key.allowedCidrs.length > 0 &&
    (req.clientIp === undefined || !ipInCidrs(req.clientIp, key.allowedCidrs))
  ) {
    return { valid: false, code: 'IP_NOT_ALLOWED', key, slot };
  }
  return { valid: true, key, slot };
}
