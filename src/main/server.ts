import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { loadKeyring } from '../adapters/keyring/file-keyring.js';
import { MemoryAttemptLimiter } from '../adapters/memory/memory-attempt-limiter.js';
import type { Config } from '../config/config.js';
import { buildAdminApp } from '../http/admin-app.js';
import type { AdminApp } from '../http/route-kit.js';
import { type Clock, systemClock } from '../ports/clock.js';
import { noKeyInvalidation } from '../ports/key-invalidation.js';
import type { Store } from '../ports/store.js';
import { AuditService } from '../services/audit-service.js';
import { AuthService } from '../services/auth-service.js';
import { InstitutionService } from '../services/institution-service.js';
import { KeyService } from '../services/key-service.js';
import { MemberService } from '../services/member-service.js';
import { openStore } from './open-store.js';
import { VERSION } from './version.js';

export interface RunningKeyward {
  readonly adminUrl: string;
  readonly app: AdminApp;
  readonly store: Store;
  /** Set on the very first start: the bootstrap operator (password only when generated). */
  readonly bootstrap: { readonly email: string; readonly password: string | null } | null;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** The built web console; defaults to the package's `dist/web`. */
  readonly consoleDir?: string;
}

/** `<package root>/dist/web`, from both `src/main/` (tests) and `dist/main/` (built). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

/**
 * The composition root of `keyward serve`: the only place that picks adapters. Opens and
 * migrates the store, loads the keyring, bootstraps the platform operator, starts the admin API.
 */
export async function startKeyward(config: Config, options: StartOptions): Promise<RunningKeyward> {
  const clock = options.clock ?? systemClock;
  // The data directory holds the keyring and the SQLite file: only its owner may enter it.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config);
  try {
    await store.migrate();
    const { keyring } = await loadKeyring({
      dataDir: config.dataDir,
      ...(config.keyringEnv.peppers !== null && { pepperEnv: config.keyringEnv.peppers }),
      ...(config.keyringEnv.masterKeys !== null && { masterKeyEnv: config.keyringEnv.masterKeys }),
      generateIfMissing: true,
    });
    const auth = new AuthService({
      store,
      clock,
      keyring,
      secretPrefix: config.secretPrefix,
      limiters: {
        account: new MemoryAttemptLimiter({
          maxFailures: config.login.maxFailuresPerAccount,
          windowSeconds: config.login.windowSeconds,
        }),
        ip: new MemoryAttemptLimiter({
          maxFailures: config.login.maxFailuresPerIp,
          windowSeconds: config.login.windowSeconds,
        }),
      },
      sessionTtlSeconds: config.admin.sessionTtlSeconds,
    });
    const bootstrap = await auth.bootstrap(config.bootstrap.email, config.bootstrap.password);
    const app = await buildAdminApp({
      auth,
      institutions: new InstitutionService({ store, clock }),
      members: new MemberService({ store, clock }),
      keys: new KeyService({
        store,
        clock,
        keyring,
        secretPrefix: config.secretPrefix,
        viewableSecrets: config.viewableSecrets,
        invalidation: noKeyInvalidation,
      }),
      audit: new AuditService({ store }),
      logger: options.logger,
      trustedProxies: config.admin.trustedProxies,
      secureCookies: config.admin.secureCookies,
      version: VERSION,
      consoleDir: options.consoleDir ?? DEFAULT_CONSOLE_DIR,
    });
    await app.listen({ host: config.admin.host, port: config.admin.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.admin.port;
    const host = config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host;
    return {
      adminUrl: `http://${host}:${port}`,
      app,
      store,
      bootstrap,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
