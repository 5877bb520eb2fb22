import { median } from './latency-recorder.js';
import type { LoadResult } from './load-generator.js';

/** One measured run of an HTTP scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly load: LoadResult;
  /** CPU time of the process under test per answered request, in µs (null: not measured). */
  readonly serverCpuUsPerRequest: number | null;
  /** Share of one core the process under test used during the scenario. */
  readonly serverCpuShare: number | null;
  /** The process under test's RSS, and its peak RSS so far, when the scenario ended. */
  readonly serverRssBytes: number | null;
  readonly serverMaxRssBytes: number | null;
}

/** One scenario over its rounds: medians, with statuses and failures summed. */
export interface ScenarioSummary {
  readonly name: string;
  /** Paced rate in req/s; null for closed loop. */
  readonly rate: number | null;
  readonly rounds: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly serverCpuUsPerRequest: number | null;
  readonly serverCpuShare: number | null;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly late: number;
  readonly runs: readonly ScenarioResult[];
}

/** The scenario over its rounds: medians of each figure, statuses and failures summed. */
export function summarize(
  name: string,
  rate: number | null,
  runs: ScenarioResult[],
): ScenarioSummary {
  const statuses: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, n] of Object.entries(run.load.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + n;
    }
  }
  const mid = (pick: (r: ScenarioResult) => number | null): number | null => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : median(values);
  };
  return {
    name,
    rate,
    rounds: runs.length,
    rps: mid((r) => r.load.rps) ?? 0,
    p50Us: mid((r) => r.load.latencyUs.p50) ?? Number.NaN,
    p99Us: mid((r) => r.load.latencyUs.p99) ?? Number.NaN,
    p999Us: mid((r) => r.load.latencyUs.p999) ?? Number.NaN,
    serverCpuUsPerRequest: mid((r) => r.serverCpuUsPerRequest),
    serverCpuShare: mid((r) => r.serverCpuShare),
    statuses,
    errors: runs.reduce((n, r) => n + r.load.errors, 0),
    late: runs.reduce((n, r) => n + r.load.late, 0),
    runs,
  };
}
