import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SQLITE_FILE } from '../src/main/open-store.js';
import type { BenchOptions } from './bench-options.js';
import { BenchChild } from './child-process.js';
import { median } from './latency-recorder.js';
import type { VerifyJobResult, VerifyMeasurement } from './process-protocol.js';
import type { SeededStore } from './seed-store.js';

/** Medians over the repetitions of one verify case on one store. */
export interface VerifyFigures {
  readonly opsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  /** Over all repetitions; anything but 0 means the measurement is wrong. */
  readonly notValid: number;
}

export interface VerifyStoreResult {
  readonly keys: number;
  readonly cached: VerifyFigures;
  readonly uncached: VerifyFigures;
  readonly uncachedDistinct: number;
  readonly runs: readonly VerifyJobResult[];
}

function figures(runs: readonly VerifyMeasurement[]): VerifyFigures {
  return {
    opsPerSecond: median(runs.map((r) => r.opsPerSecond)),
    p50Us: median(runs.map((r) => r.latencyUs.p50)),
    p99Us: median(runs.map((r) => r.latencyUs.p99)),
    p999Us: median(runs.map((r) => r.latencyUs.p999)),
    notValid: runs.reduce((sum, r) => sum + r.notValid, 0),
  };
}

/**
 * Reads the store's SQLite file once so the run measures SQLite over the OS page cache, not the
 * disk: on this kind of VM cold pages are reclaimed within minutes, and a lookup that misses the
 * page cache costs a few disk reads (a 1,000,000-key store is ~1.2 GB). Returns the seconds taken.
 */
async function warmPageCache(dir: string): Promise<number> {
  const started = performance.now();
  const buffer = Buffer.allocUnsafe(1 << 20);
  const file = await open(join(dir, SQLITE_FILE), 'r');
  try {
    while ((await file.read(buffer, 0, buffer.length, null)).bytesRead > 0) {
      // Only the reading matters.
    }
  } finally {
    await file.close();
  }
  return (performance.now() - started) / 1000;
}

/**
 * Runs every store once per repetition, alternating (small, large, small, large …) so drift in
 * the machine's state hits both alike; each run is a fresh process pinned to `cpu`.
 */
export async function runVerifyPhase(
  options: BenchOptions,
  stores: readonly SeededStore[],
  cpu: string | null,
  log: (line: string) => void,
): Promise<VerifyStoreResult[]> {
  const runs = new Map<SeededStore, VerifyJobResult[]>(stores.map((s) => [s, []]));
  for (let rep = 1; rep <= options.verifyRepeat; rep++) {
    for (const store of stores) {
      log(
        `  verify on ${store.keys.toLocaleString('en-US')} keys (run ${rep}/${options.verifyRepeat}) …`,
      );
      const warmSeconds = await warmPageCache(store.dir);
      if (warmSeconds > 1)
        log(`    (read the store file into the page cache in ${warmSeconds.toFixed(1)} s)`);
      const child = new BenchChild('./verify-process.js', cpu);
      try {
        child.send({
          type: 'verify',
          job: {
            dir: store.dir,
            keys: store.keys,
            seed: store.secrets.seedHex,
            prefix: store.secrets.prefix,
            warmupMs: options.verifyWarmupMs,
            durationMs: options.verifyDurationMs,
          },
        });
        runs.get(store)?.push((await child.next('result')).result);
      } finally {
        await child.stop();
      }
    }
  }
  return stores.map((store) => {
    const results = runs.get(store) ?? [];
    return {
      keys: store.keys,
      cached: figures(results.map((r) => r.cached)),
      uncached: figures(results.map((r) => r.uncached)),
      uncachedDistinct: results[0]?.uncachedDistinct ?? 0,
      runs: results,
    };
  });
}
