import { canonicalIp, parseCidr } from '../core/cidr.js';
import { lookupDigests } from '../core/digest.js';
import { AppError, storeFault } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import { legacyFormatOf, legacyMatch } from '../core/legacy-secret.js';
import type { ApiKey, VerifiedSlot } from '../core/model.js';
import type { RateLimitInfo } from '../core/rate-limit.js';
import { isValidPrefix, parseSecret } from '../core/secret-format.js';
import { decideVerdict } from '../core/verify-decision.js';
import type { AttemptLimiter } from '../ports/attempt-limiter.js';
import type { Clock } from '../ports/clock.js';
import type { KeyEventBus } from '../ports/key-events.js';
import type { RateLimitStore } from '../ports/rate-limit-store.js';
import type { ApiKeyRepo, DigestMatch } from '../ports/store.js';
import type { InstitutionLimitsCache } from './institution-limits.js';
import type { SecretVerifier, VerifyInput, VerifyResult } from './verifier-types.js';
import type { VerifyCache } from './verify-cache.js';

export interface VerifierDeps {
  readonly keys: Pick<ApiKeyRepo, 'findByDigests'>;
  readonly keyring: Keyring;
  /** The secret prefix of this deployment (`kw_live`): anything else is refused unhashed. */
  readonly secretPrefix: string;
  readonly clock: Clock;
  readonly cache: VerifyCache;
  /** Per-key (`key.rateLimit`) and per-institution counters. */
  readonly rateLimits: RateLimitStore;
  /** Failed authentications per source address; a blocked address gets RATE_LIMITED. */
  readonly failures: AttemptLimiter;
  /** Key changes: each one drops the key's cache entries before `keyChanged` resolves. */
  readonly events: KeyEventBus;
  /** Institution rate-limit settings (cached; dropped on an institution change from `events`). */
  readonly institutions: InstitutionLimitsCache;
}

type Refusal = Extract<VerifyResult, { valid: false }>;

const MALFORMED: Refusal = Object.freeze({ valid: false, code: 'MALFORMED' });
/** IPv6 addresses whose failure subject is remembered (normalising one costs about 1.5 µs). */
const IPV6_SUBJECT_MEMO = 4_096;

/**
 * The failure-limiting subject of a client address. IPv6 is limited per /64 — one host usually
 * holds a whole /64 and could otherwise rotate addresses to escape the limit; IPv4-mapped IPv6
 * counts as its IPv4 address.
 */
export function failureSubject(clientIp: string): string {
  if (!clientIp.includes(':')) return clientIp;
  const canonical = canonicalIp(clientIp);
  if (canonical === null) return clientIp;
  if (!canonical.includes(':')) return canonical;
  const network = parseCidr(`${canonical}/64`);
  return network.ok ? network.cidr : canonical;
}

/**
 * The verification hot path shared by the gateway, `POST /api/v1/verify` and the embedded
 * verifier. Per request:
 *
 * 1. Source address over its failure budget → RATE_LIMITED, before any hashing.
 * 2. Format and checksum (`parseSecret`) → MALFORMED; junk never reaches the cache or the store.
 *    A value of a legacy format (exact length and alphabet, no checksum) goes on, and counts
 *    only if it matches an imported slot (`legacyMatch`); else NOT_FOUND.
 * 3. Cache (keyed by a salted SHA-256 of the secret) → on a miss, the store (`findByDigests`
 *    with the HMAC digest under every pepper version).
 * 4. `decideVerdict` against this request's time, scope and client IP — the cache holds the
 *    store's match, never a verdict, so expiry and restrictions are always current.
 * 5. Per-key, then per-institution rate limit (institution settings cached, see
 *    InstitutionLimitsCache).
 *
 * MALFORMED, NOT_FOUND and RETIRED count as failures of the source address. A store that fails
 * with nothing cached is a fault (AppError STORE_UNAVAILABLE), never a verdict: callers answer
 * 503 and do not forward. Errors are never cached.
 */
export class Verifier implements SecretVerifier {
  readonly #keys: Pick<ApiKeyRepo, 'findByDigests'>;
  readonly #keyring: Keyring;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #cache: VerifyCache;
  readonly #rateLimits: RateLimitStore;
  readonly #failures: AttemptLimiter;
  readonly #institutions: InstitutionLimitsCache;
  readonly #unsubscribe: () => void;
  /** IPv6 address → failure subject, oldest first (bounded). */
  readonly #ipv6Subjects = new Map<string, string>();

