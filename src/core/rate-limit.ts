import type { RateLimit } from './model.js';

/**
 * The rate-limit decision, as a pure function: a **sliding-window estimate** over epoch-aligned
 * fixed windows (the scheme Cloudflare and Unkey describe).
 *
 * Why not a plain fixed window: a client may spend a full quota at the end of one window and
 * another at the start of the next — twice the limit within a few milliseconds. The estimate
 * weighs the previous window's count by how much of it still overlaps the sliding window ending
 * now:
 *
 *     estimate = previous × (time left in the current window / window) + current
 *
 * so at most about `limit` requests pass in any window-long interval. It costs the same as a fixed
 * window (two counters per bucket, O(1)), and windows are aligned to the epoch so that every
 * gateway node — and a shared counter store such as Redis — agrees on them.
 *
 * A request is allowed when `estimate + 1 ≤ limit`; only allowed requests are counted, so a client
 * that keeps hammering while refused is not locked out longer. The comparisons are done in integer
 * milliseconds (multiplied out, never divided), so they are exact for every limit a key can have
 * until the products pass 2^53 (limit × window ms ≈ 9·10^15); beyond that a rounding error of one
 * request in a billion is irrelevant.
 */

/** Counters of one bucket. Plain data: any store can keep it (memory, Redis hash). */
export interface RateWindowState {
  /** Window length (ms) the counts belong to; another length starts afresh. */
  readonly windowMs: number;
  /** Start of the current window: epoch ms, a multiple of `windowMs`. */
  readonly windowStartMs: number;
  /** Requests allowed in the current window. */
  readonly current: number;
  /** Requests allowed in the window before it. */
  readonly previous: number;
}

/** Rate-limit state after a request, for `RateLimit-*` headers. */
export interface RateLimitInfo {
  readonly limit: number;
  /** Requests that would be allowed right now, after this one. */
  readonly remaining: number;
  /**
   * Seconds until the current window ends — or, when nothing remains, until the next request will
   * be allowed (which may be later: the previous window still weighs). Either way a client that
   * waits this long after `remaining: 0` gets through. At least 1.
   */
  readonly resetSeconds: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly info: RateLimitInfo;
  /** 0 when allowed; otherwise whole seconds (≥ 1) until a request will be allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimitOutcome extends RateDecision {
  /** The bucket's state to store (also when refused: the windows may have rolled). */
  readonly state: RateWindowState;
}

/**
 * Epoch ms at which the next request is allowed, given counts of the window starting at `start`
 * and `now` inside it. Invariant: the estimate only falls within a window, and is continuous
 * across the boundary (end of window: `current`; start of the next: `current × 1 + 0`).
 */
function nextAllowedMs(
  start: number,
  windowMs: number,
  max: number,
  current: number,
  previous: number,
  now: number,
): number {
  const budget = (max - current - 1) * windowMs;
  if (previous * (windowMs - (now - start)) <= budget) return now;
  if (budget >= 0) {
    // Inside this window, once previous × (windowMs − elapsed) ≤ budget.
    return start + windowMs - floorDiv(budget, previous);
  }
  // The current window is full: in the next one `current` weighs as `previous`, and no new
  // request is counted meanwhile: current × (windowMs − elapsed) ≤ (max − 1) × windowMs.
  return start + 2 * windowMs - floorDiv((max - 1) * windowMs, current);
}

/** ⌊a / b⌋ for a ≥ 0, b > 0, exact for integers (no floating-point quotient near an integer). */
function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

function ceilSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Decides one request against `limit` for a bucket in `state` (undefined: never seen) at `nowMs`.
 * Never throws: a limit that is not positive refuses everything (fails closed), since a stored
 * key should never carry one.
 *
 * Clock steps: counts of an older window length or more than one window old start afresh; a state
 * up to one window *ahead* of `nowMs` (a clock that stepped back, or nodes slightly apart) is kept
 * and decided as if at its window's start, so nothing is forgiven.
 */
export function decideRateLimit(
  state: RateWindowState | undefined,
  limit: RateLimit,
  nowMs: number,
): RateLimitOutcome {
  const realNow = Math.floor(nowMs);
  const max = Math.floor(limit.limit);
  const windowMs = Math.floor(limit.windowSeconds * 1000);
  if (!(max >= 1) || !(windowMs >= 1000)) {
    const wait = Number.isFinite(windowMs) && windowMs >= 1000 ? ceilSeconds(windowMs) : 1;
    return {
      allowed: false,
      state: state ?? { windowMs, windowStartMs: realNow, current: 0, previous: 0 },
      info: {
        limit: Math.max(0, Number.isFinite(max) ? max : 0),
        remaining: 0,
        resetSeconds: wait,
      },
      retryAfterSeconds: wait,
    };
  }

  let now = realNow;
  let start = Math.floor(now / windowMs) * windowMs;
  let current = 0;
  let previous = 0;
  if (state !== undefined && state.windowMs === windowMs) {
    const ahead = state.windowStartMs - start;
    if (ahead === 0) {
      current = state.current;
      previous = state.previous;
    } else if (ahead === -windowMs) {
      previous = state.current;
    } else if (ahead > 0 && ahead <= windowMs) {
      start = state.windowStartMs;
      now = start;
      current = state.current;
      previous = state.previous;
    }
    // Otherwise the counts are too old to weigh, or from a clock far ahead: start afresh.
  }

  const rest = windowMs - (now - start);
  const allowed = previous * rest <= (max - current - 1) * windowMs;
  if (allowed) current += 1;

  const spare = (max - current) * windowMs - previous * rest;
  const remaining = spare <= 0 ? 0 : Math.min(max, floorDiv(spare, windowMs));
  const resetAt =
    remaining > 0 ? start + windowMs : nextAllowedMs(start, windowMs, max, current, previous, now);
  return {
    allowed,
    state: { windowMs, windowStartMs: start, current, previous },
    info: { limit: max, remaining, resetSeconds: ceilSeconds(resetAt - realNow) },
    // Refused: the state did not change, so the next allowed moment is the same `resetAt`.
    retryAfterSeconds: allowed ? 0 : ceilSeconds(resetAt - realNow),
  };
}
