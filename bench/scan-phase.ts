import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE62_ALPHABET, formatSecret, RANDOM_LENGTH } from '../src/core/secret-format.js';
import { DEFAULT_MAX_SIZE, scanSecrets } from '../src/scan/secret-scanner.js';

/**
 * `npm run bench -- --only scan`: `keyward scan` (the same `scanSecrets` the CLI calls, in process)
 * over a generated tree: 20,000 text files of 26,214 bytes (500 MiB; `--quick`: 2,000 files) in
 * 100 folders, with PLANTED valid secrets and many look-alikes that fail the checksum. The tree
 * is deterministic (seeded PRNG), lives under os.tmpdir() and is deleted afterwards, even on
 * failure. The tree is scanned ROUNDS times; the first round follows the writes, so all rounds read
 * from the page cache (no cache dropping: that needs root) — figures are for a warm cache.
 */

const PREFIX = 'kw_live';
const FILE_SIZE = 26_214;
const FOLDERS = 100;
const PLANTED = 12;
const ROUNDS = 3;
/** Distinct file bodies; each file also gets its own first line. */
const BODIES = 64;

export interface ScanRoundResult {
  readonly seconds: number;
  readonly filesPerSecond: number;
  readonly mbPerSecond: number;
  readonly findings: number;
}

export interface ScanPhaseResult {
  readonly files: number;
  readonly bytes: number;
  readonly planted: number;
  readonly generateSeconds: number;
  readonly rounds: readonly ScanRoundResult[];
  readonly median: ScanRoundResult;
  readonly maxRssMb: number;
  readonly cpus: number;
}

/** xorshift32: the same tree on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function base62(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BASE62_ALPHABET[next() % 62];
  return s;
}

const WORDS = [
  'const',
  'return',
  'value',
  'config',
  'await',
  'token',
  'request',
  'key',
  'if',
  '=>',
];

/** Code-like text of exactly FILE_SIZE bytes, with look-alikes (wrong checksum) every ~40 lines. */
function body(next: () => number): string {
  const lines: string[] = [];
  let size = 0;
  let n = 0;
  while (size < FILE_SIZE) {
    const line =
      n++ % 40 === 7
        ? `  const fake = '${PREFIX}_${base62(next, 36)}';`
        : `  ${Array.from({ length: 3 + (next() % 8) }, () => WORDS[next() % WORDS.length]).join(' ')};`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines
    .join('\n')
    .slice(0, FILE_SIZE - 1)
    .padEnd(FILE_SIZE - 1, ' ')}\n`;
}

function fileName(root: string, i: number): string {
  return join(
    root,
    `d${String(i % FOLDERS).padStart(3, '0')}`,
    `f${String(i).padStart(5, '0')}.ts`,
  );
}

async function generate(root: string, files: number): Promise<void> {
  const next = prng(0x6b657977);
  const bodies = Array.from({ length: BODIES }, () => body(next));
  for (let d = 0; d < FOLDERS; d++) {
    await mkdir(join(root, `d${String(d).padStart(3, '0')}`), { recursive: true });
  }
  const stride = Math.floor(files / PLANTED);
  const writeOne = async (i: number) => {
    let text = bodies[i % BODIES] as string;
    const header = `// file ${i}\n`;
    if (i % stride === stride - 1 && i / stride < PLANTED) {
      const secret = formatSecret(PREFIX, base62(prng(i + 1), RANDOM_LENGTH));
      const line = `export const KEY = '${secret}';\n`;
      text = header + line + text.slice(header.length + line.length);
    } else {
      text = header + text.slice(header.length);
    }
    await writeFile(fileName(root, i), text);
  };
  const limit = 32;
  let i = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < files) await writeOne(i++);
    }),
  );
}

function round(files: number, bytes: number, seconds: number, findings: number): ScanRoundResult {
  return {
    seconds,
    filesPerSecond: files / seconds,
    mbPerSecond: bytes / 1e6 / seconds,
    findings,
  };
}

export async function runScanPhase(
  quick: boolean,
  log: (line: string) => void,
): Promise<ScanPhaseResult> {
  const files = quick ? 2_000 : 20_000;
  const root = await mkdtemp(join(tmpdir(), 'keyward-bench-scan-'));
  try {
    log(`scan: generating ${files} files × ${FILE_SIZE} bytes under ${root} …`);
    const t0 = performance.now();
    await generate(root, files);
    const generateSeconds = (performance.now() - t0) / 1000;
    const bytes = files * FILE_SIZE;
    const rounds: ScanRoundResult[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const start = performance.now();
      const result = await scanSecrets({
        paths: ['.'],
        prefix: PREFIX,
        staged: false,
        ignore: true,
        maxSize: DEFAULT_MAX_SIZE,
        cwd: root,
        readStdin: async () => '',
      });
      const seconds = (performance.now() - start) / 1000;
      if (result.filesScanned !== files) {
        throw new Error(`scanned ${result.filesScanned} files, expected ${files}`);
      }
      rounds.push(round(files, bytes, seconds, result.findings.length));
      log(`scan: round ${r + 1}: ${seconds.toFixed(2)} s, ${result.findings.length} findings`);
    }
    const median = [...rounds].sort((a, b) => a.seconds - b.seconds)[Math.floor(ROUNDS / 2)];
    return {
      files,
      bytes,
      planted: PLANTED,
      generateSeconds,
      rounds,
      median: median as ScanRoundResult,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      cpus: cpus().length,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function renderScanPhase(r: ScanPhaseResult): string {
  const m = r.median;
  return [
    `keyward scan over ${r.files} files, ${(r.bytes / 2 ** 20).toFixed(0)} MiB (${(r.bytes / 1e6).toFixed(0)} MB), ${r.cpus} CPUs, warm page cache`,
    `  generated in ${r.generateSeconds.toFixed(1)} s; ${r.planted} secrets planted`,
    `  median of ${r.rounds.length}: ${m.seconds.toFixed(2)} s wall, ${Math.round(m.filesPerSecond)} files/s, ${Math.round(m.mbPerSecond)} MB/s, ${m.findings} findings`,
    `  rounds: ${r.rounds.map((x) => `${x.seconds.toFixed(2)} s`).join(', ')}; peak RSS ${Math.round(r.maxRssMb)} MB`,
    '',
  ].join('\n');
}
