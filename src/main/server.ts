import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { loadKeyring } from '../adapters/keyring/file-keyring.js';
import { MemoryKeyEventBus } from '../adapters/memory/memory-key-event-bus.js';
import { UndiciWebhookTransport } from '../adapters/webhook/undici-webhook-transport.js';
import type { Config } from '../config/config.js';
import { outboundAddressPolicy } from '../core/outbound-address.js';
import { errorFacts } from '../gateway/gateway-exchange.js';
import { createGateway, type Gateway } from '../gateway/gateway-server.js';
import type { AdminApp } from '../http/route-kit.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import type { UsageSink } from '../ports/usage-sink.js';
import { PeriodicJob } from '../services/periodic-job.js';
import { fanOutUsage } from '../services/usage-fanout.js';
import { UsageMaintenance } from '../services/usage-maintenance.js';
import type { UsagePipeline, UsageStats } from '../services/usage-pipeline.js';
import { WebhookDeliveryWorker } from '../services/webhook-delivery.js';
import { WebhookNotifier } from '../services/webhook-notifier.js';
import { createMonitoring } from './monitoring-wiring.js';
import { openStore } from './open-store.js';
import { startUsagePipeline } from './usage-wiring.js';
import { createServerVerifier, timedVerifier } from './verification.js';
import { VERSION } from './version.js';

export type Role = 'all' | 'admin' | 'gateway';

/** How often admin processes look for shares due to be revoked. */
const SHARE_CHECK_MS = 5_000;

/** The gateway's sink when usage is not persisted (`usage.persist: false`). */
const NO_USAGE: UsageSink = { emit() {} };

export interface RunningKeyward {
  /** Null when this process does not run the admin API (`--role gateway`). */
  readonly adminUrl: string | null;
  /** Null when this process does not run the gateway (`--role admin`). */
  readonly gatewayUrl: string | null;
  readonly app: AdminApp | null;
  readonly store: Store;
  /** Set on the very first start: the bootstrap operator (password only when generated). */
  readonly bootstrap: { readonly email: string; readonly password: string | null } | null;
  /** Writes the gateway's pending usage now (otherwise every `usage.flushIntervalMs`, and on close). */
  flushUsage(): Promise<void>;
  /** What the usage pipeline wrote and dropped; null without a gateway or with `usage.persist` off. */
  usageStats(): UsageStats | null;
  /** Revokes the shares due now (otherwise checked every 5 s by admin processes). */
  revokeDueShares(): Promise<void>;
  /** Queues outbound events (webhooks) inside a store transaction; every role has one. */
  readonly notifier: Notifier;
  /** Sends every webhook delivery due now and waits for the outcomes (otherwise polled each 1 s). */
  deliverWebhooksNow(): Promise<void>;
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
  const monitoring = createMonitoring(config, options.logger);
  const { metrics } = monitoring;
  let admin: AdminApp | null = null;
  let gateway: Gateway | null = null;
  let usage: UsagePipeline | null = null;
  let maintenance: UsageMaintenance | null = null;
  let shareJob: PeriodicJob | null = null;
  let webhookTransport: UndiciWebhookTransport | null = null;
  let webhookWorker: WebhookDeliveryWorker | null = null;
  const closeAll = async () => {
    await Promise.all([admin?.close(), gateway?.close()]);
    // The access lines of the gateway's last requests.
    monitoring.close();
    // After the gateway has stopped, so its last requests are written too.
    if (usage !== null) {
      await usage.close();
      options.logger.info({ usage: usage.stats() }, 'usage written on shutdown');
    }
    await maintenance?.close();
    await shareJob?.close();
    // Last before the store: sends in flight finish and are recorded (each bounded to 10 s).
    await webhookWorker?.close();
    await webhookTransport?.close();
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
    // Every role delivers webhooks: a gateway-only node raises alerts too. Workers on several
    // processes share the deliveries through the store's claims.
    webhookTransport = new UndiciWebhookTransport({
      userAgent: `Keyward-Webhooks/${VERSION}`,
      allowAddress: outboundAddressPolicy(config.webhooks.allowedNetworks),
    });
    const worker = new WebhookDeliveryWorker({
      store,
      keyring,
      clock,
      transport: webhookTransport,
      log: options.logger.child({ component: 'webhooks' }),
    });
    webhookWorker = worker;
    worker.start();
    const notifier = new WebhookNotifier({ clock, onEnqueued: () => worker.nudge() });

    const events = new MemoryKeyEventBus();
    const verifier = timedVerifier(
      createServerVerifier({
        config,
        store,
        keyring,
        clock,
        events,
        hearsAllChanges: runsAdmin,
        metrics,
      }),
      metrics,
    );

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
        deliverWebhooksSoon: () => worker.nudge(),
        notifier,
        metrics: monitoring.endpoint,
        ...(options.consoleDir !== undefined && { consoleDir: options.consoleDir }),
      });
      admin = wired.app;
      bootstrap = wired.bootstrap;
      // Shares due while no admin process ran are revoked at the first run (catch-up).
      const { shares } = wired;
      shareJob = new PeriodicJob(
        () => shares.revokeDue(),
        SHARE_CHECK_MS,
        (err) =>
          options.logger.warn({ err: errorFacts(err) }, 'revoking due shares failed; will retry'),
      );
      void shareJob.runNow();
      maintenance = new UsageMaintenance({
        store,
        clock,
        notifier,
        // Keys the hygiene policy suspends are announced like any other key change.
        invalidation: events,
        retentionDays: config.usage.retentionDays,
        rollupRetentionDays: config.usage.rollupRetentionDays,
        onError: (err) =>
          options.logger.warn({ err: errorFacts(err) }, 'usage maintenance failed; will retry'),
      });
      maintenance.start();
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
      // Usage events feed each slot's last use and clients, rollups, raw events and detectors.
      const started = await startUsagePipeline(config, store, notifier, logger);
      if (started !== null) {
        usage = started.pipeline;
        monitoring.watchUsage(started.pipeline, () => started.alerts.opened);
      }
      gateway = createGateway({
        routes: config.gateway.routes,
        header: config.gateway.header,
        profile: config.gateway.profile,
        trustedProxies: config.gateway.trustedProxies,
        verifier,
        usage: fanOutUsage([usage ?? NO_USAGE, ...monitoring.gatewaySinks]),
        metrics: monitoring.gatewayEndpoint,
        upstreamTimeoutMs: config.gateway.upstreamTimeoutMs,
        storeReachable: () =>
          store.ping().then(
            () => true,
            () => {
              metrics.storeError('health');
              return false;
            },
          ),
        logger,
        clock,
      });
      gatewayUrl = await gateway.listen(config.gateway.port, config.gateway.host);
    }
    const pipeline = usage;
    return {
      adminUrl,
      gatewayUrl,
      app: admin,
      store,
      bootstrap,
      flushUsage: async () => pipeline?.flush(),
      revokeDueShares: async () => shareJob?.runNow(),
      usageStats: () => pipeline?.stats() ?? null,
      notifier,
      deliverWebhooksNow: () => worker.drain(),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
