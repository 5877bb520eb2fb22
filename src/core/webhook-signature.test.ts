import { describe, expect, it } from 'vitest';
import {
  checkWebhookSignature,
  MAX_DELIVERY_ATTEMPTS,
  RETRY_DELAYS_SECONDS,
  retryDelayMs,
  signWebhook,
  verifyWebhookSignature,
} from './webhook-signature.js';

const SECRET = 'whsec_test-secret';
const BODY = '{"id":"evt_1","type":"webhook.test"}';
const TS = 1_700_000_000;
// printf '%s' '1700000000.{"id":"evt_1","type":"webhook.test"}' | openssl dgst -sha256 -hmac 'whsec_test-secret'
const VECTOR = 'v1=b3be53c4e5baad01ac8405890e129398bee310ac78a4fc7e8d522644faec0798';

describe('signWebhook', () => {
  it('is v1=hex HMAC-SHA256(secret, timestamp + "." + body), as openssl computes it', () => {
    expect(signWebhook(SECRET, TS, BODY)).toBe(VECTOR);
    expect(signWebhook(SECRET, TS, Buffer.from(BODY))).toBe(VECTOR);
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => signWebhook(SECRET, 1.5, BODY)).toThrow(RangeError);
    expect(() => signWebhook(SECRET, -1, BODY)).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const verify = (overrides: {
    secret?: string;
    ts?: string | null;
    body?: string;
    sig?: string | null;
    now?: number;
    tolerance?: number;
  }) =>
    checkWebhookSignature(
      overrides.secret ?? SECRET,
      overrides.ts === undefined ? String(TS) : overrides.ts,
      overrides.body ?? BODY,
      overrides.sig === undefined ? VECTOR : overrides.sig,
      overrides.now ?? TS + 10,
      overrides.tolerance,
    );

  it('accepts an authentic, fresh delivery', () => {
    expect(verify({})).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, String(TS), BODY, VECTOR, TS - 300)).toBe(true);
  });

  it('refuses another secret, an altered body or an altered timestamp', () => {
    expect(verify({ secret: 'whsec_other' })).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verify({ body: `${BODY} ` })).toEqual({ ok: false, reason: 'MISMATCH' });
    expect(verify({ ts: String(TS + 1), now: TS })).toEqual({ ok: false, reason: 'MISMATCH' });
  });

  it('refuses a timestamp outside the tolerance (a replay), either way', () => {
    expect(verify({ now: TS + 301 })).toEqual({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(verify({ now: TS - 301 })).toEqual({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(verify({ now: TS + 301, tolerance: 600 })).toEqual({ ok: true });
  });

  it('refuses missing or malformed headers without throwing', () => {
    expect(verify({ ts: null })).toEqual({ ok: false, reason: 'MALFORMED_TIMESTAMP' });
    expect(verify({ ts: '17e8' })).toEqual({ ok: false, reason: 'MALFORMED_TIMESTAMP' });
    expect(verify({ sig: null })).toEqual({ ok: false, reason: 'NO_SIGNATURE' });
    expect(verify({ sig: 'v0=abcd' })).toEqual({ ok: false, reason: 'NO_SIGNATURE' });
    expect(verify({ sig: 'v1=zz' })).toEqual({ ok: false, reason: 'NO_SIGNATURE' });
  });

  it('accepts any matching v1 entry of a list (several secrets during a change)', () => {
    const other = signWebhook('whsec_other', TS, BODY);
    expect(verify({ sig: `${other}, ${VECTOR}` })).toEqual({ ok: true });
    expect(verify({ sig: VECTOR.toUpperCase().replace('V1=', 'v1=') })).toEqual({ ok: true });
  });
});

describe('retryDelayMs', () => {
  it('backs off 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 4 h, then gives up', () => {
    const delays = Array.from({ length: MAX_DELIVERY_ATTEMPTS }, (_, i) =>
      retryDelayMs(i + 1, 0.5),
    );
    expect(delays).toEqual([
      10_000,
      30_000,
      120_000,
      600_000,
      1_800_000,
      3_600_000,
      14_400_000,
      null,
    ]);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(RETRY_DELAYS_SECONDS.length + 1);
  });

  it('jitters by ±20 % and never leaves that band', () => {
    expect(retryDelayMs(1, 0)).toBe(8_000);
    expect(retryDelayMs(1, 0.999_999)).toBe(12_000);
    expect(retryDelayMs(1, 7)).toBe(12_000);
    expect(retryDelayMs(1, -3)).toBe(8_000);
  });

  it('refuses an attempt count that is not a positive integer', () => {
    expect(() => retryDelayMs(0, 0.5)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, 0.5)).toThrow(RangeError);
  });
});
