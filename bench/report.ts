import type { BenchOptions } from './bench-options.js';
import type { HttpPhaseResult } from './http-phase.js';
import type { ScenarioSummary } from './scenario-summary.js';
import type { UsageStoreResult } from './usage-phase.js';
import type { VerifyStoreResult } from './verify-phase.js';

export interface BenchEnvironment {
  readonly node: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly placement: string;
  readonly seededSeconds: Readonly<Record<string, number>>;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

export interface BenchReport {
  readonly environment: BenchEnvironment;
  readonly options: BenchOptions;
  readonly verify: readonly VerifyStoreResult[] | null;
  readonly http: HttpPhaseResult | null;
  readonly usage: readonly UsageStoreResult[] | null;
  readonly targets: readonly TargetCheck[];
}

const MB = 1024 * 1024;

function keysLabel(keys: number): string {
  return `${keys.toLocaleString('en-US')} keys`;
}

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function statuses(result: ScenarioSummary): string {
  const parts = Object.entries(result.statuses).map(([status, n]) => `${status}×${n}`);
  if (result.errors > 0) parts.push(`errors×${result.errors}`);
  if (result.late > 0) parts.push(`late×${result.late}`);
  return parts.join(' ');
}

function share(value: number | null): string {
  return value === null ? '–' : `${Math.round(value * 100)} %`;
}

/** Left-aligned first and `statuses` columns, right-aligned numbers, two spaces between. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        return i === 0 || head[i] === 'statuses' ? cell.padEnd(w) : cell.padStart(w);
      })
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function findScenario(list: readonly ScenarioSummary[], name: string): ScenarioSummary | undefined {
  return list.find((s) => s.name === name);
}

/** The issue's targets, judged on this run's figures. */
export function checkTargets(
  options: BenchOptions,
  verify: readonly VerifyStoreResult[] | null,
  http: HttpPhaseResult | null,
  usage: readonly UsageStoreResult[] | null,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const u of usage ?? []) {
    for (const node of u.nodes.filter((n) => n.name !== 'off')) {
      checks.push({
        target: `usage persistence ${node.name} costs ≤ 10 % of gateway throughput (${u.store})`,
        measured: `${node.ratio.toFixed(3)} × off (CPU ${fixed(node.cpuUsPerRequest, 1)} vs ${fixed(u.nodes[0]?.cpuUsPerRequest, 1)} µs/request)`,
        met: node.ratio >= 0.9,
      });
      checks.push({
        target: `0 usage events dropped at full load, ${node.name} (${u.store})`,
        measured: node.usage === null ? 'not reported' : `${node.usage.dropped} dropped`,
        met: node.usage === null ? null : node.usage.dropped === 0,
      });
    }
  }
  const bigLabel = keysLabel(options.keys);
  if (http !== null) {
    const bare = findScenario(http.closed, 'bare proxy');
    const gw = findScenario(http.closed, 'gateway, valid secret');
    if (bare && gw) {
      const ratio = gw.rps / bare.rps;
      checks.push({
        target: 'gateway rps ≥ 0.90 × bare proxy (valid secret, closed loop)',
        measured: `${ratio.toFixed(3)} × (${thousands(gw.rps)} vs ${thousands(bare.rps)} req/s)`,
        met: ratio >= 0.9,
      });
    }
    const pacedBare = findScenario(http.paced, 'bare proxy');
    const pacedGw = findScenario(http.paced, 'gateway, valid secret');
    if (pacedBare && pacedGw) {
      const added = (pacedGw.p99Us - pacedBare.p99Us) / 1000;
      checks.push({
        target: `p99 added ≤ 0.3 ms at the same load (${thousands(http.pacedRate)} req/s)`,
        measured: `${added.toFixed(3)} ms`,
        met: added <= 0.3,
      });
    }
    checks.push({
      target: `gateway RSS ≤ 200 MB on ${bigLabel} (--role gateway, peak, after load)`,
      measured: `${fixed(http.gatewayMemory.maxRssBytes / MB, 1)} MB`,
      met: http.gatewayMemory.maxRssBytes <= 200 * MB,
    });
    const bigStart = http.gatewayStores.find((s) => s.keys === options.keys);
    if (bigStart) {
      checks.push({
        target: `start ≤ 2 s on ${bigLabel} (process start → listening, restart)`,
        measured: `${fixed(bigStart.restart.readyAtMs / 1000, 2)} s (startKeyward ${fixed(bigStart.restart.startMs, 0)} ms)`,
        met: bigStart.restart.readyAtMs <= 2000,
      });
    }
  }
  if (verify !== null && verify.length > 0) {
    const minCached = Math.min(...verify.map((v) => v.cached.opsPerSecond));
    const minUncached = Math.min(...verify.map((v) => v.uncached.opsPerSecond));
    checks.push({
      target: 'cached verification ≥ 300k/s on one core',
      measured: `${thousands(minCached)}/s (slowest store)`,
      met: minCached >= 300_000,
    });
    checks.push({
      target: 'uncached verification from SQLite ≥ 50k/s',
      measured: `${thousands(minUncached)}/s (slowest store)`,
      met: minUncached >= 50_000,
    });
    const small = verify.find((v) => v.keys === options.smallKeys);
    const big = verify.find((v) => v.keys === options.keys);
    if (small && big) {
      for (const kind of ['uncached', 'cached'] as const) {
        const ratio = big[kind].p99Us / small[kind].p99Us;
        checks.push({
          target: `${kind} verify p99 on ${bigLabel} within 10 % of ${keysLabel(small.keys)}`,
          measured: `${fixed(big[kind].p99Us, 1)} µs vs ${fixed(small[kind].p99Us, 1)} µs (${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %)`,
          met: ratio <= 1.1,
        });
      }
    }
  }
  return checks;
}

