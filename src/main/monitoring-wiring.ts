import type { Logger } from 'pino';
import { AccessLogSink } from '../adapters/log/access-log-sink.js';
import { KeywardMetrics } from '../adapters/prom/prom-metrics.js';
import type { Config } from '../config/config.js';
import { errorFacts } from '../gateway/gateway-exchange.js';
import type { MetricsEndpoint } from '../ports/metrics-exposition.js';
import type { UsageSink } from '../ports/usage-sink.js';
import type { UsagePipeline } from '../services/usage-pipeline.js';
import { accessLogOutput } from './logger.js';

/** This process's metrics and access log, as `startKeyward` wires them. */
export interface Monitoring {
  readonly metrics: KeywardMetrics;
  /** `GET /metrics` on the admin port. */
  readonly endpoint: MetricsEndpoint;
  /** `GET /metrics` on the gateway port, when `gateway.metrics` is on. */
  readonly gatewayEndpoint: MetricsEndpoint | null;
  /** Where each gateway request's event goes besides persisted usage: metrics, access log. */
  readonly gatewaySinks: readonly UsageSink[];
  /**
   * Exposes the usage pipeline's writes, dropped events and failed flushes, and the alerts its
   * detectors opened (all read at scrape time).
   */
  watchUsage(pipeline: Pick<UsagePipeline, 'stats'>, alertsOpened: () => number): void;
  /** Writes the access lines still pending (after the gateway has stopped). */
  close(): void;
}

export function createMonitoring(config: Config, logger: Logger): Monitoring {
  const metrics = new KeywardMetrics();
  const endpoint: MetricsEndpoint = {
    exposition: metrics,
    tokenSha256: config.metrics.tokenSha256,
  };
  const gatewaySinks: UsageSink[] = [metrics.gatewayRequests];
  let accessLog: AccessLogSink | null = null;
  if (config.gateway.accessLog && logger.isLevelEnabled('info')) {
    const output = accessLogOutput(logger);
    if (output === null) {
      logger.warn('access log off: the logger has no destination of its own');
    } else {
      accessLog = new AccessLogSink(output, {
        onError: (err) => logger.warn({ err: errorFacts(err) }, 'access lines not written'),
      });
      gatewaySinks.push(accessLog);
    }
  }
  return {
    metrics,
    endpoint,
    gatewayEndpoint: config.gateway.metrics ? endpoint : null,
    gatewaySinks,
    watchUsage(pipeline, alertsOpened) {
      for (const part of ['clients', 'rollups', 'events', 'alerts']) {
        metrics.counterFrom(
          'keyward_usage_written_total',
          'Usage items written by this node: slot clients, rollup cells, raw events, alert occurrences (label part).',
          () => pipeline.stats().parts[part]?.written ?? 0,
          { part },
        );
      }
      metrics.counterFrom(
        'keyward_alerts_raised_total',
        'Alerts opened by the detectors of this node (repeats of an open alert not counted).',
        alertsOpened,
      );
      metrics.counterFrom(
        'keyward_usage_events_dropped_total',
        'Usage observations dropped because pending usage was full (the store did not answer for long).',
        () => pipeline.stats().dropped,
      );
      metrics.storeErrorsFrom('usage_flush', () => pipeline.stats().failedFlushes);
    },
    close() {
      accessLog?.close();
    },
  };
}
