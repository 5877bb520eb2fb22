import type { SlotName } from './model.js';

/**
 * Per-minute usage rollups: one cell per key × minute × slot × outcome, counting requests, status
 * classes and latency (sum, max and a fixed histogram, so percentiles survive aggregation across
 * minutes and gateway nodes). Pure arithmetic; the pipeline fills cells, the store sums them.
 */

/** Upper bounds (ms) of the latency histogram's buckets; the last one is open-ended. */
export const LATENCY_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, Infinity];
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length;

export function latencyBucket(latencyMs: number): number {
  let i = 0;
  while (latencyMs > (LATENCY_BOUNDS_MS[i] as number)) i += 1;
  return i;
}

/** What a rollup cell counts. `buckets` has LATENCY_BUCKETS entries. */
export interface RollupCounts {
  requests: number;
  /** Answers by status class: index 0 = 1xx/other, 1 = 2xx, 2 = 3xx, 3 = 4xx, 4 = 5xx. */
  readonly statuses: number[];
  latencySumMs: number;
  latencyMaxMs: number;
  readonly buckets: number[];
}

export function emptyCounts(): RollupCounts {
  return {
    requests: 0,
    statuses: [0, 0, 0, 0, 0],
    latencySumMs: 0,
    latencyMaxMs: 0,
    buckets: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

export function statusClass(status: number): number {
  return status >= 200 && status < 600 ? Math.floor(status / 100) - 1 : 0;
}

/** Adds one request. */
export function countRequest(counts: RollupCounts, status: number, latencyMs: number): void {
  counts.requests += 1;
  (counts.statuses[statusClass(status)] as number) += 1;
  counts.latencySumMs += latencyMs;
  if (latencyMs > counts.latencyMaxMs) counts.latencyMaxMs = latencyMs;
  (counts.buckets[latencyBucket(latencyMs)] as number) += 1;
}

/** Adds `from` into `into`. */
export function addCounts(into: RollupCounts, from: RollupCounts): void {
  into.requests += from.requests;
  for (let i = 0; i < into.statuses.length; i += 1) {
    (into.statuses[i] as number) += from.statuses[i] ?? 0;
  }
  into.latencySumMs += from.latencySumMs;
  if (from.latencyMaxMs > into.latencyMaxMs) into.latencyMaxMs = from.latencyMaxMs;
  for (let i = 0; i < LATENCY_BUCKETS; i += 1) (into.buckets[i] as number) += from.buckets[i] ?? 0;
}

/**
 * The latency below which `quantile` of the requests fell: the upper bound of the bucket that
 * holds it, never more than the largest latency seen (so one slow request reads as itself).
 * Null when nothing was counted.
 */
export function latencyQuantile(counts: RollupCounts, quantile: number): number | null {
  if (counts.requests === 0) return null;
  const rank = Math.ceil(quantile * counts.requests);
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i += 1) {
    seen += counts.buckets[i] as number;
    if (seen >= rank) return Math.min(LATENCY_BOUNDS_MS[i] as number, counts.latencyMaxMs);
  }
  return counts.latencyMaxMs;
}

/** One stored rollup: a minute of one key's slot and outcome. */
export interface UsageRollup {
  readonly minute: Date;
  readonly keyId: string;
  readonly institutionId: string;
  /** Null when the request named the key but no slot (none today; kept for safety). */
  readonly slot: SlotName | null;
  readonly outcome: string;
  readonly counts: RollupCounts;
}

/** One point of a key's usage series. */
export interface UsagePoint {
  readonly at: Date;
  readonly requests: number;
  /** Requests answered 4xx or 5xx (refusals and upstream errors alike). */
  readonly errors: number;
  readonly status: {
    readonly '2xx': number;
    readonly '3xx': number;
    readonly '4xx': number;
    readonly '5xx': number;
  };
  readonly p95LatencyMs: number | null;
  readonly maxLatencyMs: number | null;
}

export type UsageSeries = Record<SlotName, UsagePoint[]>;

/**
 * Buckets rollups into `step`-wide points from `from` (inclusive) to `to` (exclusive), one series
 * per slot with every step present (zeros where idle), so charts need no gap filling.
 */
export function buildSeries(
  rollups: readonly UsageRollup[],
  from: Date,
  to: Date,
  stepMs: number,
): UsageSeries {
  const fromMs = from.getTime();
  const points = Math.max(0, Math.ceil((to.getTime() - fromMs) / stepMs));
  const cells: Record<SlotName, RollupCounts[]> = {
    primary: Array.from({ length: points }, emptyCounts),
    secondary: Array.from({ length: points }, emptyCounts),
  };
  for (const rollup of rollups) {
    if (rollup.slot === null) continue;
    const index = Math.floor((rollup.minute.getTime() - fromMs) / stepMs);
    const cell = cells[rollup.slot][index];
    if (cell !== undefined) addCounts(cell, rollup.counts);
  }
  const toPoints = (list: RollupCounts[]): UsagePoint[] =>
    list.map((c, i) => ({
      at: new Date(fromMs + i * stepMs),
      requests: c.requests,
      errors: (c.statuses[3] as number) + (c.statuses[4] as number),
      status: {
        '2xx': c.statuses[1] as number,
        '3xx': c.statuses[2] as number,
        '4xx': c.statuses[3] as number,
        '5xx': c.statuses[4] as number,
      },
      p95LatencyMs: latencyQuantile(c, 0.95),
      maxLatencyMs: c.requests === 0 ? null : c.latencyMaxMs,
    }));
  return { primary: toPoints(cells.primary), secondary: toPoints(cells.secondary) };
}
