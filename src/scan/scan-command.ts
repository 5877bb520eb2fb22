import {
  type LeakToReport,
  type SecretFinding,
  type SecretVerification,
  toSarif,
} from '../core/secret-scan.js';
import { ScanError, type ScanRequest, scanSecrets } from './secret-scanner.js';

/** Output and exit code of `keyward scan`: 0 clean, 1 secrets found, 2 the scan failed. */

export interface ScanIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readStdin(): Promise<string>;
}

export interface ScanCommandOptions {
  readonly paths: readonly string[];
  readonly prefix: string;
  readonly staged: boolean;
  readonly gitHistory: boolean;
  readonly ignore: boolean;
  readonly maxSize: number;
  readonly format: 'table' | 'json' | 'sarif';
  readonly cwd: string;
  readonly toolVersion: string;
  /**
   * `--verify`: asks a Keyward server what each distinct secret found is, in batches of at most
   * SERVER_BATCH, answers in the same order. Errors fail the scan (exit 2).
   */
  readonly verify?: (secrets: readonly string[]) => Promise<readonly SecretVerification[]>;
  /**
   * `--report`: reports each distinct secret found as leaked (with where it was found), in
   * batches of at most SERVER_BATCH; true for each secret the server acted on (one of its
   * institution's). Runs before `verify`, so the statuses shown are those after the report.
   */
  readonly report?: (leaks: readonly LeakToReport[]) => Promise<readonly boolean[]>;
}

/** Secrets per `--verify` or `--report` request (the server's limit). */
export const SERVER_BATCH = 1000;

export const SCAN_CLEAN = 0;
export const SCAN_FOUND = 1;
export const SCAN_ERROR = 2;

/** Control characters in a path would let a file name rewrite the terminal. */
function safe(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: neutralising them is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** `live: billing (key_…) secondary in Comune A`, as far as the server told. */
function describe(v: SecretVerification | undefined): string[] {
  if (v === undefined) return ['-', '-'];
  const owner = [
    v.key && `${safe(v.key.name)} (${v.key.id})`,
    v.slot,
    v.institution && `in ${safe(v.institution.name)}`,
  ]
    .filter((p) => p !== undefined)
    .join(' ');
  const status = v.status === 'retiring' && v.until ? `retiring until ${v.until}` : v.status;
  return [status, owner || '-'];
}

function table(findings: readonly SecretFinding[], verified: boolean): string {
  const rows = [
    ['FILE', 'LINE', 'COL', 'SECRET', ...(verified ? ['STATUS', 'KEY'] : []), 'FINGERPRINT'],
    ...findings.map((f) => [
      f.commit ? `${f.commit.slice(0, 12)}:${safe(f.file)}` : safe(f.file),
      String(f.line),
      String(f.column),
      f.hint,
      ...(verified ? describe(f.verification) : []),
      f.fingerprint,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function runScan(opts: ScanCommandOptions, io: ScanIo): Promise<number> {
  const request: ScanRequest = {
    paths: opts.paths,
    prefix: opts.prefix,
    staged: opts.staged,
    gitHistory: opts.gitHistory,
    ignore: opts.ignore,
    maxSize: opts.maxSize,
    cwd: opts.cwd,
    readStdin: () => io.readStdin(),
    keepSecrets: opts.verify !== undefined || opts.report !== undefined,
  };
  let findings: SecretFinding[];
  let filesScanned: number;
  let skipped: number;
  try {
    const result = await scanSecrets(request);
    ({ filesScanned, skipped } = result);
    findings = await askServer(result.findings, result.secrets ?? new Map(), opts);
  } catch (err) {
    const message = err instanceof ScanError || err instanceof Error ? err.message : String(err);
    io.stderr(`error: ${safe(message)}\n`);
    return SCAN_ERROR;
  }
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ findings, filesScanned, skipped }, null, 2)}\n`);
  } else if (opts.format === 'sarif') {
    io.stdout(`${JSON.stringify(toSarif(findings, opts.toolVersion), null, 2)}\n`);
  } else if (findings.length === 0) {
    io.stdout(
      `No Keyward secrets found (${filesScanned} files scanned${skipped ? `, ${skipped} skipped` : ''}).\n`,
    );
  } else {
    io.stdout(`${table(findings, opts.verify !== undefined)}\n`);
    const distinct = new Map(findings.map((f) => [f.fingerprint, f.verification]));
    const live = [...distinct.values()].filter(
      (v) => v?.status === 'live' || v?.status === 'retiring' || v?.status === 'inactive',
    ).length;
    io.stderr(
      `${findings.length} Keyward secret${findings.length === 1 ? '' : 's'} found (${distinct.size} distinct) in ${filesScanned} files scanned${
        opts.verify ? `; ${live} of them still work or can be reactivated` : ''
      }: rotate or revoke the keys they belong to.\n`,
    );
  }
  if (opts.report && findings.length > 0) {
    const reported = new Map(findings.map((f) => [f.fingerprint, f.report]));
    const handled = [...reported.values()].filter((r) => r === 'handled').length;
    io.stderr(
      `Reported ${reported.size} distinct secret${reported.size === 1 ? '' : 's'} as leaked: ${handled} belonged to your institution and its leak policy acted on them; ${reported.size - handled} did not (nothing done).\n`,
    );
  }
  return findings.length > 0 ? SCAN_FOUND : SCAN_CLEAN;
}

/** `--report`, then `--verify`, for each distinct secret; then forgets the secrets. */
async function askServer(
  findings: readonly SecretFinding[],
  secrets: Map<string, string>,
  opts: Pick<ScanCommandOptions, 'verify' | 'report'>,
): Promise<SecretFinding[]> {
  const entries = [...secrets.entries()];
  try {
    const first = new Map<string, SecretFinding>();
    for (const f of findings) if (!first.has(f.fingerprint)) first.set(f.fingerprint, f);
    const handled = opts.report
      ? await inBatches(
          entries.map(([fingerprint, secret]) => ({
            secret,
            location: locationOf(first.get(fingerprint)),
          })),
          opts.report,
        )
      : undefined;
    const verified = opts.verify
      ? await inBatches(
          entries.map(([, secret]) => secret),
          opts.verify,
        )
      : undefined;
    const answers = new Map(
      entries.map(([fingerprint], i) => [
        fingerprint,
        {
          ...(handled && { report: handled[i] ? ('handled' as const) : ('not-ours' as const) }),
          ...(verified?.[i] && { verification: { ...verified[i], fingerprint } }),
        },
      ]),
    );
    return findings.map((f) => ({ ...f, ...answers.get(f.fingerprint) }));
  } finally {
    secrets.clear();
  }
}

function locationOf(f: SecretFinding | undefined): string {
  if (!f) return 'unknown';
  return `${f.commit ? `${f.commit}:` : ''}${f.file}:${f.line}`;
}

/** Calls `call` on batches of at most SERVER_BATCH items; one answer per item, in order. */
async function inBatches<T, R>(
  items: readonly T[],
  call: (batch: readonly T[]) => Promise<readonly R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += SERVER_BATCH) {
    const batch = items.slice(i, i + SERVER_BATCH);
    const results = await call(batch);
    if (results.length !== batch.length) {
      throw new Error('the server answered a different number of secrets than were sent');
    }
    out.push(...results);
  }
  return out;
}
