import { describe, expect, it } from 'vitest';
import type { RateLimit } from './model.js';
import { decideRateLimit, type RateWindowState } from './rate-limit.js';

const MINUTE = 60_000;
/** An epoch-aligned minute: windows of 60 s start here. */
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);
const TEN_PER_MINUTE: RateLimit = { limit: 10, windowSeconds: 60 };

/** Sends `count` requests at `nowMs`, threading the state; returns the last outcome. */
function burst(state: RateWindowState | undefined, limit: RateLimit, nowMs: number, count: number) {
  let outcome = decideRateLimit(state, limit, nowMs);
  for (let i = 1; i < count; i++) outcome = decideRateLimit(outcome.state, limit, nowMs);
  return outcome;
}

/** A small deterministic PRNG (mulberry32), so the property test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decideRateLimit: one window', () => {
  it('allows `limit` requests in a fresh window, counting down remaining', () => {
    let state: RateWindowState | undefined;
    for (let i = 1; i <= 10; i++) {
      const outcome = decideRateLimit(state, TEN_PER_MINUTE, T0 + 1_000);
      expect(outcome.allowed).toBe(true);
      expect(outcome.retryAfterSeconds).toBe(0);
      expect(outcome.info.limit).toBe(10);
      expect(outcome.info.remaining).toBe(10 - i);
      state = outcome.state;
    }
    expect(state).toEqual({ windowMs: MINUTE, windowStartMs: T0, current: 10, previous: 0 });
  });

  it('refuses the request after the last, without counting it', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0 + 1_000, 10);
    const refused = decideRateLimit(full.state, TEN_PER_MINUTE, T0 + 2_000);
    expect(refused.allowed).toBe(false);
    expect(refused.info.remaining).toBe(0);
    expect(refused.state.current).toBe(10);
    const again = decideRateLimit(refused.state, TEN_PER_MINUTE, T0 + 3_000);
    expect(again.state).toEqual(refused.state);
  });

  it('reports resetSeconds as the time to the window end while requests remain', () => {
    const outcome = decideRateLimit(undefined, TEN_PER_MINUTE, T0 + 15_500);
    expect(outcome.info.resetSeconds).toBe(45);
    expect(decideRateLimit(undefined, TEN_PER_MINUTE, T0).info.resetSeconds).toBe(60);
    expect(decideRateLimit(undefined, TEN_PER_MINUTE, T0 + MINUTE - 1).info.resetSeconds).toBe(1);
  });

  it('aligns windows to the epoch, whatever the first request time', () => {
    const outcome = decideRateLimit(undefined, TEN_PER_MINUTE, T0 + 42_123);
    expect(outcome.state.windowStartMs).toBe(T0);
  });

  it('a limit of 1 allows exactly one request per window', () => {
    const limit = { limit: 1, windowSeconds: 1 };
    const first = decideRateLimit(undefined, limit, T0);
    expect(first.allowed).toBe(true);
    expect(first.info.remaining).toBe(0);
    expect(decideRateLimit(first.state, limit, T0 + 999).allowed).toBe(false);
  });
});

describe('decideRateLimit: the sliding estimate across windows', () => {
  it('does not allow a second full quota right after the window boundary', () => {
    // A plain fixed window would allow 10 more at T0 + 60 s: 20 within a second.
    const full = burst(undefined, TEN_PER_MINUTE, T0 + MINUTE - 500, 10);
    const next = decideRateLimit(full.state, TEN_PER_MINUTE, T0 + MINUTE + 100);
    expect(next.allowed).toBe(false);
    expect(next.state).toEqual({
      windowMs: MINUTE,
      windowStartMs: T0 + MINUTE,
      current: 0,
      previous: 10,
    });
  });

  it('weighs the previous window by the part that still overlaps', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0, 10);
    // Half-way through the next window the previous 10 weigh 5: five more are allowed.
    let state = full.state;
    for (let i = 1; i <= 5; i++) {
      const outcome = decideRateLimit(state, TEN_PER_MINUTE, T0 + MINUTE + 30_000);
      expect(outcome.allowed).toBe(true);
      expect(outcome.info.remaining).toBe(5 - i);
      state = outcome.state;
    }
    expect(decideRateLimit(state, TEN_PER_MINUTE, T0 + MINUTE + 30_000).allowed).toBe(false);
  });

  it('forgets counts more than one window old', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0, 10);
    const later = decideRateLimit(full.state, TEN_PER_MINUTE, T0 + 2 * MINUTE);
    expect(later.allowed).toBe(true);
    expect(later.state).toEqual({
      windowMs: MINUTE,
      windowStartMs: T0 + 2 * MINUTE,
      current: 1,
      previous: 0,
    });
    expect(later.info.remaining).toBe(9);
  });

  it('counts fractional estimates down to whole remaining requests', () => {
    const prev = burst(undefined, TEN_PER_MINUTE, T0, 5);
    // 45 s in: the previous 5 weigh 1.25; after this request the estimate is 2.25.
    const outcome = decideRateLimit(prev.state, TEN_PER_MINUTE, T0 + MINUTE + 45_000);
    expect(outcome.allowed).toBe(true);
    expect(outcome.info.remaining).toBe(7);
  });
});

describe('decideRateLimit: Retry-After and reset when refused', () => {
  it('after a full window, waits into the next window until the estimate leaves room', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0, 10);
    const refused = decideRateLimit(full.state, TEN_PER_MINUTE, T0 + 10_000);
    // Next window starts at 60 s with estimate 10; it drops to 9 at 60 + 60/10 = 66 s.
    expect(refused.retryAfterSeconds).toBe(56);
    expect(refused.info.resetSeconds).toBe(56);
    expect(decideRateLimit(refused.state, TEN_PER_MINUTE, T0 + 65_999).allowed).toBe(false);
    expect(decideRateLimit(refused.state, TEN_PER_MINUTE, T0 + 66_000).allowed).toBe(true);
  });

  it('inside a window, waits until the previous window has faded enough', () => {
    const prev = burst(undefined, TEN_PER_MINUTE, T0, 10);
    const some = burst(prev.state, TEN_PER_MINUTE, T0 + MINUTE + 30_000, 5);
    const refused = decideRateLimit(some.state, TEN_PER_MINUTE, T0 + MINUTE + 31_000);
    expect(refused.allowed).toBe(false);
    // 10 × (60 − e)/60 + 5 + 1 ≤ 10  ⇔  e ≥ 36 s.
    expect(refused.retryAfterSeconds).toBe(5);
    expect(decideRateLimit(refused.state, TEN_PER_MINUTE, T0 + MINUTE + 35_999).allowed).toBe(
      false,
    );
    expect(decideRateLimit(refused.state, TEN_PER_MINUTE, T0 + MINUTE + 36_000).allowed).toBe(true);
  });

  it('the request that uses the last slot already reports when the next one is allowed', () => {
    const last = burst(undefined, TEN_PER_MINUTE, T0 + 30_000, 10);
    expect(last.allowed).toBe(true);
    expect(last.info.remaining).toBe(0);
    expect(last.info.resetSeconds).toBe(36);
  });

  it('rounds waits up to whole seconds, never below 1', () => {
    const limit = { limit: 1, windowSeconds: 1 };
    const used = decideRateLimit(undefined, limit, T0);
    const refused = decideRateLimit(used.state, limit, T0 + 1_999);
    // Next window from T0+1000 weighs 1 until T0+2000 (1 × (1000 − e) ≤ 0 ⇔ e = 1000).
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
  });

  it('waiting exactly Retry-After always suffices, and a millisecond less never does', () => {
    const random = prng(7);
    for (let run = 0; run < 3_000; run++) {
      const limit = {
        limit: 1 + Math.floor(random() * 20),
        windowSeconds: 1 + Math.floor(random() * 90),
      };
      const windowMs = limit.windowSeconds * 1000;
      let state: RateWindowState | undefined;
      let now = T0 + Math.floor(random() * windowMs);
      // Random traffic until refused.
      let outcome = decideRateLimit(state, limit, now);
      while (outcome.allowed) {
        state = outcome.state;
        now += Math.floor(random() * (windowMs / limit.limit));
        outcome = decideRateLimit(state, limit, now);
      }
      const exactAt = findFirstAllowed(outcome.state, limit, now);
      const advertised = now + outcome.retryAfterSeconds * 1000;
      expect(advertised).toBeGreaterThanOrEqual(exactAt);
      expect(advertised - exactAt).toBeLessThan(1000);
      expect(decideRateLimit(outcome.state, limit, exactAt).allowed).toBe(true);
      expect(decideRateLimit(outcome.state, limit, exactAt - 1).allowed).toBe(false);
    }
  });
});

/** Brute force: the first millisecond after `from` at which a request is allowed. */
function findFirstAllowed(state: RateWindowState, limit: RateLimit, from: number): number {
  // Coarse steps then exact: the estimate only ever falls while nothing is counted.
  let t = from;
  while (!decideRateLimit(state, limit, t + 1000).allowed) t += 1000;
  while (!decideRateLimit(state, limit, t).allowed) t += 1;
  return t;
}

