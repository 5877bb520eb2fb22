import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { loadKeyring } from '../src/adapters/keyring/file-keyring.js';
import { openSqliteStore } from '../src/adapters/sql/sqlite-store.js';
import { DEFAULT_INSTITUTION_SETTINGS } from '../src/core/model.js';
import { SQLITE_FILE } from '../src/main/open-store.js';
import { CACHE_DIR, REPO_ROOT } from './paths.js';
import { SecretSource } from './secret-source.js';
import {
  SEED_FIELDS_PER_KEY,
  type SeedBatch,
  type SeedBatchRequest,
  type SeedWorkerData,
} from './seed-protocol.js';

/**
 * Seeded SQLite stores for the benchmark, cached under `bench/.cache/stores/` (gitignored).
 *
 * The schema comes from the real migrations (`store.migrate()`); rows are then bulk-inserted with
 * better-sqlite3 prepared statements in one transaction. Every slot row is what the key service
 * would write: a real HMAC digest of a real secret under the data directory's own pepper, a
 * sealed (viewable) copy under its master key, and the hint. The secondary indexes are dropped
 * during the insert and rebuilt afterwards from their own `CREATE INDEX` text (a sort instead of
 * two million random B-tree inserts); the result is the same file a long-running server would
 * have, minus its fragmentation.
 *
 * The cache key covers the key count, the seeder version and the migration sources, so a schema
 * change re-seeds automatically.
 */

const SEEDER_VERSION = 1;
const KEYS_PER_INSTITUTION = 1000;
const BENCH_ACTOR = 'usr_benchseeder00000000000';
const CACHE_ROOT = join(CACHE_DIR, 'stores');
const MIGRATIONS_DIR = join(REPO_ROOT, 'src', 'adapters', 'sql', 'migrations');

export interface SeededStore {
  /** A data directory: `keyward.db` + `keyring.json`. Copy it before starting a server on it. */
  readonly dir: string;
  readonly keys: number;
  readonly secrets: SecretSource;
  /** Seconds the seeding took when it was built (0 when it came from the cache this run). */
  readonly builtSeconds: number;
  readonly sizeBytes: number;
}

interface SeedMeta {
  readonly version: number;
  readonly keys: number;
  readonly prefix: string;
  readonly seed: string;
  readonly seconds: number;
}

function fingerprint(prefix: string): string {
  const hash = createHash('sha256').update(`${SEEDER_VERSION}\0${prefix}\0`);
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(name).update(readFileSync(join(MIGRATIONS_DIR, name)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Bytes of the SQLite file and its WAL/SHM companions. */
function fileSize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(SQLITE_FILE)) total += statSync(join(dir, name)).size;
  }
  return total;
}

