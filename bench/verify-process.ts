import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyring } from '../src/adapters/keyring/file-keyring.js';
import { MemoryKeyEventBus } from '../src/adapters/memory/memory-key-event-bus.js';
import { openSqliteStore } from '../src/adapters/sql/sqlite-store.js';
import { loadConfig } from '../src/config/config.js';
import type { Keyring } from '../src/core/keyring.js';
import { SQLITE_FILE } from '../src/main/open-store.js';
import { createServerVerifier } from '../src/main/verification.js';
import { systemClock } from '../src/ports/clock.js';
import type { Store } from '../src/ports/store.js';
import type { Verifier } from '../src/services/verifier.js';
import { LatencyRecorder } from './latency-recorder.js';
import {
  type ChildMessage,
  type ParentMessage,
  peakRssBytes,
  type VerifyJob,
  type VerifyJobResult,
  type VerifyMeasurement,
} from './process-protocol.js';
import { SecretSource, spreadIndices } from './secret-source.js';

/**
 * In-process verification throughput, in a fresh process per store (pinned to one core by the
 * parent when it can), with the real `Verifier` on the real SQLite store:
 *
 * - **cached**: the verifier `keyward serve` builds (`createServerVerifier`, default config), one
 *   valid secret over and over — after the first call every verification is failure-limit check
 *   + checksum + HMAC + cache hit + decision + limits;
 * - **uncached**: the same verifier walking distinct secrets spread over the whole store, each
 *   verified once, so every call misses the cache, reads the slot and its key from SQLite (one
 *   indexed read) and inserts the answer into the cache (evicting once it is full) — the path
 *   of a secret the gateway has not seen lately.
 *
 * Calls are sequential (`await` each), as one gateway request does; per-call latency includes
 * the promise round trip. The store file is only read.
 */

const CLIENT_IP = '198.51.100.7';
/** Distinct secrets prepared for the uncached walk (4 µs each to derive, before timing). */
const MAX_DISTINCT = 300_000;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The server's configuration with every default (no file, no environment). */
const DEFAULTS = loadConfig({}, {}, join(tmpdir(), 'keyward-bench-no-config'));

/** The gateway's verifier exactly as `keyward serve` composes it (admin in the same process). */
function serverVerifier(store: Store, keyring: Keyring): Verifier {
  return createServerVerifier({
    config: DEFAULTS,
    store,
    keyring,
    clock: systemClock,
    events: new MemoryKeyEventBus(),
    hearsAllChanges: true,
  });
}

/** Sequential verifications: `verifierAt(i)` and `secretAt(i)` for call number `i`. */
async function measure(
  verifierAt: (i: number) => Verifier,
  secretAt: (i: number) => string,
  warmupMs: number,
  durationMs: number,
): Promise<VerifyMeasurement> {
  let i = 0;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    await verifierAt(i).verify({ secret: secretAt(i), clientIp: CLIENT_IP });
    i++;
  }
  const recorder = new LatencyRecorder(1 << 20);
  let notValid = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  while (now < end) {
    const verifier = verifierAt(i);
    const secret = secretAt(i++);
    const before = now;
    const result = await verifier.verify({ secret, clientIp: CLIENT_IP });
    now = performance.now();
    recorder.record((now - before) * 1000);
    if (!result.valid) notValid++;
  }
  const seconds = (now - start) / 1000;
  return {
    ops: recorder.count,
    opsPerSecond: recorder.count / seconds,
    latencyUs: recorder.summary(),
    notValid,
  };
}

async function run(job: VerifyJob): Promise<VerifyJobResult> {
  if (job.prefix !== DEFAULTS.secretPrefix) {
    throw new Error(`seeded prefix ${job.prefix} is not the default ${DEFAULTS.secretPrefix}`);
  }
  const { keyring } = await loadKeyring({ dataDir: job.dir, generateIfMissing: false });
  const store = await openSqliteStore({ file: join(job.dir, SQLITE_FILE) });
  try {
    const secrets = new SecretSource(Buffer.from(job.seed, 'hex'), job.prefix);
    const total = 2 * job.keys;
    const distinct = Math.min(total, MAX_DISTINCT);
    const walk = Array.from(spreadIndices(distinct, total), (n) => secrets.secret(n));
    const one = secrets.secret(Math.floor(total / 2));

    const cachedRun = serverVerifier(store, keyring);
    const cached = await measure(
      () => cachedRun,
      () => one,
      job.warmupMs,
      job.durationMs,
    );
    cachedRun.close();

    // Each secret of the walk is verified once per verifier; when the walk wraps around (small
    // stores), a fresh verifier with an empty cache takes over, so no call ever hits the cache.
    let uncachedRun = serverVerifier(store, keyring);
    const freshEachCycle = (i: number): Verifier => {
      if (i > 0 && i % distinct === 0) {
        uncachedRun.close();
        uncachedRun = serverVerifier(store, keyring);
      }
      return uncachedRun;
    };
    const uncached = await measure(
      freshEachCycle,
      (i) => walk[i % distinct] as string,
      job.warmupMs,
      job.durationMs,
    );
    uncachedRun.close();
    return {
      keys: job.keys,
      cached,
      uncached,
      uncachedDistinct: distinct,
      maxRssBytes: peakRssBytes(),
    };
  } finally {
    await store.close();
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'verify') {
    run(message.job).then(
      (result) => send({ type: 'result', result }),
      (err: unknown) =>
        send({
          type: 'failed',
          message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        }),
    );
  } else if (message.type === 'stop') {
    send({ type: 'stopped' });
    process.disconnect();
  }
});
process.on('disconnect', () => process.exit(0));