  constructor(deps: VerifierDeps) {
    if (!isValidPrefix(deps.secretPrefix)) {
      throw new AppError('CONFIG_INVALID', 'Invalid secret prefix');
    }
    this.#keys = deps.keys;
    this.#keyring = deps.keyring;
    this.#prefix = deps.secretPrefix;
    this.#clock = deps.clock;
    this.#cache = deps.cache;
    this.#rateLimits = deps.rateLimits;
    this.#failures = deps.failures;
    this.#institutions = deps.institutions;
    const { cache, institutions } = deps;
    this.#unsubscribe = deps.events.subscribe((change) => {
      if (change.kind === 'key') cache.invalidateKey(change.id);
      else institutions.invalidate(change.id);
    });
  }

  /** Stops listening to key changes (the cache is no longer kept current). */
  close(): void {
    this.#unsubscribe();
  }

  async verify(input: VerifyInput): Promise<VerifyResult> {
    const now = this.#clock.now();
    const clientIp = input.clientIp;
    const subject =
      typeof clientIp === 'string' && clientIp !== '' ? this.#subjectOf(clientIp) : null;
    if (subject !== null) {
      const wait = await this.#failures.retryAfter(subject, now);
      if (wait > 0) return { valid: false, code: 'RATE_LIMITED', retryAfterSeconds: wait };
    }

    const secret = input.secret;
    // An imported secret (core/legacy-secret.ts) has no checksum: its exact length and alphabet
    // are the whole pre-filter, and it may only match a slot flagged imported.
    let legacy = false;
    if (!parseSecret(secret, this.#prefix).ok) {
      legacy = legacyFormatOf(secret) !== null;
      if (!legacy) {
        if (subject !== null) await this.#failures.recordFailure(subject, now);
        return MALFORMED;
      }
    }

    const nowMs = now.getTime();
    const cacheKey = this.#cache.keyOf(secret);
    let match = this.#cache.get(cacheKey, nowMs);
    if (match === undefined) match = await this.#lookup(secret, cacheKey, nowMs);
    if (legacy) match = legacyMatch(match);

    const verdict = decideVerdict(match, { now, kind: 'use', scope: input.scope, clientIp });
    if (!verdict.valid) {
      if (subject !== null && (verdict.code === 'NOT_FOUND' || verdict.code === 'RETIRED')) {
        await this.#failures.recordFailure(subject, now);
      }
      return verdict;
    }
    return this.#applyRateLimits(verdict.key, verdict.slot, now);
  }

  #subjectOf(clientIp: string): string {
    if (!clientIp.includes(':')) return clientIp;
    const memo = this.#ipv6Subjects;
    let subject = memo.get(clientIp);
    if (subject === undefined) {
      subject = failureSubject(clientIp);
      if (memo.size >= IPV6_SUBJECT_MEMO) {
        for (const oldest of memo.keys()) {
          memo.delete(oldest);
          break;
        }
      }
      memo.set(clientIp, subject);
    }
    return subject;
  }

  /** Store lookup under every pepper version (current first); caches the answer, not errors. */
  async #lookup(secret: string, cacheKey: string, nowMs: number): Promise<DigestMatch | null> {
    const digests = lookupDigests(secret, this.#keyring);
    const generation = this.#cache.generation();
    let match: DigestMatch | null;
    try {
      match = await this.#keys.findByDigests(digests);
    } catch (err) {
      throw storeFault(err);
    }
    this.#cache.set(cacheKey, match, nowMs, generation);
    return match;
  }

  /**
   * Per-key (the key's own limit, else the institution's default for keys), then the institution's
   * aggregate. A request refused by the institution's limit has already been counted against the
   * key's (the usual trade-off: no two-phase take across buckets). The info returned is the
   * tighter of the two.
   */
  async #applyRateLimits(key: ApiKey, slot: VerifiedSlot, now: Date): Promise<VerifyResult> {
    const nowMs = now.getTime();
    const limits =
      this.#institutions.peek(key.institutionId, nowMs) ??
      (await this.#institutions.load(key.institutionId, nowMs));
    let info: RateLimitInfo | null = null;
    const keyLimit = key.rateLimit ?? limits.defaultRateLimit;
    if (keyLimit !== null) {
      const decision = await this.#rateLimits.take(key.id, keyLimit, now);
      if (!decision.allowed)
        return rateLimited(key, slot, decision.info, decision.retryAfterSeconds);
      info = decision.info;
    }
    const institutionLimit = limits.rateLimit;
    if (institutionLimit !== null) {
      const decision = await this.#rateLimits.take(key.institutionId, institutionLimit, now);
      if (!decision.allowed)
        return rateLimited(key, slot, decision.info, decision.retryAfterSeconds);
      if (info === null || decision.info.remaining < info.remaining) info = decision.info;
    }
    return { valid: true, key, slot, rateLimit: info };
  }
}

function rateLimited(
  key: ApiKey,
  slot: VerifiedSlot,
  info: RateLimitInfo,
  retryAfterSeconds: number,
): Refusal {
  return { valid: false, code: 'RATE_LIMITED', key, slot, retryAfterSeconds, rateLimit: info };
}
