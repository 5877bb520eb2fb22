import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { UsageStats } from '../src/services/usage-pipeline.js';
import type { BenchOptions } from './bench-options.js';
import type { BenchChild } from './child-process.js';
import { type Placement, startServer, statsOf } from './http-phase.js';
import { median } from './latency-recorder.js';
import { runLoad } from './load-generator.js';
import type { ServerReady } from './process-protocol.js';

/**
 * Usage persistence on vs off: three gateway nodes on one store, identical but for their `usage`
 * settings, driven in turn with valid-secret traffic in closed loop. "off": nothing persisted.
 * "on": the default — per-slot last use and clients, per-minute rollups, raw events of refused
 * requests, the detectors — written in one transaction per flush. "on + every raw event":
 * `rawEvents: "all"`, a row per request. Run on SQLite and on PostgreSQL.
 */

export interface UsageNodeResult {
  readonly name: 'off' | 'on' | 'on + every raw event';
  /** Medians over the rounds. */
  readonly rps: number;
  readonly cpuUsPerRequest: number | null;
  /** rps / the "off" node's rps. */
  readonly ratio: number;
  /** Requests answered (priming included) and what the node's pipeline wrote and dropped. */
  readonly answered: number;
  readonly usage: UsageStats | null;
}

export interface UsageStoreResult {
  readonly store: 'sqlite' | 'postgres';
  readonly rounds: number;
  readonly nodes: readonly UsageNodeResult[];
}

const NODES = [
  ['off', { persist: false }],
  ['on', { persist: true, flushIntervalMs: 1_000 }],
  ['on + every raw event', { persist: true, flushIntervalMs: 1_000, rawEvents: 'all' }],
] as const;

const ROUTE = '/bench';
const PRIME_MS = 3_000;
/** The persisting nodes flush every second here, so final figures are in after a short wait. */
const FLUSH_MS = 1_000;

async function writeConfigs(dir: string, upstream: string): Promise<void> {
  const base = { logLevel: 'warn', gateway: { routes: [{ path: ROUTE, upstream }] } };
  for (const [i, [, usage]] of NODES.entries()) {
    await writeFile(join(dir, `usage-${i}.json`), JSON.stringify({ ...base, usage }));
  }
}

/** A fresh schema on `url` (selected through search_path), dropped by the returned function. */
async function freshSchema(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `kw_bench_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create schema ${schema}`);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return { url: withSchema.toString(), drop: () => run(`drop schema if exists ${schema} cascade`) };
}

export async function runUsagePhase(
  options: BenchOptions,
  placement: Placement,
  log: (line: string) => void,
): Promise<UsageStoreResult[]> {
  const children: BenchChild[] = [];
  const started = async (role: Parameters<BenchChild['send']>[0]) => {
    const server = await startServer(role, placement.servers, options.serverFlags);
    children.push(server.child);
    return server;
  };
  const results: UsageStoreResult[] = [];
  try {
    const upstream = await started({ type: 'start', role: 'upstream' });
    const stores: ('sqlite' | 'postgres')[] = ['sqlite'];
    if (options.databaseUrl !== null) stores.push('postgres');
    for (const store of stores) {
      const dir = await mkdtemp(join(tmpdir(), 'keyward-bench-usage-'));
      const postgres =
        store === 'postgres' ? await freshSchema(options.databaseUrl as string) : null;
      try {
        await writeConfigs(dir, upstream.ready.url);
        results.push(await compare(store, dir, postgres?.url, started, options, log));
      } finally {
        for (const child of children.splice(1)) await child.stop();
        await postgres?.drop();
        await rm(dir, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    for (const child of children) await child.stop();
  }
}

async function compare(
  store: 'sqlite' | 'postgres',
  dataDir: string,
  databaseUrl: string | undefined,
  started: (
    role: Parameters<BenchChild['send']>[0],
  ) => Promise<{ child: BenchChild; ready: ServerReady }>,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<UsageStoreResult> {
  log(`  usage persistence on ${store} …`);
  const adminPassword = randomBytes(18).toString('base64url');
  const role = {
    type: 'start',
    role: 'gateway',
    dataDir,
    adminPassword,
    ...(databaseUrl !== undefined && { databaseUrl }),
  } as const;
  // The first start migrates, bootstraps and creates the key; then one gateway-only node each.
  const first = await started({ ...role, createKey: true, configFile: 'usage-0.json' });
  const secret = first.ready.secrets?.primary ?? '';
  await first.child.stop();
  const nodes = [];
  for (const [i, [name]] of NODES.entries()) {
    const node = await started({
      ...role,
      createKey: false,
      gatewayOnly: true,
      configFile: `usage-${i}.json`,
    });
    nodes.push({ name, node, answered: 0, rps: [] as number[], cpu: [] as number[] });
  }
  const request = () => ({ path: `${ROUTE}/hello`, headers: ['x-api-key', secret] });
  const load = async (origin: string, warmupMs: number, durationMs: number) =>
    runLoad({
      origin,
      connections: options.connections,
      warmupMs,
      durationMs,
      rate: null,
      request,
    });

  for (const n of nodes) n.answered += (await load(n.node.ready.url, 0, PRIME_MS)).answered;
  for (let round = 1; round <= options.rounds; round++) {
    for (const n of nodes) {
      const before = await statsOf(n.node.child);
      const result = await load(n.node.ready.url, options.warmupMs, options.durationMs);
      const after = await statsOf(n.node.child);
      n.answered += result.answered;
      n.rps.push(result.rps);
      if (before !== null && after !== null && result.answered > 0) {
        n.cpu.push((after.cpuUs - before.cpuUs) / result.answered);
      }
      log(`    ${n.name}: ${Math.round(result.rps)} req/s`);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 2 * FLUSH_MS));
  const offRps = median(nodes[0]?.rps ?? [0]);
  const results: UsageNodeResult[] = [];
  for (const n of nodes) {
    const rps = median(n.rps);
    results.push({
      name: n.name,
      rps,
      cpuUsPerRequest: n.cpu.length === 0 ? null : median(n.cpu),
      ratio: offRps === 0 ? 0 : rps / offRps,
      answered: n.answered,
      usage: (await statsOf(n.node.child))?.usage ?? null,
    });
  }
  return { store, rounds: options.rounds, nodes: results };
}
