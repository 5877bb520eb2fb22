import { type SecretFinding, toSarif } from '../core/secret-scan.js';
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
}

export const SCAN_CLEAN = 0;
export const SCAN_FOUND = 1;
export const SCAN_ERROR = 2;

/** Control characters in a path would let a file name rewrite the terminal. */
function safe(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: neutralising them is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function table(findings: readonly SecretFinding[]): string {
  const rows = [
    ['FILE', 'LINE', 'COL', 'SECRET', 'FINGERPRINT'],
    ...findings.map((f) => [
      f.commit ? `${f.commit.slice(0, 12)}:${safe(f.file)}` : safe(f.file),
      String(f.line),
      String(f.column),
      f.hint,
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
  };
  let result: Awaited<ReturnType<typeof scanSecrets>>;
  try {
    result = await scanSecrets(request);
  } catch (err) {
    const message = err instanceof ScanError || err instanceof Error ? err.message : String(err);
    io.stderr(`error: ${safe(message)}\n`);
    return SCAN_ERROR;
  }
  const { findings, filesScanned, skipped } = result;
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ findings, filesScanned, skipped }, null, 2)}\n`);
  } else if (opts.format === 'sarif') {
    io.stdout(`${JSON.stringify(toSarif(findings, opts.toolVersion), null, 2)}\n`);
  } else if (findings.length === 0) {
    io.stdout(
      `No Keyward secrets found (${filesScanned} files scanned${skipped ? `, ${skipped} skipped` : ''}).\n`,
    );
  } else {
    io.stdout(`${table(findings)}\n`);
    const distinct = new Set(findings.map((f) => f.fingerprint)).size;
    io.stderr(
      `${findings.length} Keyward secret${findings.length === 1 ? '' : 's'} found (${distinct} distinct) in ${filesScanned} files scanned: rotate or revoke the keys they belong to.\n`,
    );
  }
  return findings.length > 0 ? SCAN_FOUND : SCAN_CLEAN;
}
