import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadKeyring } from '../adapters/keyring/file-keyring.js';
import { MemoryAttemptLimiter } from '../adapters/memory/memory-attempt-limiter.js';
import { MemoryKeyEventBus } from '../adapters/memory/memory-key-event-bus.js';
import { MemoryRateLimitStore } from '../adapters/memory/memory-rate-limit-store.js';
import { AppError } from '../core/errors.js';
import { systemClock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { InstitutionLimitsCache } from '../services/institution-limits.js';
import { Verifier } from '../services/verifier.js';
import type { VerifyInput, VerifyResult } from '../services/verifier-types.js';
import { VerifyCache } from '../services/verify-cache.js';
import { SQLITE_FILE } from './open-store.js';

export interface CreateVerifierOptions {
  /** The store's PostgreSQL URL (what the server has in `KEYWARD_DATABASE_URL`). */
  readonly databaseUrl?: string;
  /**
   * The server's data directory: its `keyring.json`, and its SQLite file unless `databaseUrl` or
   * `sqliteFile` is given. Default `./keyward-data` (or the directory of `sqliteFile`).
   */
  readonly dataDir?: string;
  /** The server's SQLite file, when it is not `<dataDir>/keyward.db`. */
  readonly sqliteFile?: string;
  /** The deployment's secret prefix (config `secretPrefix`). Default `kw_live`. */
  readonly secretPrefix?: string;
  /**
   * Peppers as the server's `KEYWARD_PEPPERS` (`1:<base64>,…`). Together with `masterKeys` it
   * replaces the keyring file.
   */
  readonly peppers?: string;
  /** Master keys as the server's `KEYWARD_MASTER_KEYS`; used only together with `peppers`. */
  readonly masterKeys?: string;
  /**
   * How long a verified secret is answered from memory, in ms. Default 1000. This process does
   * not hear the server's key-change events, so this is how long a regenerated, deleted or
   * suspended secret may still be accepted here (and how long an institution's rate-limit
   * settings are kept). 0 turns the positive cache off.
   */
  readonly positiveTtlMs?: number;
}

/** A verifier running in this process against the server's store. */
export interface EmbeddedVerifier {
  /**
   * Same hot path and outcomes as the gateway. Resolves to an outcome (`valid`, or `valid: false`
   * with a `code`); rejects with AppError STORE_UNAVAILABLE when the store cannot be reached and
   * nothing is cached — then refuse the request, never let it through.
   */
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** Closes the store connection. */
  close(): Promise<void>;
}

/** The default of config `secretPrefix` (src/config/config.ts). */
const DEFAULT_SECRET_PREFIX = 'kw_live';
const DEFAULT_DATA_DIR = 'keyward-data';
const DEFAULT_POSITIVE_TTL_MS = 1_000;
/** The gateway's defaults (config `gateway.maxFailuresPerIp`, `gateway.failureWindowSeconds`). */
const MAX_FAILURES_PER_IP = 30;
const FAILURE_WINDOW_SECONDS = 60;

async function openExistingStore(options: CreateVerifierOptions, dataDir: string): Promise<Store> {
  if (options.databaseUrl) {
    const { openPostgresStore } = await import('../adapters/sql/postgres-store.js');
    return openPostgresStore({ url: options.databaseUrl });
  }
  const file = resolve(options.sqliteFile ?? join(dataDir, SQLITE_FILE));
  // Opening SQLite creates a missing file: a verifier must find the server's, not make one.
  const found = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) throw new AppError('CONFIG_INVALID', `No Keyward database at ${file}`);
  const { openSqliteStore } = await import('../adapters/sql/sqlite-store.js');
  return openSqliteStore({ file });
}

/**
 * The embedded verifier (`import { createVerifier } from 'keyward'`): checks secrets inside
 * another Node.js process, against the same store as the Keyward server, with the same outcomes
 * as the gateway and `POST /api/v1/verify`. It only reads the store (never migrates it) and loads
 * the server's keyring without ever creating one. Nothing here reads `process.env`: pass the
 * server's settings explicitly.
 *
 * Revocation delay: the server announces key changes on its own in-process bus (a Redis bus comes
 * with scale-out), which this process does not hear. A secret cached here is re-read from the
 * store after `positiveTtlMs` (default 1 s), so a regenerated, deleted or suspended secret is
 * refused here at most that long after the change. Expiry, scopes and IP restrictions are decided
 * on every call. Institution rate-limit settings are re-read after the same delay. Rate limits
 * and the failure limit per source address (30 per minute) are counted in this process only.
 */
export async function createVerifier(
  options: CreateVerifierOptions = {},
): Promise<EmbeddedVerifier> {
  const dataDir = resolve(
    options.dataDir ?? (options.sqliteFile ? dirname(options.sqliteFile) : DEFAULT_DATA_DIR),
  );
  const { keyring } = await loadKeyring({
    dataDir,
    ...(options.peppers !== undefined && { pepperEnv: options.peppers }),
    ...(options.masterKeys !== undefined && { masterKeyEnv: options.masterKeys }),
    generateIfMissing: false,
  });
  const store = await openExistingStore(options, dataDir);
  let verifier: Verifier;
  try {
    await store.ping();
    const positiveTtlMs = options.positiveTtlMs ?? DEFAULT_POSITIVE_TTL_MS;
    verifier = new Verifier({
      keys: store.keys,
      keyring,
      secretPrefix: options.secretPrefix ?? DEFAULT_SECRET_PREFIX,
      clock: systemClock,
      cache: new VerifyCache({ positiveTtlMs }),
      institutions: new InstitutionLimitsCache(store.institutions, { ttlMs: positiveTtlMs }),
      rateLimits: new MemoryRateLimitStore(),
      failures: new MemoryAttemptLimiter({
        maxFailures: MAX_FAILURES_PER_IP,
        windowSeconds: FAILURE_WINDOW_SECONDS,
      }),
      events: new MemoryKeyEventBus(),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  let closed: Promise<void> | null = null;
  return {
    verify: (input) => verifier.verify(input),
    close() {
      closed ??= (async () => {
        verifier.close();
        await store.close();
      })();
      return closed;
    },
  };
}
