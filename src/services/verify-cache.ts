import * as nodeCrypto from 'node:crypto';
import { AppError } from '../core/errors.js';
import type { DigestMatch } from '../ports/store.js';

export interface VerifyCacheOptions {
  /** Positive entries (→ slot or retired secret) kept at most. Default 100,000. */
  readonly maxPositive?: number;
  /**
   * Negative entries (→ not found) kept at most. Default 20,000: they only help a secret that is
   * sent again and again (a client still holding a deleted key); a flood of random guesses never
   * hits them, so a larger cap would only hold memory (about 150 bytes an entry).
   */
  readonly maxNegative?: number;
  /**
   * How long a positive entry may be served without asking the store, in ms. Default 30 s. On a
   * node whose verifier is subscribed to the key-event bus this is only a backstop: every change
   * is invalidated explicitly. Without a bus it is the revocation delay.
   */
  readonly positiveTtlMs?: number;
  /** How long "not found" is remembered, in ms. Default 5 s. */
  readonly negativeTtlMs?: number;
}

interface PositiveEntry {
  readonly match: DigestMatch;
  readonly keyId: string;
  readonly expiresAt: number;
}

export const DEFAULT_POSITIVE_TTL_MS = 30_000;
export const DEFAULT_NEGATIVE_TTL_MS = 5_000;
const DEFAULT_MAX_POSITIVE = 100_000;
const DEFAULT_MAX_NEGATIVE = 20_000;

/**
 * SHA-256, base64. `crypto.hash` (Node ≥ 20.12) is a one-shot without a Hash object, about 2.5×
 * faster than `createHash`; earlier Node 20 releases fall back. (A namespace import: a named import
 * of a missing built-in export would fail at link time on those releases.)
 */
const sha256Base64: (data: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (data) => nodeCrypto.hash('sha256', data, 'base64')
    : (data) => nodeCrypto.createHash('sha256').update(data, 'utf8').digest('base64');

/** Entries of the young generation before it becomes the old one: the two together stay ≤ cap. */
function youngCap(cap: number): number {
  return Math.max(1, Math.floor(cap / 2));
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AppError('CONFIG_INVALID', `${name} must be a non-negative integer`);
  }
  return value;
}

/**
 * The verifier's in-memory lookup cache, keyed by a digest of the secret (`keyOf`), never by the
 * secret itself.
 *
 * The key is SHA-256(salt ‖ secret) with a random 256-bit salt per cache, not the stored HMAC
 * digest: an HMAC costs about 1.9 µs here (a Hmac object and two extra blocks for the pads)
 * against about 0.3 µs for one-shot SHA-256, and on a cached verification that was most of the
 * time. The salt, like the peppers, never leaves memory, so these keys cannot be linked to stored
 * digests or precomputed; the key is only ever a Map key, so length extension does not apply.
 * The HMAC digests are computed only on a miss, for the store.
 *
 * It caches what the **store** answered — the match — never a verdict: state, expiry, scope and
 * client IP are decided again on every request against the current time. Positive and negative
 * entries have separate caps, so a flood of unknown secrets can only evict other negative entries,
 * never the keys that carry real traffic. Both sides evict a generation at a time: each keeps a
 * young and an old generation of at most half its cap, and when the young one fills, the old one
 * is dropped whole. (Evicting one oldest entry per insert from a single Map walks V8's
 * deleted-entry holes from the front: that grew to ~70 µs per insert under a flood of unknown
 * secrets, found by `npm run bench`, and to ~40 µs once more secrets were in use than the cap.)
 * A positive hit in the old generation moves the entry to the young one, so secrets in use
 * survive a swap; a hit in the young one costs one Map lookup with no reordering.
 *
 * Invalidation: `invalidateKey` drops every positive entry of the key (a keyId → cache keys
 * index). A store read that was in flight while any invalidation happened must not be cached, or
 * it could re-insert the state from before the change: callers take `generation()` before reading
 * and pass it to `set`, which ignores the result when an invalidation happened since.
 */
export class VerifyCache {
  readonly #maxPositive: number;
  readonly #maxNegative: number;
  readonly #positiveTtlMs: number;
  readonly #negativeTtlMs: number;
  #positive = new PositiveGeneration();
  #positiveOld = new PositiveGeneration();
  /** Cache key → expiry (epoch ms), young and old generation. */
  #negative = new Map<string, number>();
  #negativeOld = new Map<string, number>();
  readonly #salt = nodeCrypto.randomBytes(32).toString('base64');
  #generation = 0;
  /** Lookups so far, by answer (monotonic; for metrics, read at scrape time). */
  #positiveHits = 0;
  #negativeHits = 0;
  #misses = 0;

