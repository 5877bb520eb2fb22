import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { DEFAULT_FAILURE_BURST, DEFAULT_NEW_NETWORK } from '../core/detectors.js';
import { errorFacts } from '../gateway/gateway-exchange.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { AlertMonitor } from '../services/alert-monitor.js';
import { RawUsageEvents } from '../services/raw-usage-events.js';
import { SlotUsageRecorder } from '../services/slot-usage-recorder.js';
import { UsagePipeline } from '../services/usage-pipeline.js';
import { UsageRollups } from '../services/usage-rollups.js';

/** Clients read at start to seed the new-network detector (the most recently seen). */
const SEED_CLIENTS = 100_000;

/**
 * The gateway's usage pipeline as configured (`usage` in the config file) with its alert monitor,
 * or null when usage is not persisted. Seeds the new-network detector from the clients the store already knows, so
 * a restart does not start a new learning period.
 */
export async function startUsagePipeline(
  config: Config,
  store: Store,
  notifier: Notifier,
  logger: Logger,
): Promise<{ pipeline: UsagePipeline; alerts: AlertMonitor } | null> {
  const usage = config.usage;
  if (!usage.persist) return null;
  const alerts = new AlertMonitor({
    notifier,
    newNetwork: { ...DEFAULT_NEW_NETWORK, learningMs: usage.newNetworkLearningHours * 3_600_000 },
    failureBurst: { ...DEFAULT_FAILURE_BURST, threshold: usage.failedAuthBurst },
  });
  try {
    alerts.seed(await store.usage.listRecentClients(SEED_CLIENTS));
  } catch (err) {
    logger.warn({ err: errorFacts(err) }, 'known client networks not loaded; learning anew');
  }
  const pipeline = new UsagePipeline(
    store,
    {
      clients: new SlotUsageRecorder(),
      rollups: new UsageRollups(),
      events: new RawUsageEvents({ mode: usage.rawEvents }),
      alerts,
    },
    {
      flushIntervalMs: usage.flushIntervalMs,
      onFlushError: (err) =>
        logger.warn({ err: errorFacts(err) }, 'usage not written yet; will retry'),
    },
  );
  return { pipeline, alerts };
}
