import { execFile, spawn } from 'node:child_process';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type SecretFinding, scanText } from '../core/secret-scan.js';

/**
 * `keyward scan`: walks files (or standard input, or the git index) and reports Keyward secrets.
 * All I/O is here; the matching is core/secret-scan.ts. Files are read once each, at most
 * `concurrency` at a time; binary files (a NUL byte in the first 8 KiB) and files over `maxSize`
 * are skipped.
 */

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;
const BINARY_SNIFF = 8 * 1024;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

export interface ScanRequest {
  readonly paths: readonly string[];
  readonly prefix: string;
  readonly staged: boolean;
  /** Every blob reachable from any ref, once: `git rev-list --objects --all` + `cat-file --batch`. */
  readonly gitHistory?: boolean;
  /** When false, `.gitignore` is not consulted. */
  readonly ignore: boolean;
  readonly maxSize: number;
  readonly cwd: string;
  readonly readStdin: () => Promise<string>;
  readonly concurrency?: number;
  /** Keep the secrets found, by fingerprint, in ScanResult.secrets (for `--verify`). */
  readonly keepSecrets?: boolean;
}

export interface ScanResult {
  readonly findings: SecretFinding[];
  /** With `keepSecrets`: fingerprint → secret. Never printed; the caller drops it when done. */
  readonly secrets?: Map<string, string>;
  readonly filesScanned: number;
  readonly skipped: number;
}

/** A bad path or a failing git command: the scan is incomplete (exit code 2). */
export class ScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanError';
  }
}

function git(cwd: string, args: readonly string[], maxBuffer = 256 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, encoding: 'buffer', maxBuffer, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const detail = Buffer.isBuffer(stderr) ? stderr.toString('utf8').trim() : '';
          reject(new ScanError(`git ${args[0]} failed${detail ? `: ${detail}` : ''}`));
        } else resolvePromise(stdout);
      },
    );
  });
}

function splitZ(buf: Buffer): string[] {
  return buf
    .toString('utf8')
    .split('\0')
    .filter((s) => s !== '');
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, BINARY_SNIFF).includes(0);
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The work tree root containing `dir`, or null outside git (or without git). */
async function gitTopLevel(dir: string): Promise<string | null> {
  try {
    const out = await git(dir, ['rev-parse', '--show-toplevel']);
    return out.toString('utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Files under `dir`, skipping `.git` and `node_modules`. */
async function walk(dir: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new ScanError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(full, out);
    } else if (entry.isFile()) out.push(full);
  }
}

/** Files under `dir` that git does not ignore (tracked + untracked), or null outside git. */
async function gitListed(dir: string): Promise<string[] | null> {
  if ((await gitTopLevel(dir)) === null) return null;
  const out = await git(dir, ['ls-files', '-co', '--exclude-standard', '-z', '--', '.']);
  return splitZ(out)
    .filter((p) => !p.split('/').some((seg) => SKIPPED_DIRS.has(seg)))
    .map((p) => join(dir, p));
}

async function listFiles(req: ScanRequest, path: string): Promise<string[]> {
  const full = resolve(req.cwd, path);
  let info: import('node:fs').Stats;
  try {
    info = await stat(full);
  } catch {
    throw new ScanError(`no such file or directory: ${path}`);
  }
  if (info.isFile()) return [full];
  if (!info.isDirectory()) throw new ScanError(`not a file or directory: ${path}`);
  if (req.ignore) {
    const listed = await gitListed(full);
    if (listed !== null) return listed;
  }
  const files: string[] = [];
  await walk(full, files);
  return files;
}

/** Reads a file once: null when it is over `maxSize`, binary, or vanished meanwhile. */
async function readText(file: string, maxSize: number): Promise<string | null> {
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxSize) return null;
    const buf = await handle.readFile();
    if (buf.length > maxSize || isBinary(buf)) return null;
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') ? file : rel.split('\\').join('/');
}

