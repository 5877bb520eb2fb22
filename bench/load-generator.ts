import { type Dispatcher, Pool } from 'undici';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';

/**
 * The HTTP load generator: keep-alive connections from an undici Pool, driven either
 *
 * - **closed-loop** (`rate: null`): each connection sends its next request as soon as the previous
 *   answer ended — the throughput a server sustains with `connections` clients in flight; or
 * - **paced** (`rate` requests/s in total): requests are due on a fixed schedule whatever the
 *   server does, and latency is measured from when a request was *due*, not from when it could
 *   be sent (no coordinated omission: a stall shows up in every request it delayed).
 *
 * It uses `dispatch` with a minimal handler (no body streams, no promises per request) so the
 * generator stays cheap next to the servers it measures. Latencies are in microseconds.
 */

export interface LoadRequest {
  readonly path: string;
  /** Flat `[name, value, …]`, as undici takes them. */
  readonly headers: readonly string[];
}

export interface LoadSpec {
  readonly origin: string;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Total requests per second on a fixed schedule; null for closed-loop. */
  readonly rate: number | null;
  /** Request number `n` (counted from 0 across warm-up and measurement). */
  readonly request: (n: number) => LoadRequest;
}

export interface LoadResult {
  /** Requests started inside the measured window and answered. */
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly latencyUs: LatencySummary;
  /** Status code → count, for measured requests. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Transport errors (resets, refused, timeouts) among measured requests. */
  readonly errors: number;
  /** The load generator's own CPU use during the window (1.0 = one core). */
  readonly generatorCpu: number;
  /** Paced runs only: requests that were due but could not be sent (the generator fell behind). */
  readonly late: number;
  /** Every answered request, warm-up included (for per-request server CPU). */
  readonly answered: number;
}

class Probe implements Dispatcher.DispatchHandler {
  status = 0;

  constructor(
    readonly run: LoadRun,
    readonly dueAt: number,
    readonly measured: boolean,
  ) {}

  /** Its presence marks the new handler API to undici (which checks for it). */
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(): void {}

  onResponseEnd(): void {
    this.run.done(this, null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.run.done(this, error);
  }
}

class LoadRun {
  readonly pool: Pool;
  readonly latency = new LatencyRecorder();
  readonly statuses = new Map<number, number>();
  errors = 0;
  sent = 0;
  inFlight = 0;
  measureStart = 0;
  measureEnd = 0;
  stopAt = 0;
  measuredAnswered = 0;
  answered = 0;
  late = 0;
  #finished: (() => void) | null = null;

  constructor(readonly spec: LoadSpec) {
    this.pool = new Pool(spec.origin, {
      connections: spec.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  send(dueAt: number): void {
    const request = this.spec.request(this.sent++);
    const measured = dueAt >= this.measureStart && dueAt < this.measureEnd;
    const probe = new Probe(this, dueAt, measured);
    this.inFlight++;
    this.pool.dispatch(
      {
        origin: this.spec.origin,
        path: request.path,
        method: 'GET',
        headers: request.headers as string[],
      },
      probe,
    );
  }

  done(probe: Probe, error: Error | null): void {
    this.inFlight--;
    const now = performance.now();
    if (error === null) this.answered++;
    if (probe.measured) {
      if (error === null) {
        this.latency.record((now - probe.dueAt) * 1000);
        this.statuses.set(probe.status, (this.statuses.get(probe.status) ?? 0) + 1);
        this.measuredAnswered++;
      } else {
        this.errors++;
      }
    }
    if (this.spec.rate === null && now < this.stopAt) this.send(now);
    else if (this.inFlight === 0 && now >= this.stopAt) this.#finished?.();
  }

  whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.inFlight === 0) resolve();
      else this.#finished = resolve;
    });
  }
}

/** Runs one scenario: warm-up (not recorded), then the measured window. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const run = new LoadRun(spec);
  const start = performance.now();
  run.measureStart = start + spec.warmupMs;
  run.measureEnd = run.measureStart + spec.durationMs;
  run.stopAt = run.measureEnd;
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  const cpuTimer = setTimeout(() => {
    cpuAtStart = process.cpuUsage();
  }, spec.warmupMs);

  if (spec.rate === null) {
    for (let i = 0; i < spec.connections; i++) run.send(performance.now());
  } else {
    await pace(run, spec.rate, start);
  }
  await run.whenDrained();
  clearTimeout(cpuTimer);
  const cpu = process.cpuUsage(cpuAtStart ?? undefined);
  await run.pool.close();

  const seconds = spec.durationMs / 1000;
  const statuses: Record<string, number> = {};
  for (const [status, count] of [...run.statuses].sort((a, b) => a[0] - b[0])) {
    statuses[String(status)] = count;
  }
  return {
    requests: run.measuredAnswered,
    seconds,
    rps: run.measuredAnswered / seconds,
    latencyUs: run.latency.summary(),
    statuses,
    errors: run.errors,
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    late: run.late,
    answered: run.answered,
  };
}

/**
 * Sends on schedule: every tick, whatever fell due since the last one goes out, each stamped
 * with its own due time. A cap on requests in flight keeps a stalled server from making the
 * generator queue without bound; skipped requests are counted as `late`.
 */
function pace(run: LoadRun, rate: number, start: number): Promise<void> {
  const interval = 1000 / rate;
  const maxInFlight = run.spec.connections * 16;
  let due = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (start + due * interval <= now) {
        const dueAt = start + due * interval;
        due++;
        if (dueAt >= run.stopAt) {
          resolve();
          return;
        }
        if (run.inFlight >= maxInFlight) {
          if (dueAt >= run.measureStart) run.late++;
          continue;
        }
        run.send(dueAt);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}
