/**
 * Counts failures per subject (e.g. `login:acct:<email>`, `login:ip:<ip>`) in a sliding window.
 * Blocking is always temporary: it ends when the window's failures age out.
 */
export interface AttemptLimiter {
  /** Seconds until a new attempt is allowed for this subject, or 0 when it is allowed now. */
  retryAfter(subject: string, now: Date): Promise<number>;
  recordFailure(subject: string, now: Date): Promise<void>;
  reset(subject: string): Promise<void>;
}
