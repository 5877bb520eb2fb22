import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import type { BenchOptions } from './bench-options.js';
import { BenchChild } from './child-process.js';
import { median } from './latency-recorder.js';
import { type LoadRequest, runLoad } from './load-generator.js';
import { CACHE_DIR } from './paths.js';
import type { ProcessStats, ServerReady } from './process-protocol.js';
import { type ScenarioResult, type ScenarioSummary, summarize } from './scenario-summary.js';
import { randomGuess } from './secret-source.js';
import type { SeededStore } from './seed-store.js';

/**
 * The HTTP half: an upstream, the bare proxy and the real Keyward server, each in its own process
 * (pinned to the servers' CPU), driven by the same load generator in this process (pinned to the
 * other CPU) — first closed-loop for throughput, then paced at one common rate for latency.
 */

/** Which CPU each side runs on (`taskset -c`), or null to let the OS decide. */
export interface Placement {
  readonly servers: string | null;
  readonly generator: string | null;
}

export interface StartFigures {
  /** `startKeyward()` alone, ms. */
  readonly startMs: number;
  /** Process start → gateway listening (module loading included), ms. */
  readonly readyAtMs: number;
  readonly rssBytes: number;
}

export interface GatewayStoreFigures {
  readonly keys: number;
  /** The very first start on the store (migration check, bootstrap with password hashing). */
  readonly firstStart: StartFigures;
  /** A restart of the same installation: what an operator waits for after an upgrade. */
  readonly restart: StartFigures;
  /** The same installation started as `--role gateway` (no admin API in the process). */
  readonly gatewayOnly: StartFigures;
}

export interface HttpPhaseResult {
  readonly route: string;
  readonly connections: number;
  /** The "same load" rate of the bare proxy and the valid-secret gateway runs. */
  readonly pacedRate: number;
  readonly closed: readonly ScenarioSummary[];
  readonly paced: readonly ScenarioSummary[];
  readonly gatewayStores: readonly GatewayStoreFigures[];
  /** The gateway process that served the load, on the large store. */
  readonly gatewayMemory: {
    readonly keys: number;
    readonly rssAfterStartBytes: number;
    readonly rssAfterLoadBytes: number;
    readonly maxRssBytes: number;
    readonly heapUsedAfterLoadBytes: number;
    /** The scenario during which the peak RSS was reached. */
    readonly peakReachedIn: string | null;
  };
  /** Failures per source address the gateway allows (config default) and what the invalid run used. */
  readonly failureLimit: { readonly maxFailuresPerIp: number; readonly requestsPerAddress: number };
}

const ROUTE = '/bench';
const PATH = '/bench/hello';
const UPSTREAM_TIMEOUT_MS = 30_000;
const PRIME_MS = 3_000;
/** Random guesses per X-Forwarded-For address: under the default limit of 30 per minute. */
const GUESSES_PER_ADDRESS = 16;

/** The gateway's failure limit per client address, as `loadConfig` defaults it. */
function defaultMaxFailuresPerIp(): number {
  return loadConfig({}, {}, join(tmpdir(), 'keyward-bench-no-config')).gateway.maxFailuresPerIp;
}

/** Guesses sent so far in this run: addresses are never reused across scenarios. */
let guesses = 0;

/** 10.0.0.0/8 addresses, a new one every GUESSES_PER_ADDRESS guesses. */
function nextForwardedFor(): string {
  const m = Math.floor(guesses++ / GUESSES_PER_ADDRESS);
  return `10.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}`;
}