export async function scanSecrets(req: ScanRequest): Promise<ScanResult> {
  const findings: SecretFinding[] = [];
  const secrets = req.keepSecrets ? new Map<string, string>() : undefined;
  let filesScanned = 0;
  let skipped = 0;
  const record = (file: string, text: string | null) => {
    if (text === null) {
      skipped++;
      return;
    }
    filesScanned++;
    for (const m of scanText(text, req.prefix, secrets)) findings.push({ file, ...m });
  };

  if (req.staged) {
    const top = await gitTopLevel(req.cwd);
    if (top === null) throw new ScanError('--staged needs a git work tree');
    const names = splitZ(
      await git(top, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACM']),
    );
    await forEachLimited(names, req.concurrency ?? 16, async (name) => {
      const blob = await git(top, ['show', `:${name}`]);
      const text = blob.length > req.maxSize || isBinary(blob) ? null : blob.toString('utf8');
      record(displayPath(req.cwd, join(top, name)), text);
    });
  }

  if (req.gitHistory) {
    const top = await gitTopLevel(req.cwd);
    if (top === null) throw new ScanError('--git-history needs a git repository');
    filesScanned += await scanHistory(top, req, findings, secrets, () => skipped++);
  }

  const paths = req.paths.length === 0 && !req.staged && !req.gitHistory ? ['.'] : req.paths;
  const files = new Set<string>();
  for (const path of paths) {
    if (path === '-') {
      const text = await req.readStdin();
      record('-', Buffer.byteLength(text) > req.maxSize ? null : text);
      continue;
    }
    for (const f of await listFiles(req, path)) files.add(f);
  }
  await forEachLimited([...files], req.concurrency ?? 16, async (file) => {
    record(displayPath(req.cwd, file), await readText(file, req.maxSize));
  });

  findings.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
  return { findings, filesScanned, skipped, ...(secrets && { secrets }) };
}

/**
 * Each blob reachable from any ref, read once through one `git cat-file --batch` process. A blob is
 * attributed to the oldest commit (in `git log --all --reverse` order) that added or changed a path
 * to it, and to that path.
 */
async function scanHistory(
  top: string,
  req: ScanRequest,
  findings: SecretFinding[],
  secrets: Map<string, string> | undefined,
  skip: () => void,
): Promise<number> {
  const log = (
    await git(top, [
      '-c',
      'core.quotePath=false',
      'log',
      '--all',
      '--reverse',
      '--root',
      '-m',
      '--raw',
      '--no-abbrev',
      '--no-renames',
      '--diff-filter=AM',
      '--format=commit %H',
    ])
  ).toString('utf8');
  const blobs: { sha: string; path: string; commit: string }[] = [];
  const seen = new Set<string>();
  let commit = '';
  for (const line of log.split('\n')) {
    if (line.startsWith('commit ')) {
      commit = line.slice(7).trim();
      continue;
    }
    // `:<old mode> <new mode> <old sha> <new sha> <status>\t<path>`
    if (!line.startsWith(':')) continue;
    const tab = line.indexOf('\t');
    const fields = line.slice(1, tab).split(' ');
    const sha = fields[3];
    if (tab < 0 || !sha || fields[1] === '160000' || seen.has(sha)) continue; // 160000: submodule
    seen.add(sha);
    blobs.push({ sha, path: line.slice(tab + 1), commit });
  }
  if (blobs.length === 0) return 0;
  const child = spawn('git', ['cat-file', '--batch'], {
    cwd: top,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<number>((resolveExit, reject) => {
    child.on('error', (err) => reject(new ScanError(`git cat-file failed: ${err.message}`)));
    child.on('close', (code) => resolveExit(code ?? 1));
  });
  child.stdin.on('error', () => {});
  child.stdin.end(`${blobs.map((b) => b.sha).join('\n')}\n`);

  // Output: `<sha> blob <size>\n<content>\n` (or `<sha> missing\n`) per requested object.
  const chunks: Buffer[] = [];
  let buffered = 0;
  let need = 0; // bytes needed before parsing can progress
  let index = 0;
  let scanned = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered < need) continue;
    let pending: Buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    for (;;) {
      need = 0;
      const nl = pending.indexOf(10);
      if (nl < 0) break;
      const header = pending.subarray(0, nl).toString('utf8').split(' ');
      if (header[1] === 'missing' || header.length < 3) {
        pending = pending.subarray(nl + 1);
        index++;
        continue;
      }
      const size = Number(header[2]);
      if (pending.length < nl + 1 + size + 1) {
        need = nl + 1 + size + 1;
        break;
      }
      const body = pending.subarray(nl + 1, nl + 1 + size);
      pending = pending.subarray(nl + 1 + size + 1);
      const blob = blobs[index++];
      if (header[1] !== 'blob' || !blob) continue;
      if (size > req.maxSize || isBinary(body)) {
        skip();
        continue;
      }
      scanned++;
      for (const m of scanText(body.toString('utf8'), req.prefix, secrets)) {
        findings.push({ file: blob.path, commit: blob.commit, ...m });
      }
    }
    chunks.length = 0;
    if (pending.length > 0) chunks.push(pending);
    buffered = pending.length;
  }
  const code = await exited;
  if (code !== 0) throw new ScanError(`git cat-file failed${stderr ? `: ${stderr.trim()}` : ''}`);
  return scanned;
}
