import { MemoryAttemptLimiter } from '../adapters/memory/memory-attempt-limiter.js';
import { MemoryRateLimitStore } from '../adapters/memory/memory-rate-limit-store.js';
import type { KeywardMetrics } from '../adapters/prom/prom-metrics.js';
import type { Config } from '../config/config.js';
import type { Keyring } from '../core/keyring.js';
import type { Clock } from '../ports/clock.js';
import type { KeyEventBus } from '../ports/key-events.js';
import type { ApiKeyRepo, InstitutionRepo, Store } from '../ports/store.js';
import { InstitutionLimitsCache } from '../services/institution-limits.js';
import { Verifier } from '../services/verifier.js';
import type { SecretVerifier } from '../services/verifier-types.js';
import { DEFAULT_POSITIVE_TTL_MS, VerifyCache } from '../services/verify-cache.js';

/**
 * Without a shared event bus (a gateway-only process; Redis comes with scale-out) the positive
 * cache TTL is the revocation delay, so it is kept short there.
 */
const UNSUBSCRIBED_POSITIVE_TTL_MS = 1_000;

/** The verification hot path of this process: cache, limits and the key-event subscription. */
export function createServerVerifier(deps: {
  config: Config;
  store: Store;
  keyring: Keyring;
  clock: Clock;
  events: KeyEventBus;
  /** True when every key change of the deployment reaches `events` (admin in this process). */
  hearsAllChanges: boolean;
  /** Where the cache's answers and failed store reads are counted (latency: `timedVerifier`). */
  metrics?: KeywardMetrics;
}): Verifier {
  const { config, store, metrics } = deps;
  const positiveTtlMs = deps.hearsAllChanges
    ? DEFAULT_POSITIVE_TTL_MS
    : UNSUBSCRIBED_POSITIVE_TTL_MS;
  const cache = new VerifyCache({ positiveTtlMs });
  let keys: Pick<ApiKeyRepo, 'findByDigests'> = store.keys;
  let institutions: Pick<InstitutionRepo, 'get'> = store.institutions;
  if (metrics !== undefined) {
    exposeCache(metrics, cache);
    // Only cache misses reach these reads, so counting their failures costs nothing per hit.
    const failed = () => metrics.storeError('verify');
    keys = { findByDigests: countFailures((digests) => store.keys.findByDigests(digests), failed) };
    institutions = { get: countFailures((id) => store.institutions.get(id), failed) };
  }
  return new Verifier({
    keys,
    keyring: deps.keyring,
    secretPrefix: config.secretPrefix,
    clock: deps.clock,
    cache,
    institutions: new InstitutionLimitsCache(institutions, { ttlMs: positiveTtlMs }),
    rateLimits: new MemoryRateLimitStore(),
    failures: new MemoryAttemptLimiter({
      maxFailures: config.gateway.maxFailuresPerIp,
      windowSeconds: config.gateway.failureWindowSeconds,
    }),
    events: deps.events,
  });
}

/**
 * The verifier with each verification's latency observed (`keyward_verification_duration_seconds`),
 * whoever asks: the gateway and `POST /api/v1/verify` alike. A verification that fails (the store
 * did not answer) is not timed: it is counted in `keyward_store_errors_total`.
 */
export function timedVerifier(
  verifier: SecretVerifier,
  metrics: Pick<KeywardMetrics, 'observeVerification'>,
): SecretVerifier {
  return {
    verify(input) {
      const started = performance.now();
      return verifier.verify(input).then((result) => {
        metrics.observeVerification((performance.now() - started) / 1000);
        return result;
      });
    },
  };
}

/** The cache's own counters and sizes, read at scrape time. */
function exposeCache(metrics: KeywardMetrics, cache: VerifyCache): void {
  const hits = 'keyward_verify_cache_hits_total';
  const hitsHelp =
    'Verifications answered from the cache: positive (a known secret) or negative (remembered "not found").';
  metrics.counterFrom(hits, hitsHelp, () => cache.positiveHits, { kind: 'positive' });
  metrics.counterFrom(hits, hitsHelp, () => cache.negativeHits, { kind: 'negative' });
  metrics.counterFrom(
    'keyward_verify_cache_misses_total',
    'Verifications the cache could not answer (the store was read).',
    () => cache.misses,
  );
  const entries = 'keyward_verify_cache_entries';
  const entriesHelp = 'Entries in the verification cache, positive and negative.';
  metrics.gaugeFrom(entries, entriesHelp, () => cache.positiveSize, { kind: 'positive' });
  metrics.gaugeFrom(entries, entriesHelp, () => cache.negativeSize, { kind: 'negative' });
}

/** `read`, calling `onFailure` when it rejects (the rejection goes on to the caller). */
function countFailures<A, R>(
  read: (arg: A) => Promise<R>,
  onFailure: () => void,
): (arg: A) => Promise<R> {
  return async (arg) => {
    try {
      return await read(arg);
    } catch (err) {
      onFailure();
      throw err;
    }
  };
}
