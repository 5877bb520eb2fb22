import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { MemoryAttemptLimiter } from './memory-attempt-limiter.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

describe('MemoryAttemptLimiter', () => {
  it('allows attempts until maxFailures failures fall inside the window', async () => {
    const limiter = new MemoryAttemptLimiter({ maxFailures: 3, windowSeconds: 60 });
    await limiter.recordFailure('ip:1', at(0));
    await limiter.recordFailure('ip:1', at(10));
    expect(await limiter.retryAfter('ip:1', at(11))).toBe(0);
    await limiter.recordFailure('ip:1', at(20));
    // The oldest failure (t=0) ages out at t=60.
    expect(await limiter.retryAfter('ip:1', at(21))).toBe(39);
    expect(await limiter.retryAfter('ip:1', at(59.5))).toBe(1);
    expect(await limiter.retryAfter('ip:1', at(60))).toBe(0);
  });

  it('slides: after the oldest failure ages out, the next one decides', async () => {
    const limiter = new MemoryAttemptLimiter({ maxFailures: 2, windowSeconds: 30 });
    await limiter.recordFailure('s', at(0));
    await limiter.recordFailure('s', at(20));
    expect(await limiter.retryAfter('s', at(25))).toBe(5);
    await limiter.recordFailure('s', at(31));
    // Failures at 20 and 31 are inside (1, 31]; the block lasts until 20 ages out at 50.
    expect(await limiter.retryAfter('s', at(31))).toBe(19);
  });

  it('rounds partial seconds up so waiting retryAfter is always enough', async () => {
    const limiter = new MemoryAttemptLimiter({ maxFailures: 1, windowSeconds: 10 });
    await limiter.recordFailure('s', at(0));
    expect(await limiter.retryAfter('s', at(0.001))).toBe(10);
    expect(await limiter.retryAfter('s', at(9.999))).toBe(1);
  });

  it('keeps subjects apart and forgets one on reset', async () => {
    const limiter = new MemoryAttemptLimiter({ maxFailures: 1, windowSeconds: 60 });
    await limiter.recordFailure('acct:a', at(0));
    expect(await limiter.retryAfter('acct:a', at(1))).toBe(59);
    expect(await limiter.retryAfter('acct:b', at(1))).toBe(0);
    await limiter.reset('acct:a');
    expect(await limiter.retryAfter('acct:a', at(1))).toBe(0);
  });

  it('keeps counting failures recorded while blocked', async () => {
    const limiter = new MemoryAttemptLimiter({ maxFailures: 2, windowSeconds: 60 });
    for (const s of [0, 1, 2, 3]) await limiter.recordFailure('s', at(s));
    // Newest two failures are at 2 and 3: blocked until 2 ages out at 62.
    expect(await limiter.retryAfter('s', at(10))).toBe(52);
  });

  it('bounds memory by evicting the subjects whose last failure is oldest', async () => {
    const limiter = new MemoryAttemptLimiter({
      maxFailures: 1,
      windowSeconds: 600,
      maxSubjects: 2,
    });
    await limiter.recordFailure('a', at(0));
    await limiter.recordFailure('b', at(1));
    await limiter.recordFailure('a', at(2)); // a is now the most recent
    await limiter.recordFailure('c', at(3)); // evicts b
    expect(await limiter.retryAfter('a', at(4))).toBeGreaterThan(0);
    expect(await limiter.retryAfter('b', at(4))).toBe(0);
    expect(await limiter.retryAfter('c', at(4))).toBeGreaterThan(0);
  });

  it('rejects invalid options', () => {
    expect(() => new MemoryAttemptLimiter({ maxFailures: 0, windowSeconds: 60 })).toThrow(AppError);
    expect(() => new MemoryAttemptLimiter({ maxFailures: 3, windowSeconds: -1 })).toThrow(AppError);
    expect(
      () => new MemoryAttemptLimiter({ maxFailures: 3, windowSeconds: 60, maxSubjects: 1.5 }),
    ).toThrow(AppError);
  });
});