  constructor(options: VerifyCacheOptions = {}) {
    this.#maxPositive = nonNegativeInteger(
      options.maxPositive ?? DEFAULT_MAX_POSITIVE,
      'maxPositive',
    );
    this.#maxNegative = nonNegativeInteger(
      options.maxNegative ?? DEFAULT_MAX_NEGATIVE,
      'maxNegative',
    );
    this.#positiveTtlMs = nonNegativeInteger(
      options.positiveTtlMs ?? DEFAULT_POSITIVE_TTL_MS,
      'positiveTtlMs',
    );
    this.#negativeTtlMs = nonNegativeInteger(
      options.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS,
      'negativeTtlMs',
    );
  }

  get positiveSize(): number {
    return this.#positive.entries.size + this.#positiveOld.entries.size;
  }

  get negativeSize(): number {
    return this.#negative.size + this.#negativeOld.size;
  }

  /** Lookups answered with a match (positive entries). */
  get positiveHits(): number {
    return this.#positiveHits;
  }

  /** Lookups answered "not found" from a negative entry. */
  get negativeHits(): number {
    return this.#negativeHits;
  }

  /** Lookups the cache could not answer (the caller reads the store). */
  get misses(): number {
    return this.#misses;
  }

  /** Keys with at least one positive entry (the invalidation index; for tests and metrics). */
  get indexedKeys(): number {
    const young = this.#positive.byKey;
    let count = young.size;
    for (const keyId of this.#positiveOld.byKey.keys()) if (!young.has(keyId)) count++;
    return count;
  }

  /** The cache key of `secret` (see the class comment). */
  keyOf(secret: string): string {
    return sha256Base64(this.#salt + secret);
  }

  /** The cached store answer: a match, `null` for a cached "not found", `undefined` on a miss. */
  get(cacheKey: string, nowMs: number): DigestMatch | null | undefined {
    const entry = this.#positive.entries.get(cacheKey);
    if (entry !== undefined) {
      if (entry.expiresAt > nowMs) {
        this.#positiveHits += 1;
        return entry.match;
      }
      this.#positive.delete(cacheKey, entry.keyId);
    } else {
      const old = this.#positiveOld.entries.get(cacheKey);
      if (old !== undefined) {
        this.#positiveOld.delete(cacheKey, old.keyId);
        if (old.expiresAt > nowMs) {
          this.#addPositive(cacheKey, old);
          this.#positiveHits += 1;
          return old.match;
        }
      }
    }
    const expiresAt = this.#negative.get(cacheKey) ?? this.#negativeOld.get(cacheKey);
    if (expiresAt !== undefined) {
      if (expiresAt > nowMs) {
        this.#negativeHits += 1;
        return null;
      }
      this.#dropNegative(cacheKey);
    }
    this.#misses += 1;
    return undefined;
  }

  /** A token to take before a store read, for `set`. */
  generation(): number {
    return this.#generation;
  }

  /**
   * Caches the store's answer for `cacheKey` (a match, or null for not found) — unless an
   * invalidation happened after `generation` was taken, in which case it is dropped.
   */
  set(cacheKey: string, match: DigestMatch | null, nowMs: number, generation: number): void {
    if (generation !== this.#generation) return;
    if (match === null) {
      if (this.#maxNegative === 0 || this.#negativeTtlMs === 0) return;
      this.#dropNegative(cacheKey);
      if (this.#negative.size >= youngCap(this.#maxNegative)) {
        this.#negativeOld = this.#maxNegative > 1 ? this.#negative : new Map();
        this.#negative = new Map();
      }
      this.#negative.set(cacheKey, nowMs + this.#negativeTtlMs);
      return;
    }
    if (this.#maxPositive === 0 || this.#positiveTtlMs === 0) return;
    const keyId = match.kind === 'slot' ? match.key.id : match.retired.keyId;
    for (const generation of [this.#positive, this.#positiveOld]) {
      const previous = generation.entries.get(cacheKey);
      if (previous !== undefined) generation.delete(cacheKey, previous.keyId);
    }
    // A secret that is now known is no longer "not found".
    this.#dropNegative(cacheKey);
    this.#addPositive(cacheKey, { match, keyId, expiresAt: nowMs + this.#positiveTtlMs });
  }

  #addPositive(cacheKey: string, entry: PositiveEntry): void {
    if (this.#positive.entries.size >= youngCap(this.#maxPositive)) {
      this.#positiveOld = this.#maxPositive > 1 ? this.#positive : new PositiveGeneration();
      this.#positive = new PositiveGeneration();
    }
    this.#positive.add(cacheKey, entry);
  }

  /** Drops every positive entry of the key; reads in flight will not be cached. */
  invalidateKey(keyId: string): void {
    this.#generation += 1;
    this.#positive.dropKey(keyId);
    this.#positiveOld.dropKey(keyId);
  }

  /** Drops everything; reads in flight will not be cached. */
  clear(): void {
    this.#generation += 1;
    this.#positive = new PositiveGeneration();
    this.#positiveOld = new PositiveGeneration();
    this.#negative.clear();
    this.#negativeOld.clear();
  }

  #dropNegative(cacheKey: string): void {
    this.#negative.delete(cacheKey);
    this.#negativeOld.delete(cacheKey);
  }
}

/** One generation of positive entries, with its key id → cache keys index (for invalidation). */
class PositiveGeneration {
  readonly entries = new Map<string, PositiveEntry>();
  readonly byKey = new Map<string, Set<string>>();

  add(cacheKey: string, entry: PositiveEntry): void {
    this.entries.set(cacheKey, entry);
    let cacheKeys = this.byKey.get(entry.keyId);
    if (cacheKeys === undefined) {
      cacheKeys = new Set();
      this.byKey.set(entry.keyId, cacheKeys);
    }
    cacheKeys.add(cacheKey);
  }

  delete(cacheKey: string, keyId: string): void {
    this.entries.delete(cacheKey);
    const cacheKeys = this.byKey.get(keyId);
    if (cacheKeys === undefined) return;
    cacheKeys.delete(cacheKey);
    if (cacheKeys.size === 0) this.byKey.delete(keyId);
  }

  dropKey(keyId: string): void {
    const cacheKeys = this.byKey.get(keyId);
    if (cacheKeys === undefined) return;
    this.byKey.delete(keyId);
    for (const cacheKey of cacheKeys) this.entries.delete(cacheKey);
  }
}
