import { Histogram, type Registry } from 'prom-client';

/**
 * Histograms on the hot path. prom-client's own `observe` costs about 0.3 µs and allocates a
 * closure and a labels object on every call (measured here); these cells cost a few array
 * writes and allocate nothing, and prom-client builds the exposition from them only when
 * scraped.
 */

/** One histogram series: plain counts per bucket, its sum and its count. */
export class HistogramCells {
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last one is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds one observation. Ignores a negative or non-finite value (never throws). */
  observe(value: number): void {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts as { [i: number]: number })[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A series to expose: its labels (not `le`) and its cells. */
export type HistogramSeries = readonly [Readonly<Record<string, string>>, HistogramCells];

type HistogramData = Awaited<ReturnType<Histogram<string>['get']>>;

/**
 * The type the registry prints (`# TYPE … histogram`). prom-client's typings declare `type` as a
 * numeric enum that does not exist at run time; every metric really carries its name as a string.
 */
const HISTOGRAM_TYPE = 'histogram' as unknown as HistogramData['type'];

/** The typings also ask for a `collect` in the result (the registry never calls it). */
function collectNothing(): void {}

/**
 * A prom-client histogram whose values are read from cells at scrape time. Registered like any
 * prom-client metric, so the registry formats and escapes it; `series` is called once per scrape.
 */
export class PulledHistogram extends Histogram<string> {
  readonly #name: string;
  readonly #help: string;
  readonly #series: () => Iterable<HistogramSeries>;
  readonly #bounds: readonly number[];

  constructor(config: {
    readonly name: string;
    readonly help: string;
    readonly labelNames: readonly string[];
    readonly buckets: readonly number[];
    readonly registry: Registry;
    readonly series: () => Iterable<HistogramSeries>;
  }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      buckets: [...config.buckets],
      registers: [config.registry],
    });
    this.#name = config.name;
    this.#help = config.help;
    this.#series = config.series;
    this.#bounds = config.buckets;
  }

  override async get(): Promise<HistogramData> {
    const name = this.#name;
    const values: HistogramData['values'] = [];
    for (const [labels, cells] of this.#series()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += cells.counts[i] as number;
        const le = i < this.#bounds.length ? (this.#bounds[i] as number) : '+Inf';
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
      }
      values.push({ labels, value: cells.sum, metricName: `${name}_sum` });
      values.push({ labels, value: cells.count, metricName: `${name}_count` });
    }
    return {
      name,
      help: this.#help,
      type: HISTOGRAM_TYPE,
      values,
      aggregator: 'sum',
      collect: collectNothing,
    };
  }

  /**
   * prom-client's registry formats a histogram from this method when it exists (Histogram has
   * it); without this override it would read the base class's empty state instead of the cells.
   */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }
}
