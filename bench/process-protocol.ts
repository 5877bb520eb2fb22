import { readFileSync } from 'node:fs';
import type { UsageStats } from '../src/services/usage-pipeline.js';
import type { LatencySummary } from './latency-recorder.js';

/** Messages between the benchmark (parent) and the processes it starts (server-process.ts, verify-process.ts). */

export type ServerRole =
  | { readonly role: 'upstream' }
  | { readonly role: 'bare'; readonly upstream: string; readonly upstreamTimeoutMs: number }
  | {
      readonly role: 'gateway';
      /** A data directory holding `keyward.config.json` (and, for a seeded store, its DB and keyring). */
      readonly dataDir: string;
      readonly adminPassword: string;
      /** Create an institution and a key through the admin API, and report its secrets. */
      readonly createKey: boolean;
      /** `keyward serve --role gateway` instead of every role (no admin API in the process). */
      readonly gatewayOnly?: boolean;
      /** The config file's name in `dataDir` (default `keyward.config.json`). */
      readonly configFile?: string;
      /** `KEYWARD_DATABASE_URL` (default: the SQLite file in `dataDir`). */
      readonly databaseUrl?: string;
    };

/** One in-process verification run (verify-process.ts) on a seeded store. */
export interface VerifyJob {
  /** The seeded store's directory (its SQLite file is only read). */
  readonly dir: string;
  readonly keys: number;
  /** The store's secret seed (hex) and prefix: see SecretSource. */
  readonly seed: string;
  readonly prefix: string;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface VerifyMeasurement {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly latencyUs: LatencySummary;
  /** Verifications that did not answer `valid: true` (must be 0). */
  readonly notValid: number;
}

export interface VerifyJobResult {
  readonly keys: number;
  readonly cached: VerifyMeasurement;
  readonly uncached: VerifyMeasurement;
  /** Distinct secrets the uncached run went through before cycling. */
  readonly uncachedDistinct: number;
  readonly maxRssBytes: number;
}

export type ParentMessage =
  | ({ readonly type: 'start' } & ServerRole)
  | { readonly type: 'verify'; readonly job: VerifyJob }
  | { readonly type: 'stats' }
  | { readonly type: 'stop' };

export interface ServerReady {
  readonly type: 'ready';
  readonly url: string;
  /** `startKeyward()` alone (gateway), in ms. */
  readonly startMs: number;
  /** From process start to listening, module loading included, in ms. */
  readonly readyAtMs: number;
  readonly rssBytes: number;
  readonly secrets?: { readonly primary: string; readonly secondary: string };
}

export interface ProcessStats {
  readonly type: 'stats';
  readonly rssBytes: number;
  /** Peak resident set size since the process started. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** CPU time since process start (user + system), in µs. */
  readonly cpuUs: number;
  /** A Keyward server's usage pipeline: what it wrote and dropped (null: none running). */
  readonly usage?: UsageStats | null;
}

export type ChildMessage =
  | ServerReady
  | ProcessStats
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly result: VerifyJobResult };

/**
 * This process's peak RSS. On Linux, `VmHWM` of /proc/self/status: `getrusage`'s maxRSS (what
 * `process.resourceUsage()` reports) also counts the RSS the *parent* had when it forked this
 * process (Linux carries it across exec), so a benchmark runner that seeded a 1M-key store made
 * every child look 500 MB large.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}

export function processStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    type: 'stats',
    rssBytes: memory.rss,
    maxRssBytes: peakRssBytes(),
    heapUsedBytes: memory.heapUsed,
    cpuUs: cpu.user + cpu.system,
  };
}
