import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { loadKeyring } from '../adapters/keyring/file-keyring.js';
import { MemoryKeyEventBus } from '../adapters/memory/memory-key-event-bus.js';
import type { Config } from '../config/config.js';
import { errorFacts } from '../gateway/gateway-exchange.js';
import { createGateway, type Gateway } from '../gateway/gateway-server.js';
import type { AdminApp } from '../http/route-kit.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { SlotUsageRecorder } from '../services/slot-usage-recorder.js';
import { openStore } from './open-store.js';
import { createServerVerifier } from './verification.js';

export type Role = 'all' | 'admin' | 'gateway';

export interface RunningKeyward {
  /** Null when this process does not run the admin API (`--role gateway`). */
  readonly adminUrl: string | null;
  /** Null when this process does not run the gateway (`--role admin`). */
  readonly gatewayUrl: string | null;
  readonly app: AdminApp | null;
  readonly store: Store;
  /** Set on the very first start: the bootstrap operator (password only when generated). */
  readonly bootstrap: { readonly email: string; readonly password: string | null } | null;
  /** Writes the gateway's pending per-slot last uses now (otherwise every 5 s, and on close). */
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly role?: Role;
  /** The built web console; defaults to the package's `dist/web`. */
  readonly consoleDir?: string;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The composition root of `keyward serve`: the only place that picks adapters. Opens (and, with
 * the admin role, migrates) the store, loads the keyring, and starts the admin API and/or the
 * gateway. With both roles in one process they share the key-event bus, so a regenerated secret
 * is refused by the very next gateway request.
 */
export async function startKeyward(config: Config, options: StartOptions): Promise<RunningKeyward> {
  const clock = options.clock ?? systemClock;
  const role = options.role ?? 'all';
  const runsAdmin = role !== 'gateway';
  // The data directory holds the keyring and the SQLite file: only its owner may enter it.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config);
  let admin: AdminApp | null = null;
  let gateway: Gateway | null = null;
  let slotUsage: SlotUsageRecorder | null = null;
  const closeAll = async () => {
    await Promise.all([admin?.close(), gateway?.close()]);
    // After the gateway has stopped, so the uses of its last requests are written too.
    await slotUsage?.close();
    await store.close();
  };
  try {
    if (runsAdmin) await store.migrate();
    const { keyring } = await loadKeyring({
      dataDir: config.dataDir,
      ...(config.keyringEnv.peppers !== null && { pepperEnv: config.keyringEnv.peppers }),
      ...(config.keyringEnv.masterKeys !== null && { masterKeyEnv: config.keyringEnv.masterKeys }),
      generateIfMissing: runsAdmin,
    });
    const events = new MemoryKeyEventBus();
    const verifier = createServerVerifier({
      config,
      store,
      keyring,
      clock,
      events,
      hearsAllChanges: runsAdmin,
    });

    let adminUrl: string | null = null;
    let bootstrap: RunningKeyward['bootstrap'] = null;
    if (runsAdmin) {
      // Loaded only with the admin role: a gateway-only process never carries the admin stack.
      const { wireAdmin } = await import('./admin-wiring.js');
      const wired = await wireAdmin({
        config,
        store,
        keyring,
        clock,
        invalidation: events,
        verifier,
        logger: options.logger,
        ...(options.consoleDir !== undefined && { consoleDir: options.consoleDir }),
      });
      admin = wired.app;
      bootstrap = wired.bootstrap;
      await admin.listen({ host: config.admin.host, port: config.admin.port });
      const address = admin.server.address();
      adminUrl = urlOf(
        config.admin.host,
        typeof address === 'object' && address ? address.port : config.admin.port,
      );
    }

    let gatewayUrl: string | null = null;
    if (role !== 'admin') {
      const logger = options.logger.child({ component: 'gateway' });
      // Usage events feed each slot's last use and clients (which slot each client sends). Keeping
      // whole events in memory instead cost 50 MB of peak RSS and 5–9 % of throughput under a
      // flood: every buffered event lives long enough to be promoted to V8's old space.
      slotUsage = new SlotUsageRecorder(store, {
        onFlushError: (err) =>
          logger.warn({ err: errorFacts(err) }, 'slot usage not written yet; will retry'),
      });
      gateway = createGateway({
        routes: config.gateway.routes,
        header: config.gateway.header,
        profile: config.gateway.profile,
        trustedProxies: config.gateway.trustedProxies,
        verifier,
        usage: slotUsage,
        upstreamTimeoutMs: config.gateway.upstreamTimeoutMs,
        storeReachable: () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        logger,
        clock,
      });
      gatewayUrl = await gateway.listen(config.gateway.port, config.gateway.host);
    }
    const recorder = slotUsage;
    return {
      adminUrl,
      gatewayUrl,
      app: admin,
      store,
      bootstrap,
      flushUsage: async () => recorder?.flush(),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