describe('decideRateLimit: changes of limit and clock', () => {
  it('starts afresh when the window length changes', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0, 10);
    const outcome = decideRateLimit(full.state, { limit: 10, windowSeconds: 30 }, T0 + 1_000);
    expect(outcome.allowed).toBe(true);
    expect(outcome.state).toEqual({ windowMs: 30_000, windowStartMs: T0, current: 1, previous: 0 });
  });

  it('applies a lowered limit to the counts already made', () => {
    const some = burst(undefined, TEN_PER_MINUTE, T0, 5);
    expect(decideRateLimit(some.state, { limit: 5, windowSeconds: 60 }, T0 + 1).allowed).toBe(
      false,
    );
    expect(decideRateLimit(some.state, { limit: 6, windowSeconds: 60 }, T0 + 1).allowed).toBe(true);
  });

  it('forgives nothing when the clock steps back less than a window', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0 + MINUTE + 1_000, 10);
    const back = decideRateLimit(full.state, TEN_PER_MINUTE, T0 + MINUTE - 2_000);
    expect(back.allowed).toBe(false);
    expect(back.state).toEqual(full.state);
    expect(back.retryAfterSeconds).toBeGreaterThan(0);
    expect(back.retryAfterSeconds).toBeLessThanOrEqual(2 * 60 + 2);
  });

  it('starts afresh when the state is more than a window ahead (clock far off)', () => {
    const full = burst(undefined, TEN_PER_MINUTE, T0 + 10 * MINUTE, 10);
    const outcome = decideRateLimit(full.state, TEN_PER_MINUTE, T0);
    expect(outcome.allowed).toBe(true);
    expect(outcome.state.windowStartMs).toBe(T0);
  });

  it('ignores sub-millisecond parts of now', () => {
    const a = decideRateLimit(undefined, TEN_PER_MINUTE, T0 + 0.75);
    expect(a.state.windowStartMs).toBe(T0);
  });
});

