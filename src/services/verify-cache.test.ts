import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import type { ApiKey, RetiredSecret, SecretSlot } from '../core/model.js';
import type { DigestMatch } from '../ports/store.js';
import { VerifyCache } from './verify-cache.js';

const T0 = Date.UTC(2030, 0, 1);

function key(id: string): ApiKey {
  return {
    id,
    institutionId: 'ins_1',
    name: 'app',
    kind: 'use',
    scopes: [],
    state: 'active',
    allowedCidrs: [],
    expiresAt: null,
    rateLimit: null,
    createdAt: new Date(T0),
    createdBy: 'usr_1',
    updatedAt: new Date(T0),
    deletedAt: null,
  };
}

function slotMatch(keyId: string, digest: string): DigestMatch {
  const slot: SecretSlot = {
    keyId,
    slot: 'primary',
    digest,
    digestVersion: 1,
    sealed: null,
    hint: 'kw_live_…abcd',
    generatedAt: new Date(T0),
    generatedBy: 'usr_1',
    lastUsedAt: null,
    lastUsedFrom: null,
    lastUserAgent: null,
    imported: false,
  };
  return { kind: 'slot', key: key(keyId), slot };
}

function retiredMatch(keyId: string, digest: string): DigestMatch {
  const retired: RetiredSecret = {
    digest,
    digestVersion: 1,
    keyId,
    institutionId: 'ins_1',
    slot: 'secondary',
    hint: 'kw_live_…wxyz',
    retiredAt: new Date(T0),
    retiredBy: 'usr_1',
    reason: 'regenerated',
    graceUntil: null,
  };
  return { kind: 'retired', retired };
}

const d = (n: number): string => n.toString(16).padStart(64, '0');

