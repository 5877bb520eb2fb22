import { describe, expect, it } from 'vitest';
import { DEFAULT_INSTITUTION_SETTINGS, type Institution, type RateLimit } from '../core/model.js';
import { InstitutionLimitsCache } from './institution-limits.js';

const LIMIT: RateLimit = { limit: 10, windowSeconds: 60 };

function repo(rateLimit: RateLimit | null) {
  const state = { rateLimit, reads: 0, hold: null as Promise<void> | null, fail: false };
  const institutions = {
    async get(id: string): Promise<Institution | null> {
      state.reads += 1;
      if (state.fail) throw new Error('connection refused');
      const answer = state.rateLimit;
      if (state.hold) await state.hold;
      return {
        id,
        name: 'Acme',
        externalCode: null,
        settings: { ...DEFAULT_INSTITUTION_SETTINGS, rateLimit: answer },
        createdAt: new Date(0),
      };
    },
  };
  return { state, institutions };
}

describe('InstitutionLimitsCache', () => {
  it('reads once per TTL and serves the cached limits in between', async () => {
    const { state, institutions } = repo(LIMIT);
    const cache = new InstitutionLimitsCache(institutions, { ttlMs: 1_000 });
    expect(cache.peek('ins_1', 0)).toBeUndefined();
    expect(await cache.load('ins_1', 0)).toEqual({ rateLimit: LIMIT, defaultRateLimit: null });
    expect(cache.peek('ins_1', 999)).toEqual({ rateLimit: LIMIT, defaultRateLimit: null });
    expect(cache.peek('ins_1', 1_000)).toBeUndefined();
    expect(state.reads).toBe(1);
  });

  it('invalidate drops the entry, and a read in flight across it is not cached', async () => {
    const { state, institutions } = repo(LIMIT);
    const cache = new InstitutionLimitsCache(institutions, { ttlMs: 60_000 });
    await cache.load('ins_1', 0);
    cache.invalidate('ins_1');
    expect(cache.peek('ins_1', 1)).toBeUndefined();

    let release = () => {};
    state.hold = new Promise((resolve) => {
      release = resolve;
    });
    const slow = cache.load('ins_1', 2); // reads the old limit, then waits
    state.rateLimit = null;
    cache.invalidate('ins_1');
    release();
    expect((await slow).rateLimit).toEqual(LIMIT); // answered, but not kept
    expect(cache.peek('ins_1', 3)).toBeUndefined();
  });

  it('a failing store: the last known limits for another second, then asks again', async () => {
    const { state, institutions } = repo(LIMIT);
    const cache = new InstitutionLimitsCache(institutions, { ttlMs: 1_000 });
    await cache.load('ins_1', 0);
    state.fail = true;
    expect(cache.peek('ins_1', 1_000)).toBeUndefined();
    expect((await cache.load('ins_1', 1_000)).rateLimit).toEqual(LIMIT);
    expect(cache.peek('ins_1', 1_999)?.rateLimit).toEqual(LIMIT);
    expect(state.reads).toBe(2);
    // Invalidated: the last known limits may be wrong now, so nothing is served.
    cache.invalidate('ins_1');
    await expect(cache.load('ins_1', 2_000)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('a failing store is STORE_UNAVAILABLE when nothing is known, and nothing is cached', async () => {
    const { state, institutions } = repo(LIMIT);
    state.fail = true;
    const cache = new InstitutionLimitsCache(institutions, { ttlMs: 60_000 });
    await expect(cache.load('ins_1', 0)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(cache.peek('ins_1', 0)).toBeUndefined();
  });

  it('stays bounded', async () => {
    const { institutions } = repo(null);
    const cache = new InstitutionLimitsCache(institutions, { ttlMs: 60_000, maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) await cache.load(id, 0);
    expect(cache.peek('c', 0)).toBeDefined();
    expect(cache.peek('a', 0)).toBeUndefined();
  });
});
