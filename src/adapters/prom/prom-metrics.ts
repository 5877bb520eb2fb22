import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AppError } from '../../core/errors.js';
import type { MetricsExposition } from '../../ports/metrics-exposition.js';
import { GatewayRequestMetrics } from './gateway-request-metrics.js';
import { HistogramCells, PulledHistogram } from './pulled-histogram.js';

/** Seconds; a cached verification takes microseconds, a store read from 0.1 ms up. */
export const VERIFICATION_BUCKETS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
  0.25, 1,
];

/** Store operations counted here as they fail (`keyward_store_errors_total{operation}`). */
export type StoreOperation = 'verify' | 'health';
const STORE_ERRORS = 'keyward_store_errors_total';
const STORE_ERRORS_HELP =
  'Store operations that failed, by operation (verify: reads of the verifier on a cache miss; health: the health check; usage_flush: writing usage).';

/**
 * prom-client's default metrics also export three gauges named `…_total` (the sums of the
 * labelled `nodejs_active_*` gauges), which `promtool check metrics` rejects: a `_total` suffix
 * is for counters. The labelled gauges carry the same figures.
 */
const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

type Labels = Readonly<Record<string, string>>;

interface PulledSeries {
  readonly labels: Labels;
  readonly read: () => number;
}

interface PulledFamily {
  readonly labelNames: string;
  readonly series: PulledSeries[];
}

export interface KeywardMetricsOptions {
  /** Process and Node.js metrics (CPU, memory, event loop, GC). Default true. */
  readonly processMetrics?: boolean;
}

/**
 * This process's metrics, in a registry of its own (never prom-client's global one: tests run
 * several Keyward instances in one process).
 *
 * Everything per request is kept in plain counters and histogram cells, read when scraped:
 * the gateway's requests (`gatewayRequests`, a usage sink) and verification latency
 * (`observeVerification`). Other components expose counters they already keep with
 * `counterFrom` / `gaugeFrom` (read at scrape time, so they cost nothing per request).
 *
 * No label ever carries a secret, a digest, a hint, a key id, a client address or a user agent:
 * label values are route paths from the config, outcome codes and fixed names.
 */
export class KeywardMetrics implements MetricsExposition {
  readonly contentType: string = Registry.PROMETHEUS_CONTENT_TYPE;
  /** Counts `keyward_gateway_requests_total` and the request duration: give it the usage events. */
  readonly gatewayRequests: GatewayRequestMetrics;
  readonly #registry = new Registry();
  readonly #verification = new HistogramCells(VERIFICATION_BUCKETS);
  readonly #storeErrors: Record<StoreOperation, number> = { verify: 0, health: 0 };
  readonly #pulled = new Map<string, PulledFamily>();

  constructor(options: KeywardMetricsOptions = {}) {
    const registry = this.#registry;
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: registry });
      for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
    }
    this.gatewayRequests = new GatewayRequestMetrics(registry);
    const verification = this.#verification;
    new PulledHistogram({
      name: 'keyward_verification_duration_seconds',
      help: 'Time to verify a secret (gateway and POST /api/v1/verify): checksum, cache, store read on a miss, limits.',
      labelNames: [],
      buckets: VERIFICATION_BUCKETS,
      registry,
      series: () => [[{}, verification]],
    });
    const storeErrors = this.#storeErrors;
    for (const operation of ['verify', 'health'] as const) {
      this.storeErrorsFrom(operation, () => storeErrors[operation]);
    }
  }

  /** One verification took `seconds`. A few array writes; never throws. */
  observeVerification(seconds: number): void {
    this.#verification.observe(seconds);
  }

  /** A store operation failed. */
  storeError(operation: StoreOperation): void {
    this.#storeErrors[operation] += 1;
  }

  /** Failed store operations a component counts itself (the usage pipeline's flushes). */
  storeErrorsFrom(operation: string, read: () => number): void {
    this.counterFrom(STORE_ERRORS, STORE_ERRORS_HELP, read, { operation });
  }

  /**
   * Exposes a counter the caller already keeps, read at each scrape. The name must end in
   * `_total` (it is a counter). Calling again with the same name adds a series: the same label
   * names, other values (the first call's help stays). `read` must be cheap and monotonic, and
   * should not throw (a series whose read throws or is not a finite number ≥ 0 is left out of
   * that scrape). Label values must come from a small fixed set: never ids, addresses or input.
   */
  counterFrom(name: string, help: string, read: () => number, labels: Labels = {}): void {
    if (!name.endsWith('_total')) {
      throw new AppError('INTERNAL', `counter ${name} must end in _total`);
    }
    this.#addPulled('counter', name, help, read, labels);
  }

  /** Exposes a gauge read at each scrape (see `counterFrom`; the name must not end in `_total`). */
  gaugeFrom(name: string, help: string, read: () => number, labels: Labels = {}): void {
    if (name.endsWith('_total')) {
      throw new AppError('INTERNAL', `gauge ${name} must not end in _total`);
    }
    this.#addPulled('gauge', name, help, read, labels);
  }

  /** The Prometheus text of every metric of this process. */
  render(): Promise<string> {
    return this.#registry.metrics();
  }

  #addPulled(
    type: 'counter' | 'gauge',
    name: string,
    help: string,
    read: () => number,
    labels: Labels,
  ): void {
    const labelNames = Object.keys(labels).sort();
    const family = this.#pulled.get(name);
    if (family !== undefined) {
      if (family.labelNames !== labelNames.join(',')) {
        throw new AppError('INTERNAL', `metric ${name} was registered with other label names`);
      }
      if (family.series.some((s) => labelNames.every((l) => s.labels[l] === labels[l]))) {
        throw new AppError('INTERNAL', `metric ${name} already has a series with these labels`);
      }
      family.series.push({ labels, read });
      return;
    }
    const series: PulledSeries[] = [{ labels, read }];
    this.#pulled.set(name, { labelNames: labelNames.join(','), series });
    const common = { name, help, labelNames, registers: [this.#registry] };
    if (type === 'counter') {
      new Counter({
        ...common,
        collect() {
          this.reset();
          for (const s of series) {
            const value = readSafely(s.read);
            if (value !== null && value >= 0) this.inc(s.labels, value);
          }
        },
      });
    } else {
      new Gauge({
        ...common,
        collect() {
          this.reset();
          for (const s of series) {
            const value = readSafely(s.read);
            if (value !== null) this.set(s.labels, value);
          }
        },
      });
    }
  }
}

/** A read's value, or null when it threw or is not a finite number (the scrape goes on). */
function readSafely(read: () => number): number | null {
  try {
    const value = read();
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
