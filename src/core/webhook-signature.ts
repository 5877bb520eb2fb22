import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures and the retry schedule: pure functions shared by the sender (the delivery
 * worker) and receivers (`import { verifyWebhookSignature } from 'keyward'`).
 *
 * A delivery carries `X-Keyward-Timestamp: <unix seconds>` and
 * `X-Keyward-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, where the key is
 * the whole webhook secret (`whsec_…`) as UTF-8 and `body` the exact bytes received. Signing the
 * timestamp with the body lets a receiver refuse replays of an old delivery.
 */

export const SIGNATURE_SCHEME = 'v1';

/** How far a delivery's timestamp may be from the receiver's clock (either way) by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const HEX_SHA256_PATTERN = /^[0-9a-f]{64}$/;

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(`${timestamp}.`, 'utf8');
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return mac.digest('hex');
}

/** The `X-Keyward-Signature` value for a body sent at `timestampSeconds`. */
export function signWebhook(
  secret: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('timestamp must be a non-negative integer number of seconds');
  }
  return `${SIGNATURE_SCHEME}=${hmacHex(secret, String(timestampSeconds), body)}`;
}

/** Why a delivery was refused; `ok` when it is authentic and fresh. */
export type WebhookVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'MALFORMED_TIMESTAMP' | 'STALE_TIMESTAMP' | 'NO_SIGNATURE' | 'MISMATCH';
    };

/**
 * Checks a received delivery: the timestamp is within `toleranceSeconds` of `nowSeconds` and one
 * of the `v1=` entries of the signature header (several may be sent, comma-separated) matches,
 * compared in constant time. `body` must be the raw bytes as received, not re-serialised JSON.
 */
export function checkWebhookSignature(
  secret: string,
  timestampHeader: string | undefined | null,
  body: string | Uint8Array,
  signatureHeader: string | undefined | null,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): WebhookVerdict {
  const timestamp = (timestampHeader ?? '').trim();
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'MALFORMED_TIMESTAMP' };
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: 'STALE_TIMESTAMP' };
  }
  const candidates = (signatureHeader ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1).toLowerCase())
    .filter((hex) => HEX_SHA256_PATTERN.test(hex));
  if (candidates.length === 0) return { ok: false, reason: 'NO_SIGNATURE' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  // Every candidate is compared (no early exit) so timing says nothing about which one matched.
  let matched = false;
  for (const hex of candidates) {
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'MISMATCH' };
}

/** `checkWebhookSignature` as a yes/no, for receivers that only need that. */
export function verifyWebhookSignature(
  secret: string,
  timestampHeader: string | undefined | null,
  body: string | Uint8Array,
  signatureHeader: string | undefined | null,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  return checkWebhookSignature(
    secret,
    timestampHeader,
    body,
    signatureHeader,
    nowSeconds,
    toleranceSeconds,
  ).ok;
}

/**
 * Waits before each retry: attempt 1 is immediate, attempt n + 1 follows attempt n's failure by
 * `RETRY_DELAYS_SECONDS[n - 1]` (± jitter). After the last attempt the delivery is failed:
 * 8 attempts spread over about 6.5 hours, enough to ride out a receiver's restart or a short outage
 * without keeping a dead endpoint busy forever.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = Object.freeze([
  10,
  30,
  2 * 60,
  10 * 60,
  30 * 60,
  60 * 60,
  4 * 60 * 60,
]);
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** ±20 %: spreads retries of many deliveries that failed together (a receiver outage). */
const JITTER = 0.2;

/**
 * The delay in ms before the next attempt after `attemptsMade` failed attempts, or null when none
 * is left. `random` is a number in [0, 1) (injected so tests are exact; 0.5 means no jitter).
 */
export function retryDelayMs(attemptsMade: number, random: number): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError('attemptsMade must be a positive integer');
  }
  const base = RETRY_DELAYS_SECONDS[attemptsMade - 1];
  if (base === undefined) return null;
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(base * 1000 * (1 - JITTER + 2 * JITTER * r));
}