/** The human-readable report. */
export function renderReport(report: BenchReport): string {
  const { environment: env, options, http, verify } = report;
  const out: string[] = [];
  out.push(
    `Keyward benchmark${options.quick ? ' (--quick)' : ''} — Node ${env.node}, ${env.cpus} × ${env.cpuModel}`,
    `load average before ${env.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')}, after ${env.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')}; ${env.placement}`,
    '',
  );
  if (http !== null) {
    const bare = findScenario(http.closed, 'bare proxy');
    const rounds = options.rounds > 1 ? `, median of ${options.rounds} rounds` : '';
    out.push(
      `HTTP, closed loop: ${http.connections} keep-alive connections, ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s${rounds} (gateway on ${keysLabel(http.gatewayMemory.keys)})`,
      table(
        [
          'scenario',
          'req/s',
          '× bare',
          'p50 ms',
          'p99 ms',
          'server CPU µs/req',
          '× bare',
          'server CPU',
          'statuses',
        ],
        http.closed.map((s) => [
          s.name,
          thousands(s.rps),
          bare ? (s.rps / bare.rps).toFixed(3) : '–',
          fixed(s.p50Us / 1000, 2),
          fixed(s.p99Us / 1000, 2),
          fixed(s.serverCpuUsPerRequest, 1),
          bare?.serverCpuUsPerRequest && s.serverCpuUsPerRequest !== null
            ? (s.serverCpuUsPerRequest / bare.serverCpuUsPerRequest).toFixed(2)
            : '–',
          share(s.serverCpuShare),
          statuses(s),
        ]),
      ),
      '',
    );
    const pacedBare = findScenario(http.paced, 'bare proxy');
    out.push(
      `HTTP, same load: paced (${Math.round(options.pacedFraction * 100)} % of the bare proxy's closed-loop rate)${rounds}; latency from each request's due time`,
      table(
        [
          'scenario',
          'req/s',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'added p99 ms',
          'server CPU',
          'statuses',
        ],
        http.paced.map((s) => [
          s.name,
          thousands(s.rate ?? 0),
          fixed(s.p50Us / 1000, 3),
          fixed(s.p99Us / 1000, 3),
          fixed(s.p999Us / 1000, 3),
          pacedBare && s.rate === pacedBare.rate
            ? fixed((s.p99Us - pacedBare.p99Us) / 1000, 3)
            : '(other rate)',
          share(s.serverCpuShare),
          statuses(s),
        ]),
      ),
      `invalid secrets: random well-formed guesses, X-Forwarded-For rotated over 10.0.0.0/8 every ${http.failureLimit.requestsPerAddress} requests (trusted proxy 127.0.0.1/32; the default limit of ${http.failureLimit.maxFailuresPerIp} failures/min per address stays in force)`,
      '',
      'Keyward process',
      table(
        [
          'store',
          'first start: ready s',
          'startKeyward ms',
          'restart: ready s',
          'startKeyward ms',
          'RSS MB',
          '--role gateway: ready s',
          'RSS MB',
        ],
        http.gatewayStores.map((g) => [
          keysLabel(g.keys),
          fixed(g.firstStart.readyAtMs / 1000, 2),
          fixed(g.firstStart.startMs, 0),
          fixed(g.restart.readyAtMs / 1000, 2),
          fixed(g.restart.startMs, 0),
          fixed(g.restart.rssBytes / MB, 1),
          fixed(g.gatewayOnly.readyAtMs / 1000, 2),
          fixed(g.gatewayOnly.rssBytes / MB, 1),
        ]),
      ),
      `--role gateway under load on ${keysLabel(http.gatewayMemory.keys)}: RSS ${fixed(http.gatewayMemory.rssAfterStartBytes / MB, 1)} MB after start, ${fixed(http.gatewayMemory.rssAfterLoadBytes / MB, 1)} MB after load (V8 heap used ${fixed(http.gatewayMemory.heapUsedAfterLoadBytes / MB, 1)} MB), peak ${fixed(http.gatewayMemory.maxRssBytes / MB, 1)} MB${http.gatewayMemory.peakReachedIn === null ? '' : ` (reached during "${http.gatewayMemory.peakReachedIn}")`}`,
      '',
    );
  }
  if (verify !== null) {
    out.push(
      `Verify in process (real Verifier, SQLite store; one core; ${options.verifyRepeat} × ${options.verifyDurationMs / 1000} s per case, medians)`,
      table(
        ['store', 'case', 'verifications/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'not valid'],
        verify.flatMap((v) =>
          (['cached', 'uncached'] as const).map((kind) => [
            keysLabel(v.keys),
            kind === 'uncached' ? `uncached (${thousands(v.uncachedDistinct)} distinct)` : kind,
            thousands(v[kind].opsPerSecond),
            fixed(v[kind].p50Us, 1),
            fixed(v[kind].p99Us, 1),
            fixed(v[kind].p999Us, 1),
            String(v[kind].notValid),
          ]),
        ),
      ),
      '',
    );
  }
  if (report.usage !== null && report.usage.length > 0) {
    out.push(
      `Usage persistence (gateway-only nodes, valid secret, closed loop; ${report.usage[0]?.rounds} round(s) each in turn, medians)`,
      table(
        [
          'store',
          'usage',
          'req/s',
          '× off',
          'CPU µs/req',
          'answered',
          'raw events written',
          'rollup cells',
          'dropped',
        ],
        report.usage.flatMap((u) =>
          u.nodes.map((n) => [
            u.store,
            n.name,
            thousands(n.rps),
            n.ratio.toFixed(3),
            fixed(n.cpuUsPerRequest, 1),
            thousands(n.answered),
            n.usage === null ? '–' : thousands(n.usage.parts.events?.written ?? 0),
            n.usage === null ? '–' : thousands(n.usage.parts.rollups?.written ?? 0),
            n.usage === null ? '–' : String(n.usage.dropped),
          ]),
        ),
      ),
      '',
    );
  }
  const seeded = Object.entries(env.seededSeconds).filter(([, s]) => s > 0);
  if (seeded.length > 0) {
    out.push(
      `seeded this run: ${seeded.map(([k, s]) => `${k} in ${s.toFixed(1)} s`).join(', ')}`,
      '',
    );
  }
  out.push(
    'Targets',
    ...report.targets.map(
      (t) => `  ${t.met === null ? '?   ' : t.met ? 'ok  ' : 'MISS'}  ${t.target}: ${t.measured}`,
    ),
  );
  return `${out.join('\n')}\n`;
}