/** The cached store with `keys` keys, built first when missing. */
export async function seededStore(
  keys: number,
  prefix: string,
  log: (line: string) => void,
): Promise<SeededStore> {
  const dir = join(CACHE_ROOT, `${keys}-keys-${fingerprint(prefix)}`);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SeedMeta;
    return {
      dir,
      keys: meta.keys,
      secrets: new SecretSource(Buffer.from(meta.seed, 'hex'), meta.prefix),
      builtSeconds: 0,
      sizeBytes: fileSize(dir),
    };
  }
  const started = performance.now();
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true, mode: 0o700 });
  const seed = randomBytes(32);
  log(`seeding a store with ${keys.toLocaleString('en-US')} keys (cached for later runs) …`);
  await writeKeyringFile(building);
  await migrate(building);
  await bulkInsert(building, keys, seed, prefix, log);
  const seconds = (performance.now() - started) / 1000;
  const meta: SeedMeta = {
    version: SEEDER_VERSION,
    keys,
    prefix,
    seed: seed.toString('hex'),
    seconds,
  };
  await writeFile(join(building, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  if (existsSync(dir)) rmSync(building, { recursive: true, force: true });
  else renameSync(building, dir);
  log(`seeded ${keys.toLocaleString('en-US')} keys in ${seconds.toFixed(1)} s`);
  return {
    dir,
    keys,
    secrets: new SecretSource(seed, prefix),
    builtSeconds: seconds,
    sizeBytes: fileSize(dir),
  };
}

/** A keyring file as the server writes it on first start (mode 0600). */
async function writeKeyringFile(dir: string): Promise<void> {
  const file = join(dir, 'keyring.json');
  const material = {
    peppers: { '1': randomBytes(32).toString('base64') },
    masterKeys: { '1': randomBytes(32).toString('base64') },
  };
  await writeFile(file, JSON.stringify(material), { mode: 0o600 });
  chmodSync(file, 0o600);
}

async function migrate(dir: string): Promise<void> {
  const store = await openSqliteStore({ file: join(dir, SQLITE_FILE) });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
}

async function bulkInsert(
  dir: string,
  keys: number,
  seed: Buffer,
  prefix: string,
  log: (line: string) => void,
): Promise<void> {
  const institutions = Math.max(1, Math.ceil(keys / KEYS_PER_INSTITUTION));
  const { keyring } = await loadKeyring({ dataDir: dir, generateIfMissing: false });
  const pepperVersion = keyring.currentPepper.version;
  const secrets = new SecretSource(seed, prefix);
  const db = new BetterSqlite3(join(dir, SQLITE_FILE));
  const workers = startWorkers({ dir, seed: seed.toString('hex'), prefix, institutions });
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    // Big enough for both primary-key B-trees: rows arrive in key-number order, not id order.
    db.pragma('cache_size = -262144');
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = OFF');
    const indexes = db
      .prepare(
        "select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in ('api_keys', 'key_slots')",
      )
      .all() as { name: string; sql: string }[];
    for (const index of indexes) db.exec(`drop index ${index.name}`);

    const insertInstitution = db.prepare(
      'insert into institutions (id, name, external_code, settings, created_at) values (?, ?, null, ?, ?)',
    );
    const insertKey = db.prepare(
      `insert into api_keys (id, institution_id, name, kind, scopes, state, allowed_cidrs, expires_at,
         rate_limit, created_at, created_by, updated_at, deleted_at)
       values (?, ?, ?, 'use', '[]', 'active', '[]', null, null, ?, ?, ?, null)`,
    );
    const insertSlot = db.prepare(
      `insert into key_slots (key_id, slot, digest, digest_version, master_key_id, ciphertext, hint,
         generated_at, generated_by, last_used_at, last_used_from)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)`,
    );
    const settings = JSON.stringify(DEFAULT_INSTITUTION_SETTINGS);
    const baseMs = Date.UTC(2025, 0, 1);

    db.exec('begin');
    for (let i = 0; i < institutions; i++) {
      insertInstitution.run(secrets.institutionId(i), `Bench institution ${i}`, settings, baseMs);
    }
    let written = 0;
    let nextLog = LOG_EVERY;
    await workers.each(keys, (batch) => {
      const { rows } = batch;
      for (let k = batch.from, r = 0; k < batch.to; k++, r += SEED_FIELDS_PER_KEY) {
        const keyId = rows[r] as string;
        const at = baseMs + k;
        insertKey.run(keyId, rows[r + 1], `bench key ${k}`, at, BENCH_ACTOR, at);
        insertSlot.run(
          keyId,
          'primary',
          rows[r + 2],
          pepperVersion,
          rows[r + 3],
          rows[r + 4],
          rows[r + 5],
          at,
          BENCH_ACTOR,
        );
        insertSlot.run(
          keyId,
          'secondary',
          rows[r + 6],
          pepperVersion,
          rows[r + 7],
          rows[r + 8],
          rows[r + 9],
          at,
          BENCH_ACTOR,
        );
      }
      written += batch.to - batch.from;
      if (written >= nextLog) {
        log(`  ${written.toLocaleString('en-US')} keys written`);
        nextLog += LOG_EVERY;
      }
    });
    db.exec('commit');
    log('  rebuilding indexes …');
    for (const index of indexes) db.exec(index.sql);
    db.pragma('journal_mode = WAL');
  } finally {
    await workers.close();
    db.close();
  }
}

const LOG_EVERY = 250_000;
const BATCH_KEYS = 5_000;

interface WorkerPool {
  /** Computes every key in [0, keys) in batches; `insert` runs on this thread, one batch at a time. */
  each(keys: number, insert: (batch: SeedBatch) => void): Promise<void>;
  close(): Promise<void>;
}

/** One worker per core: the inserting thread's share is small next to sealing and hashing. */
function startWorkers(data: SeedWorkerData): WorkerPool {
  const count = Math.max(1, availableParallelism());
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL('./seed-worker.js', import.meta.url), { workerData: data }),
  );
  return {
    each(keys, insert) {
      return new Promise<void>((resolve, reject) => {
        let next = 0;
        let pending = 0;
        const feed = (worker: Worker): void => {
          if (next >= keys) {
            if (pending === 0) resolve();
            return;
          }
          const request: SeedBatchRequest = { from: next, to: Math.min(keys, next + BATCH_KEYS) };
          next = request.to;
          pending++;
          worker.postMessage(request);
        };
        for (const worker of workers) {
          worker.on('error', reject);
          worker.on('message', (message: SeedBatch | 'ready') => {
            if (message !== 'ready') {
              pending--;
              try {
                insert(message);
              } catch (err) {
                reject(err);
                return;
              }
            }
            feed(worker);
          });
        }
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
