import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';

const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number): Date => new Date(T0 + ms);
const THREE_PER_MINUTE = { limit: 3, windowSeconds: 60 };

describe('MemoryRateLimitStore', () => {
  it('counts allowed requests per bucket and refuses beyond the limit', async () => {
    const store = new MemoryRateLimitStore();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.take('key_a', THREE_PER_MINUTE, at(i)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.info.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]?.retryAfterSeconds).toBeGreaterThan(0);
    expect(results[0]?.retryAfterSeconds).toBe(0);
  });

  it('keeps buckets apart', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 3; i++) await store.take('key_a', THREE_PER_MINUTE, at(i));
    expect((await store.take('key_a', THREE_PER_MINUTE, at(5))).allowed).toBe(false);
    expect((await store.take('key_b', THREE_PER_MINUTE, at(5))).allowed).toBe(true);
    expect((await store.take('ins_a', THREE_PER_MINUTE, at(5))).allowed).toBe(true);
  });

  it('never overdraws under concurrent takes', async () => {
    const store = new MemoryRateLimitStore();
    const limit = { limit: 50, windowSeconds: 60 };
    const results = await Promise.all(
      Array.from({ length: 200 }, () => store.take('key_a', limit, at(1))),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
  });

  it('allows again once the windows have passed', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 3; i++) await store.take('key_a', THREE_PER_MINUTE, at(i));
    const refused = await store.take('key_a', THREE_PER_MINUTE, at(10));
    expect(refused.allowed).toBe(false);
    const later = await store.take(
      'key_a',
      THREE_PER_MINUTE,
      at(10 + refused.retryAfterSeconds * 1000),
    );
    expect(later.allowed).toBe(true);
  });

  it('drops expired buckets as it goes, so idle keys do not stay in memory', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 10; i++) await store.take(`key_${i}`, THREE_PER_MINUTE, at(0));
    expect(store.size).toBe(10);
    // Two windows later every old bucket weighs nothing: takes sweep them from the cold end.
    for (let i = 0; i < 64; i++) await store.take('key_hot', THREE_PER_MINUTE, at(120_000 + i));
    expect(store.size).toBe(1);
  });

  it('keeps a live bucket that is merely old in insertion order', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 3; i++) await store.take('key_a', THREE_PER_MINUTE, at(i));
    await store.take('key_b', THREE_PER_MINUTE, at(30_000));
    // key_a is the coldest entry but still inside its windows: it must stay refused.
    expect((await store.take('key_a', THREE_PER_MINUTE, at(30_001))).allowed).toBe(false);
  });

  it('bounds memory: beyond maxBuckets the least recently used bucket is forgotten', async () => {
    const store = new MemoryRateLimitStore({ maxBuckets: 2 });
    const one = { limit: 1, windowSeconds: 3600 };
    await store.take('a', one, at(0));
    await store.take('b', one, at(1));
    await store.take('a', one, at(2)); // refused, but a is now the most recently used
    await store.take('c', one, at(3)); // evicts b
    expect(store.size).toBe(2);
    expect((await store.take('a', one, at(4))).allowed).toBe(false);
    expect((await store.take('b', one, at(5))).allowed).toBe(true);
  });

  it('rejects an invalid cap', () => {
    expect(() => new MemoryRateLimitStore({ maxBuckets: 0 })).toThrow(AppError);
    expect(() => new MemoryRateLimitStore({ maxBuckets: 2.5 })).toThrow(AppError);
  });
});