describe('decideRateLimit: inputs it must survive', () => {
  it('does not mutate the state it is given', () => {
    const state: RateWindowState = Object.freeze({
      windowMs: MINUTE,
      windowStartMs: T0,
      current: 3,
      previous: 2,
    });
    const outcome = decideRateLimit(state, TEN_PER_MINUTE, T0 + 1);
    expect(state.current).toBe(3);
    expect(outcome.state.current).toBe(4);
  });

  it.each([
    ['a zero limit', { limit: 0, windowSeconds: 60 }],
    ['a negative limit', { limit: -5, windowSeconds: 60 }],
    ['a NaN limit', { limit: Number.NaN, windowSeconds: 60 }],
    ['a zero window', { limit: 10, windowSeconds: 0 }],
    ['a NaN window', { limit: 10, windowSeconds: Number.NaN }],
  ])('refuses everything with %s (fails closed) without throwing', (_name, limit) => {
    const outcome = decideRateLimit(undefined, limit, T0);
    expect(outcome.allowed).toBe(false);
    expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(outcome.info.remaining).toBe(0);
    expect(Number.isFinite(outcome.info.limit)).toBe(true);
  });

  it('handles the largest limits the API accepts', () => {
    const huge = { limit: 1_000_000_000, windowSeconds: 86_400 };
    const first = decideRateLimit(undefined, huge, T0 + 5);
    expect(first.allowed).toBe(true);
    expect(first.info.remaining).toBe(999_999_999);
    const nextDay = decideRateLimit(first.state, huge, first.state.windowStartMs + 86_400_000);
    expect(nextDay.allowed).toBe(true);
    expect(nextDay.info.remaining).toBe(999_999_998);
  });
});