export async function startServer(
  role: Parameters<BenchChild['send']>[0],
  cpu: string | null,
  nodeArgs: readonly string[],
): Promise<{ child: BenchChild; ready: ServerReady }> {
  const child = new BenchChild('./server-process.js', cpu, nodeArgs);
  child.send(role);
  try {
    return { child, ready: await child.next('ready') };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

export async function statsOf(child: BenchChild | null): Promise<ProcessStats | null> {
  if (child === null) return null;
  child.send({ type: 'stats' });
  return child.next('stats');
}

/** A copy of a seeded store as a fresh data directory, with the benchmark's config file. */
async function prepareDataDir(store: SeededStore, upstream: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-bench-'));
  for (const name of await readdir(store.dir)) {
    if (name === 'meta.json') continue;
    await copyFile(join(store.dir, name), join(dir, name));
  }
  await chmod(join(dir, 'keyring.json'), 0o600);
  const config = {
    secretPrefix: store.secrets.prefix,
    logLevel: 'info',
    gateway: {
      // The load generator stands in for a load balancer on loopback: its X-Forwarded-For is
      // believed, so the invalid-secret flood spreads over many client addresses.
      trustedProxies: ['127.0.0.1/32'],
      upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
      routes: [{ path: ROUTE, upstream }],
    },
  };
  await writeFile(join(dir, 'keyward.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

function startFigures(ready: ServerReady): StartFigures {
  return { startMs: ready.startMs, readyAtMs: ready.readyAtMs, rssBytes: ready.rssBytes };
}

interface Target {
  readonly name: string;
  readonly server: BenchChild | null;
  readonly origin: string;
  readonly request: () => LoadRequest;
}

export async function runHttpPhase(
  options: BenchOptions,
  small: SeededStore,
  big: SeededStore,
  placement: Placement,
  log: (line: string) => void,
): Promise<HttpPhaseResult> {
  const cleanup: string[] = [];
  const children: BenchChild[] = [];
  const profileArgs = [
    ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(CACHE_DIR, 'profiles')}`] : []),
    ...options.serverFlags,
  ];
  const started = async (role: Parameters<BenchChild['send']>[0]) => {
    const server = await startServer(role, placement.servers, profileArgs);
    children.push(server.child);
    return server;
  };
  const measure = async (target: Target, rate: number | null): Promise<ScenarioResult> => {
    log(`  ${target.name}${rate === null ? '' : ` at ${Math.round(rate)} req/s`} …`);
    const before = await statsOf(target.server);
    const wallStart = performance.now();
    const load = await runLoad({
      origin: target.origin,
      connections: options.connections,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      rate,
      request: target.request,
    });
    const wall = performance.now() - wallStart;
    const after = await statsOf(target.server);
    if (after !== null && target.name.startsWith('gateway')) {
      peaks.push({ scenario: target.name, maxRssBytes: after.maxRssBytes });
    }
    const cpu = before === null || after === null ? null : after.cpuUs - before.cpuUs;
    return {
      name: target.name,
      load,
      serverCpuUsPerRequest: cpu === null || load.answered === 0 ? null : cpu / load.answered,
      serverCpuShare: cpu === null ? null : cpu / 1000 / wall,
      serverRssBytes: after?.rssBytes ?? null,
      serverMaxRssBytes: after?.maxRssBytes ?? null,
    };
  };

  const peaks: { scenario: string; maxRssBytes: number }[] = [];
  /** `options.rounds` rounds of `first` (and `second`, alternating); results per target. */
  const rounds = async (
    first: Target,
    second: Target | null,
    rate: number | null,
  ): Promise<[ScenarioResult[], ScenarioResult[]]> => {
    const a: ScenarioResult[] = [];
    const b: ScenarioResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      a.push(await measure(first, rate));
      if (second !== null) b.push(await measure(second, rate));
    }
    return [a, b];
  };

  try {
    const upstream = await started({ type: 'start', role: 'upstream' });
    const upstreamUrl = upstream.ready.url;
    const bare = await started({
      type: 'start',
      role: 'bare',
      upstream: upstreamUrl,
      upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    });

    // Start figures: a first start (bootstrap), a restart with every role and a start as
    // `--role gateway` on each store; the large store's gateway-only process then takes the load
    // (a gateway node as it is deployed to scale out; the all-in-one process forwards through the
    // same code). Idle servers cost nothing while another is measured.
    const gatewayStores: GatewayStoreFigures[] = [];
    let secret = '';
    let gateway: { child: BenchChild; ready: ServerReady } | null = null;
    for (const store of [small, big]) {
      log(`  starting Keyward on the ${store.keys.toLocaleString('en-US')}-key store …`);
      const dataDir = await prepareDataDir(store, upstreamUrl);
      cleanup.push(dataDir);
      const adminPassword = randomBytes(18).toString('base64url');
      const role = { type: 'start', role: 'gateway', dataDir, adminPassword } as const;
      const first = await started({ ...role, createKey: store === big });
      await first.child.stop();
      const again = await started({ ...role, createKey: false });
      await again.child.stop();
      const alone = await started({ ...role, createKey: false, gatewayOnly: true });
      gatewayStores.push({
        keys: store.keys,
        firstStart: startFigures(first.ready),
        restart: startFigures(again.ready),
        gatewayOnly: startFigures(alone.ready),
      });
      if (store === big) {
        secret = first.ready.secrets?.primary ?? '';
        gateway = alone;
      } else {
        await alone.child.stop();
      }
    }
    if (gateway === null || secret === '') throw new Error('the gateway did not report a key');

    // Every request carries a secret header; the bare proxy strips it as the gateway does.
    const prefix = big.secrets.prefix;
    const fixed = (headers: string[]) => () => ({ path: PATH, headers });
    const anySecret = fixed(['x-api-key', randomGuess(prefix)]);
    const direct: Target = {
      name: 'upstream direct (reference)',
      server: null,
      origin: upstreamUrl,
      request: anySecret,
    };
    const bareTarget: Target = {
      name: 'bare proxy',
      server: bare.child,
      origin: bare.ready.url,
      request: anySecret,
    };
    const validTarget: Target = {
      name: 'gateway, valid secret',
      server: gateway.child,
      origin: gateway.ready.url,
      request: fixed(['x-api-key', secret]),
    };
    const invalidTarget: Target = {
      name: 'gateway, invalid secrets',
      server: gateway.child,
      origin: gateway.ready.url,
      request: () => ({
        path: PATH,
        headers: ['x-api-key', randomGuess(prefix), 'x-forwarded-for', nextForwardedFor()],
      }),
    };
    const afterFlood: Target = { ...validTarget, name: 'gateway, valid secret, after the flood' };

    // 1. Valid traffic: closed loop, then paced at one common rate, in rounds alternating the
    //    bare proxy and the gateway so drift in the machine's state hits both alike. This runs
    //    before any invalid secret, so the comparison is not coloured by a flood's aftermath.
    // Each server gets the same unrecorded closed-loop run first: a process just started runs
    // cold (JIT, connection pools) for a few seconds, which is not what is being compared.
    for (const target of [direct, bareTarget, validTarget]) {
      log(`  priming ${target.name} …`);
      await runLoad({
        origin: target.origin,
        connections: options.connections,
        warmupMs: 0,
        durationMs: PRIME_MS,
        rate: null,
        request: target.request,
      });
    }
    const directRun = await measure(direct, null);
    const bareClosed = await rounds(bareTarget, validTarget, null);
    const rate = Math.max(
      100,
      Math.round(median(bareClosed[0].map((r) => r.load.rps)) * options.pacedFraction),
    );
    const sameLoad = await rounds(bareTarget, validTarget, rate);
    // 2. A flood of invalid secrets; paced at the same rate only if the gateway sustains it.
    const floodClosed = await rounds(invalidTarget, null, null);
    const invalidRps = median(floodClosed[0].map((r) => r.load.rps));
    const floodRate =
      invalidRps * 0.8 >= rate
        ? rate
        : Math.max(100, Math.round(invalidRps * options.pacedFraction));
    const floodPaced = await rounds(invalidTarget, null, floodRate);
    // 3. Valid traffic again, at the common rate, on the gateway the flood left behind (caches
    //    and failure counters full).
    const aftermath = await rounds(afterFlood, null, rate);

    const closed = [
      summarize(direct.name, null, [directRun]),
      summarize(bareTarget.name, null, bareClosed[0]),
      summarize(validTarget.name, null, bareClosed[1]),
      summarize(invalidTarget.name, null, floodClosed[0]),
    ];
    const paced = [
      summarize(bareTarget.name, rate, sameLoad[0]),
      summarize(validTarget.name, rate, sameLoad[1]),
      summarize(invalidTarget.name, floodRate, floodPaced[0]),
      summarize(afterFlood.name, rate, aftermath[0]),
    ];

    gateway.child.send({ type: 'stats' });
    const after = await gateway.child.next('stats');
    return {
      route: ROUTE,
      connections: options.connections,
      pacedRate: rate,
      closed,
      paced,
      gatewayStores,
      gatewayMemory: {
        keys: big.keys,
        rssAfterStartBytes: gateway.ready.rssBytes,
        rssAfterLoadBytes: after.rssBytes,
        maxRssBytes: after.maxRssBytes,
        heapUsedAfterLoadBytes: after.heapUsedBytes,
        peakReachedIn: peaks.find((p) => p.maxRssBytes >= after.maxRssBytes)?.scenario ?? null,
      },
      failureLimit: {
        maxFailuresPerIp: defaultMaxFailuresPerIp(),
        requestsPerAddress: GUESSES_PER_ADDRESS,
      },
    };
  } finally {
    for (const child of children) await child.stop();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  }
}
