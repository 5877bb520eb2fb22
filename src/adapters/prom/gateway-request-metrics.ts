import { Counter, type Registry } from 'prom-client';
import type { UsageEvent, UsageSink } from '../../ports/usage-sink.js';
import { HistogramCells, type HistogramSeries, PulledHistogram } from './pulled-histogram.js';

/** Seconds; the gateway's own work is sub-millisecond, the upstream's may take up to its timeout. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** The `route` label of requests no route matched (configured paths all start with `/`). */
export const NO_ROUTE_LABEL = 'none';
/** Where series beyond the caps go, so a label set can never grow without bound. */
export const OVERFLOW_LABEL = 'other';
/** Guards only: routes come from the config and outcomes from a fixed set in the gateway. */
const MAX_ROUTES = 256;
const MAX_OUTCOMES_PER_ROUTE = 64;

interface RouteSeries {
  readonly labels: Readonly<{ route: string }>;
  readonly outcomes: Map<string, { n: number }>;
  readonly duration: HistogramCells;
}

/**
 * The gateway's requests as metrics: a usage sink (one event per request) counting
 * `keyward_gateway_requests_total{route,outcome}` and observing
 * `keyward_gateway_request_duration_seconds{route}`.
 *
 * Labels are the configured route path (or `none`) and the event's outcome — both bounded sets,
 * capped besides. Never the key, the client or anything about the secret. `emit` is two Map
 * lookups, an increment and a histogram cell write; it allocates only the first time a route or
 * an outcome is seen, and cannot throw.
 */
export class GatewayRequestMetrics implements UsageSink {
  readonly #routes = new Map<string | null, RouteSeries>();
  #overflow: RouteSeries | null = null;

  constructor(registry: Registry) {
    const all = () => this.#allSeries();
    new Counter({
      name: 'keyward_gateway_requests_total',
      help: 'Gateway requests by configured route ("none": no route matched) and outcome (OK, a refusal code or an upstream failure).',
      labelNames: ['route', 'outcome'],
      registers: [registry],
      collect() {
        this.reset();
        for (const series of all()) {
          for (const [outcome, count] of series.outcomes) {
            this.inc({ route: series.labels.route, outcome }, count.n);
          }
        }
      },
    });
    new PulledHistogram({
      name: 'keyward_gateway_request_duration_seconds',
      help: 'Time from a gateway request to its answer (the upstream response included when forwarded).',
      labelNames: ['route'],
      buckets: REQUEST_DURATION_BUCKETS,
      registry,
      series: function* (): Generator<HistogramSeries> {
        for (const series of all()) yield [series.labels, series.duration];
      },
    });
  }

  emit(event: UsageEvent): void {
    const series = this.#routes.get(event.route) ?? this.#addRoute(event.route);
    const count = series.outcomes.get(event.outcome) ?? this.#addOutcome(series, event.outcome);
    count.n += 1;
    series.duration.observe(event.latencyMs / 1000);
  }

  #addRoute(route: string | null): RouteSeries {
    if (this.#routes.size >= MAX_ROUTES) {
      this.#overflow ??= newSeries(OVERFLOW_LABEL);
      return this.#overflow;
    }
    const series = newSeries(route ?? NO_ROUTE_LABEL);
    this.#routes.set(route, series);
    return series;
  }

  #addOutcome(series: RouteSeries, outcome: string): { n: number } {
    const { outcomes } = series;
    let key = outcome;
    if (outcomes.size >= MAX_OUTCOMES_PER_ROUTE) key = OVERFLOW_LABEL;
    let count = outcomes.get(key);
    if (count === undefined) {
      count = { n: 0 };
      outcomes.set(key, count);
    }
    return count;
  }

  *#allSeries(): Generator<RouteSeries> {
    yield* this.#routes.values();
    if (this.#overflow !== null) yield this.#overflow;
  }
}

function newSeries(route: string): RouteSeries {
  return {
    labels: Object.freeze({ route }),
    outcomes: new Map(),
    duration: new HistogramCells(REQUEST_DURATION_BUCKETS),
  };
}
