import { parseArgs } from 'node:util';

/** Everything a run can vary; `--quick` only changes defaults. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly json: boolean;
  /** Also write the JSON document to this file (beside the table). */
  readonly jsonOut: string | null;
  /** Keys in the large store (1,000,000; `--quick`: 100,000). */
  readonly keys: number;
  /** Keys in the reference store the large one is compared with. */
  readonly smallKeys: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Rounds of the HTTP scenarios (alternating bare / gateway); medians are reported. */
  readonly rounds: number;
  /** Paced rate for the latency comparison, as a fraction of the bare proxy's closed-loop rps. */
  readonly pacedFraction: number;
  readonly verifyWarmupMs: number;
  readonly verifyDurationMs: number;
  /** Alternating repetitions of the verify runs (1k, 1M, 1k, 1M …); medians are reported. */
  readonly verifyRepeat: number;
  /** Write a CPU profile of every server process to bench/.cache/profiles/. */
  readonly profile: boolean;
  /** Extra Node.js flags for the server processes (diagnostics, e.g. `--trace-gc`). */
  readonly serverFlags: readonly string[];
  /** Pin servers and load generator to separate CPUs with taskset. */
  readonly pin: boolean;
  readonly http: boolean;
  readonly verify: boolean;
  /** The usage-persistence comparison (gateway with usage persisted vs not). */
  readonly usage: boolean;
  /** `keyward scan` over a generated 20,000-file / 500 MiB tree; only with `--only scan`. */
  readonly scan: boolean;
  /** PostgreSQL for the usage comparison's second store, or null to skip it. */
  readonly databaseUrl: string | null;
}

const USAGE = `npm run bench -- [options]

  --quick              smoke run: short durations, 100,000 keys instead of 1,000,000
  --json               print one JSON document instead of the tables
  --json-out <file>    also write the JSON document to a file
  --duration <s>       measured seconds per HTTP scenario (default 5; quick 2)
  --warmup <s>         warm-up seconds before each HTTP scenario (default 1; quick 0.5)
  --connections <n>    keep-alive connections of the load generator (default 50)
  --rounds <n>         rounds of the HTTP scenarios, medians reported (default 3; quick 1)
  --paced <fraction>   paced-latency rate as a fraction of the bare proxy's max rps (default 0.5)
  --keys <n>           keys in the large store (default 1000000; quick 100000)
  --small-keys <n>     keys in the reference store (default 1000)
  --verify-duration <s>  measured seconds per verify case (default 2; quick 1)
  --verify-repeat <n>  repetitions of the verify runs, medians reported (default 3; quick 1)
  --no-pin             do not pin processes to CPUs (default: pin when taskset exists)
  --profile            write CPU profiles of the server processes to bench/.cache/profiles/
  --server-flags=<f>   extra Node.js flags for the server processes (e.g. --server-flags=--trace-gc)
  --database-url <url> PostgreSQL for the usage-persistence run (default: $KEYWARD_BENCH_DATABASE_URL
                       or postgres://postgres@127.0.0.1:5432/test; a fresh schema, dropped after)
  --no-postgres        usage-persistence run on SQLite only
  --only <http|verify|usage|scan>  run one part (scan: keyward scan over a generated
                       20,000-file / 500 MiB tree in os.tmpdir(), deleted after; quick 2,000 files)
  --help`;

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

/** Parses argv; prints usage and exits on --help or a bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = v.quick === true;
  const only = v.only;
  if (
    only !== undefined &&
    only !== 'http' &&
    only !== 'verify' &&
    only !== 'usage' &&
    only !== 'scan'
  ) {
    process.stderr.write(`--only must be http, verify, usage or scan\n\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    return Object.freeze({
      quick,
      json: v.json === true,
      jsonOut: v['json-out'] ?? null,
      keys: Math.round(positive(v.keys, quick ? 100_000 : 1_000_000, 'keys')),
      smallKeys: Math.round(positive(v['small-keys'], 1_000, 'small-keys')),
      connections: Math.round(positive(v.connections, 50, 'connections')),
      rounds: Math.round(positive(v.rounds, quick ? 1 : 3, 'rounds')),
      warmupMs: positive(v.warmup, quick ? 0.5 : 1, 'warmup') * 1000,
      durationMs: positive(v.duration, quick ? 2 : 5, 'duration') * 1000,
      pacedFraction: Math.min(1, positive(v.paced, 0.5, 'paced')),
      verifyWarmupMs: quick ? 300 : 500,
      verifyDurationMs: positive(v['verify-duration'], quick ? 1 : 2, 'verify-duration') * 1000,
      verifyRepeat: Math.round(positive(v['verify-repeat'], quick ? 1 : 3, 'verify-repeat')),
      pin: v['no-pin'] !== true,
      profile: v.profile === true,
      serverFlags: (v['server-flags'] ?? '').split(' ').filter((f) => f !== ''),
      http: only === undefined || only === 'http',
      verify: only === undefined || only === 'verify',
      usage: only === undefined || only === 'usage',
      scan: only === 'scan',
      databaseUrl:
        v['no-postgres'] === true
          ? null
          : (v['database-url'] ??
            process.env.KEYWARD_BENCH_DATABASE_URL ??
            'postgres://postgres@127.0.0.1:5432/test'),
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      'json-out': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      paced: { type: 'string' },
      keys: { type: 'string' },
      'small-keys': { type: 'string' },
      'verify-duration': { type: 'string' },
      'verify-repeat': { type: 'string' },
      'no-pin': { type: 'boolean' },
      profile: { type: 'boolean' },
      'server-flags': { type: 'string' },
      only: { type: 'string' },
      'database-url': { type: 'string' },
      'no-postgres': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}
