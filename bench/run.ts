import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseBenchOptions } from './bench-options.js';
import { type HttpPhaseResult, type Placement, runHttpPhase } from './http-phase.js';
import { type BenchReport, checkTargets, renderReport } from './report.js';
import { renderScanPhase, runScanPhase } from './scan-phase.js';
import { seededStore } from './seed-store.js';
import { runUsagePhase, type UsageStoreResult } from './usage-phase.js';
import { runVerifyPhase, type VerifyStoreResult } from './verify-phase.js';

/**
 * `npm run bench`: the gateway beside a bare Node.js proxy measured in the same run, and the
 * verification hot path in process on a small and a large SQLite store. Not a test: it prints
 * figures (a table, or `--json`) and the targets next to them; it never fails on them.
 * Progress goes to stderr. Traffic stays on 127.0.0.1 and every phase is bounded in time.
 */

const options = parseBenchOptions(process.argv.slice(2));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const PREFIX = 'kw_live';

function tasksetWorks(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * On two or more CPUs, servers (upstream and the proxy under test, one at a time) share CPU 0 and
 * this process — the load generator — takes CPU 1, so the generator never steals the servers'
 * core. The in-process verify runs also use CPU 0: "one core".
 */
function choosePlacement(): { placement: Placement; description: string } {
  const count = cpus().length;
  if (!options.pin || count < 2 || !tasksetWorks()) {
    return {
      placement: { servers: null, generator: null },
      description: 'processes not pinned (OS scheduling)',
    };
  }
  return {
    placement: { servers: '0', generator: '1' },
    description: 'servers and verify runs pinned to CPU 0, load generator to CPU 1',
  };
}

function pinSelf(cpu: string): void {
  execFileSync('taskset', ['-a', '-cp', cpu, String(process.pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  if (options.scan) {
    // `--only scan`: its own figures, no servers, no stores.
    const scan = await runScanPhase(options.quick, log);
    const json = `${JSON.stringify({ node: process.version, scan }, null, 2)}\n`;
    if (options.jsonOut !== null) await writeFile(options.jsonOut, json);
    process.stdout.write(options.json ? json : renderScanPhase(scan));
    return;
  }
  const loadAverageBefore = loadavg();
  const { placement, description } = choosePlacement();
  log(`keyward bench${options.quick ? ' --quick' : ''}: ${description}`);

  // Seeding uses every core; pinning comes after.
  const seeds = options.http || options.verify;
  const small = seeds ? await seededStore(options.smallKeys, PREFIX, log) : null;
  const big = seeds ? await seededStore(options.keys, PREFIX, log) : null;
  if (placement.generator !== null) pinSelf(placement.generator);

  let verify: VerifyStoreResult[] | null = null;
  if (options.verify && small !== null && big !== null) {
    log('verify throughput in process …');
    verify = await runVerifyPhase(options, [small, big], placement.servers, log);
  }
  let http: HttpPhaseResult | null = null;
  if (options.http && small !== null && big !== null) {
    log('HTTP scenarios …');
    http = await runHttpPhase(options, small, big, placement, log);
  }
  let usage: UsageStoreResult[] | null = null;
  if (options.usage) {
    log('usage persistence on vs off …');
    usage = await runUsagePhase(options, placement, log);
  }
  const report: BenchReport = {
    environment: {
      node: process.version,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cpus: cpus().length,
      loadAverageBefore,
      loadAverageAfter: loadavg(),
      placement: description,
      seededSeconds: Object.fromEntries(
        [small, big].flatMap((s) => (s === null ? [] : [[`${s.keys} keys`, s.builtSeconds]])),
      ),
    },
    options,
    verify,
    http,
    usage,
    targets: checkTargets(options, verify, http, usage),
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.jsonOut !== null) await writeFile(options.jsonOut, json);
  process.stdout.write(options.json ? json : renderReport(report));
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