describe('VerifyCache', () => {
  it('misses, then serves what was set: matches and "not found"', () => {
    const cache = new VerifyCache();
    expect(cache.get(d(1), T0)).toBeUndefined();
    const match = slotMatch('key_a', d(1));
    cache.set(d(1), match, T0, cache.generation());
    cache.set(d(2), null, T0, cache.generation());
    expect(cache.get(d(1), T0 + 1)).toBe(match);
    expect(cache.get(d(2), T0 + 1)).toBeNull();
    expect(cache.get(d(3), T0 + 1)).toBeUndefined();
  });

  it('counts its answers for metrics: positive hits, negative hits, misses', () => {
    const cache = new VerifyCache({ positiveTtlMs: 30_000, negativeTtlMs: 5_000 });
    expect(cache.get(d(1), T0)).toBeUndefined();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, cache.generation());
    cache.set(d(2), null, T0, cache.generation());
    cache.get(d(1), T0 + 1);
    cache.get(d(1), T0 + 2);
    cache.get(d(2), T0 + 1);
    // Expired entries are misses: the store is read again.
    cache.get(d(1), T0 + 30_000);
    cache.get(d(2), T0 + 5_000);
    expect([cache.positiveHits, cache.negativeHits, cache.misses]).toEqual([2, 1, 3]);
  });

  it('expires positive and negative entries after their own TTLs', () => {
    const cache = new VerifyCache({ positiveTtlMs: 30_000, negativeTtlMs: 5_000 });
    cache.set(d(1), slotMatch('key_a', d(1)), T0, cache.generation());
    cache.set(d(2), null, T0, cache.generation());
    expect(cache.get(d(2), T0 + 4_999)).toBeNull();
    expect(cache.get(d(2), T0 + 5_000)).toBeUndefined();
    expect(cache.get(d(1), T0 + 29_999)).not.toBeUndefined();
    expect(cache.get(d(1), T0 + 30_000)).toBeUndefined();
    expect(cache.positiveSize).toBe(0);
    expect(cache.negativeSize).toBe(0);
    expect(cache.indexedKeys).toBe(0);
  });

  it('invalidateKey drops every positive entry of that key, retired ones included, and only those', () => {
    const cache = new VerifyCache();
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), slotMatch('key_a', d(2)), T0, g);
    cache.set(d(3), retiredMatch('key_a', d(3)), T0, g);
    cache.set(d(4), slotMatch('key_b', d(4)), T0, g);
    cache.set(d(5), null, T0, g);
    cache.invalidateKey('key_a');
    expect(cache.get(d(1), T0)).toBeUndefined();
    expect(cache.get(d(2), T0)).toBeUndefined();
    expect(cache.get(d(3), T0)).toBeUndefined();
    expect(cache.get(d(4), T0)).not.toBeUndefined();
    expect(cache.get(d(5), T0)).toBeNull();
    expect(cache.indexedKeys).toBe(1);
    cache.invalidateKey('key_unknown');
    expect(cache.positiveSize).toBe(1);
  });

  it('does not cache a read that overlapped an invalidation (no stale re-insert)', () => {
    const cache = new VerifyCache();
    const before = cache.generation();
    // …the store read starts, the key changes meanwhile…
    cache.invalidateKey('key_a');
    cache.set(d(1), slotMatch('key_a', d(1)), T0, before);
    cache.set(d(2), null, T0, before);
    expect(cache.get(d(1), T0)).toBeUndefined();
    expect(cache.get(d(2), T0)).toBeUndefined();
    // A read started after the change is cached.
    cache.set(d(1), slotMatch('key_a', d(1)), T0, cache.generation());
    expect(cache.get(d(1), T0)).not.toBeUndefined();
  });

  it('clear() drops everything and also voids reads in flight', () => {
    const cache = new VerifyCache();
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), null, T0, g);
    cache.clear();
    expect(cache.positiveSize + cache.negativeSize + cache.indexedKeys).toBe(0);
    cache.set(d(3), null, T0, g);
    expect(cache.get(d(3), T0)).toBeUndefined();
  });

  it('caps positive and negative entries separately: unknown secrets cannot evict real keys', () => {
    const cache = new VerifyCache({ maxPositive: 2, maxNegative: 3 });
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), slotMatch('key_b', d(2)), T0, g);
    for (let n = 100; n < 1_100; n++) cache.set(d(n), null, T0, g);
    expect(cache.negativeSize).toBeGreaterThan(0);
    expect(cache.negativeSize).toBeLessThanOrEqual(3);
    expect(cache.get(d(1), T0)).not.toBeUndefined();
    expect(cache.get(d(2), T0)).not.toBeUndefined();
    // The newest negatives survive.
    expect(cache.get(d(1_099), T0)).toBeNull();
    expect(cache.get(d(100), T0)).toBeUndefined();
  });

  it('keeps inserting unknown secrets cheap when the negative cache is full (generation swap)', () => {
    const cache = new VerifyCache({ maxNegative: 1_000 });
    const g = cache.generation();
    for (let n = 0; n < 50_000; n++) cache.set(d(n), null, T0, g);
    expect(cache.negativeSize).toBeLessThanOrEqual(1_000);
    expect(cache.negativeSize).toBeGreaterThanOrEqual(500);
    expect(cache.get(d(49_999), T0)).toBeNull();
    expect(cache.get(d(0), T0)).toBeUndefined();
  });

  it('evicts the oldest positive entry beyond the cap and keeps the key index in step', () => {
    const cache = new VerifyCache({ maxPositive: 2 });
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), slotMatch('key_b', d(2)), T0, g);
    cache.set(d(3), slotMatch('key_c', d(3)), T0, g);
    expect(cache.get(d(1), T0)).toBeUndefined();
    expect(cache.positiveSize).toBe(2);
    expect(cache.indexedKeys).toBe(2);
  });

  it('keeps inserting cheap beyond the positive cap, keeps secrets in use and the index in step', () => {
    const cache = new VerifyCache({ maxPositive: 1_000 });
    const g = cache.generation();
    cache.set(d(0), slotMatch('key_hot', d(0)), T0, g);
    for (let n = 1; n < 50_000; n++) {
      cache.set(d(n), slotMatch(`key_${n % 300}`, d(n)), T0, g);
      if (n % 100 === 0) expect(cache.get(d(0), T0)).not.toBeUndefined(); // in use: kept
    }
    expect(cache.positiveSize).toBeLessThanOrEqual(1_000);
    expect(cache.positiveSize).toBeGreaterThanOrEqual(500);
    expect(cache.get(d(49_999), T0)).not.toBeUndefined();
    expect(cache.get(d(1), T0)).toBeUndefined();
    expect(cache.indexedKeys).toBeLessThanOrEqual(301);
    // Invalidation reaches both generations.
    cache.invalidateKey('key_hot');
    expect(cache.get(d(0), T0)).toBeUndefined();
    for (let n = 49_000; n < 50_000; n++) cache.invalidateKey(`key_${n % 300}`);
    expect(cache.positiveSize).toBe(0);
    expect(cache.indexedKeys).toBe(0);
  });

  it('a cap of 1 keeps one entry per side', () => {
    const cache = new VerifyCache({ maxPositive: 1, maxNegative: 1 });
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), slotMatch('key_b', d(2)), T0, g);
    cache.set(d(3), null, T0, g);
    cache.set(d(4), null, T0, g);
    expect(cache.positiveSize).toBe(1);
    expect(cache.negativeSize).toBe(1);
    expect(cache.get(d(2), T0)).not.toBeUndefined();
    expect(cache.get(d(4), T0)).toBeNull();
  });

  it('replacing an entry moves it to the new key and clears a stale "not found"', () => {
    const cache = new VerifyCache();
    const g = cache.generation();
    cache.set(d(1), null, T0, g);
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    expect(cache.negativeSize).toBe(0);
    cache.set(d(1), retiredMatch('key_a', d(1)), T0 + 1, g);
    expect(cache.positiveSize).toBe(1);
    expect(cache.get(d(1), T0 + 2)).toMatchObject({ kind: 'retired' });
    cache.invalidateKey('key_a');
    expect(cache.get(d(1), T0 + 2)).toBeUndefined();
  });

  it('a cap or TTL of 0 turns that side off', () => {
    const cache = new VerifyCache({ maxNegative: 0, positiveTtlMs: 0 });
    const g = cache.generation();
    cache.set(d(1), slotMatch('key_a', d(1)), T0, g);
    cache.set(d(2), null, T0, g);
    expect(cache.get(d(1), T0)).toBeUndefined();
    expect(cache.get(d(2), T0)).toBeUndefined();
  });

  it('keyOf: a salted digest, stable within a cache, different in another, never the secret', () => {
    const secret = 'kw_live_0123456789ABCDEFGHIJabcdefghij000000';
    const cache = new VerifyCache();
    const key = cache.keyOf(secret);
    expect(cache.keyOf(secret)).toBe(key);
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(key).not.toContain('0123456789ABCDEFGHIJ');
    expect(new VerifyCache().keyOf(secret)).not.toBe(key);
    expect(cache.keyOf(`${secret.slice(0, -1)}1`)).not.toBe(key);
  });

  it('rejects invalid options', () => {
    expect(() => new VerifyCache({ maxPositive: -1 })).toThrow(AppError);
    expect(() => new VerifyCache({ positiveTtlMs: 1.5 })).toThrow(AppError);
    expect(() => new VerifyCache({ negativeTtlMs: Number.NaN })).toThrow(AppError);
  });
});
