import { AppError } from '../../core/errors.js';
import type { AttemptLimiter } from '../../ports/attempt-limiter.js';

export interface MemoryAttemptLimiterOptions {
  /** Failures inside the window that block the subject. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Subjects tracked at most; beyond it the least recently failing ones are forgotten. */
  readonly maxSubjects?: number;
}

const DEFAULT_MAX_SUBJECTS = 100_000;

function positiveInteger(value: number | undefined, name: string): number {
  if (value === undefined || !Number.isSafeInteger(value) || value <= 0) {
    throw new AppError('CONFIG_INVALID', `${name} must be a positive integer`);
  }
  return value;
}

/**
 * A sliding-window failure counter in process memory (single node; a shared store backs several).
 *
 * Memory is bounded twice: per subject only the newest `maxFailures` timestamps are kept (older
 * ones cannot change the decision), and at most `maxSubjects` subjects are tracked — the one
 * whose last failure is oldest is evicted first (a Map keeps insertion order, and a failure
 * re-inserts its subject at the end).
 */
export class MemoryAttemptLimiter implements AttemptLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxSubjects: number;
  /** Failure times (epoch ms), ascending, newest `maxFailures` only. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: MemoryAttemptLimiterOptions) {
    this.#maxFailures = positiveInteger(options.maxFailures, 'maxFailures');
    this.#windowMs = positiveInteger(options.windowSeconds, 'windowSeconds') * 1000;
    this.#maxSubjects = positiveInteger(options.maxSubjects ?? DEFAULT_MAX_SUBJECTS, 'maxSubjects');
  }

  /**
   * Blocked while `maxFailures` failures lie inside the window ending at `now`; the block ends
   * when the oldest of them ages out. Whole seconds, rounded up, so waiting that long suffices.
   */
  async retryAfter(subject: string, now: Date): Promise<number> {
    const times = this.#live(subject, now.getTime());
    const oldest = times[0];
    if (oldest === undefined || times.length < this.#maxFailures) return 0;
    return Math.max(1, Math.ceil((oldest + this.#windowMs - now.getTime()) / 1000));
  }

  async recordFailure(subject: string, now: Date): Promise<void> {
    const at = now.getTime();
    const times = this.#live(subject, at);
    // Keep ascending order even if callers report slightly out of order.
    let i = times.length;
    while (i > 0 && (times[i - 1] ?? 0) > at) i -= 1;
    times.splice(i, 0, at);
    if (times.length > this.#maxFailures) times.splice(0, times.length - this.#maxFailures);
    this.#failures.delete(subject);
    this.#failures.set(subject, times);
    for (const key of this.#failures.keys()) {
      if (this.#failures.size <= this.#maxSubjects) break;
      this.#failures.delete(key);
    }
  }

  async reset(subject: string): Promise<void> {
    this.#failures.delete(subject);
  }

  /** The subject's failures still inside the window (pruned in place; forgotten when none). */
  #live(subject: string, nowMs: number): number[] {
    const times = this.#failures.get(subject);
    if (times === undefined) return [];
    const cutoff = nowMs - this.#windowMs;
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= cutoff) expired += 1;
    if (expired > 0) times.splice(0, expired);
    if (times.length === 0) this.#failures.delete(subject);
    return times;
  }
}
