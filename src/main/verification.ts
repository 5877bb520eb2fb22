import { MemoryAttemptLimiter } from '../adapters/memory/memory-attempt-limiter.js';
import { MemoryRateLimitStore } from '../adapters/memory/memory-rate-limit-store.js';
import type { Config } from '../config/config.js';
import type { Keyring } from '../core/keyring.js';
import type { Clock } from '../ports/clock.js';
import type { KeyEventBus } from '../ports/key-events.js';
import type { Store } from '../ports/store.js';
import { InstitutionLimitsCache } from '../services/institution-limits.js';
import { Verifier } from '../services/verifier.js';
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
}): Verifier {
  const { config } = deps;
  const positiveTtlMs = deps.hearsAllChanges
    ? DEFAULT_POSITIVE_TTL_MS
    : UNSUBSCRIBED_POSITIVE_TTL_MS;
  return new Verifier({
    keys: deps.store.keys,
    keyring: deps.keyring,
    secretPrefix: config.secretPrefix,
    clock: deps.clock,
    cache: new VerifyCache({ positiveTtlMs }),
    institutions: new InstitutionLimitsCache(deps.store.institutions, { ttlMs: positiveTtlMs }),
    rateLimits: new MemoryRateLimitStore(),
    failures: new MemoryAttemptLimiter({
      maxFailures: config.gateway.maxFailuresPerIp,
      windowSeconds: config.gateway.failureWindowSeconds,
    }),
    events: deps.events,
  });
}
