import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, generateSecret, parseSecret } from '../core/secret-format.js';

/**
 * Runs the real `secretlint` CLI from npm with the shipped rule over fixtures. `npm test` runs
 * without a build, so the rule and the core modules it imports are transpiled (no type check) to a
 * temporary directory first: the same code `npm run build` emits into dist/rules.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(SRC, '..');
const SECRETLINT = join(ROOT, 'node_modules', '.bin', 'secretlint');

let dir: string;

/** Transpiles `entry` (under src/) and every relative import it reaches into `outDir`. */
async function transpileTree(entry: string, outDir: string): Promise<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(outDir, relative(SRC, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, out.outputText);
    for (const m of source.matchAll(/^import(?!\s+type\b)[^'"]*?from\s+'(\.[^']+)\.js'/gm)) {
      queue.push(resolve(dirname(file), `${m[1]}.ts`));
    }
  }
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return join(outDir, relative(SRC, entry)).replace(/\.ts$/, '.js');
}

/** `secret` with one body character changed: same shape, failing checksum. */
function breakChecksum(secret: string, at: number): string {
  const i = secret.length - 1 - at;
  const c = secret[i] as string;
  const swapped = BASE62_ALPHABET[(BASE62_ALPHABET.indexOf(c) + 7) % 62] as string;
  return secret.slice(0, i) + swapped + secret.slice(i + 1);
}

interface SecretlintMessage {
  ruleId: string;
  message: string;
  range: [number, number];
  loc: { start: { line: number; column: number } };
}
interface SecretlintResult {
  filePath: string;
  messages: SecretlintMessage[];
}

function runSecretlint(cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      SECRETLINT,
      ['**/*', '--format', 'json', '--no-maskSecrets'],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-secretlint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secretlint rule (real secretlint CLI)', () => {
  it('reports exactly the planted Keyward secrets', async () => {
    const rule = await transpileTree(
      join(SRC, 'rules', 'secretlint-rule-keyward.ts'),
      join(dir, 'rule'),
    );
    const work = join(dir, 'work');
    await mkdir(join(work, 'src', 'deep'), { recursive: true });
    await writeFile(join(work, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: rule }] }));

    const planted: { file: string; secret: string; line: number; column: number }[] = [];
    const plant = (file: string, line: number, column: number): string => {
      const secret = generateSecret('kw_live');
      planted.push({ file, secret, line, column });
      return secret;
    };

    const lookAlikes: string[] = [];
    for (let at = 0; at < 36; at += 5)
      lookAlikes.push(breakChecksum(generateSecret('kw_live'), at));
    lookAlikes.push(`kw_live_${'a'.repeat(36)}`, `kw_live_${'0'.repeat(30)}000000`);
    for (const s of lookAlikes) expect(parseSecret(s, 'kw_live').ok).toBe(false);

    const vendors = [
      `ghp_${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'.slice(0, 36)}`,
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      'AKIAIOSFODNN7EXAMPLE',
      'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      generateSecret('kw_test'), // a valid secret with another prefix: not configured
    ];

    await writeFile(
      join(work, 'src', 'deep', 'config.ts'),
      `// config\nconst key = '${plant('src/deep/config.ts', 2, 14)}';\nconst fake = '${lookAlikes[0]}';\n`,
    );
    await writeFile(
      join(work, '.env'),
      `KEYWARD_KEY=${plant('.env', 1, 13)}\nGITHUB=${vendors[0]}\nAWS=${vendors[2]}\n`,
    );
    await writeFile(
      join(work, 'notes.md'),
      [
        '# notes',
        ...lookAlikes.map((s) => `- ${s}`),
        ...vendors.map((s) => `- ${s}`),
        `two on a line: ${plant('notes.md', lookAlikes.length + vendors.length + 2, 16)} and ${lookAlikes[1]}`,
        `glued: "${lookAlikes[2]}${lookAlikes[3]}"`,
        '',
      ].join('\n'),
    );
    await writeFile(join(work, 'clean.txt'), `nothing here\n${vendors.join(' ')}\n`);

    const r = await runSecretlint(work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as SecretlintResult[];
    const found = results.flatMap((res) =>
      res.messages.map((m) => ({
        file: relative(work, res.filePath).replaceAll('\\', '/'),
        ruleId: m.ruleId,
        text: readFileSyncCache(res.filePath).slice(m.range[0], m.range[1]),
        line: m.loc.start.line,
        column: m.loc.start.column,
        message: m.message,
      })),
    );
    // secretlint names a finding's rule by its id in the config
    expect(found.map((f) => f.ruleId)).toEqual(found.map(() => rule));
    expect(
      found.map(({ file, text, line, column }) => ({ file, secret: text, line, column })),
    ).toEqual(
      expect.arrayContaining(
        planted.map(({ file, secret, line, column }) => ({
          file,
          secret,
          line,
          // secretlint columns are 0-based
          column: column - 1,
        })),
      ),
    );
    expect(found).toHaveLength(planted.length);
    for (const f of found) expect(f.message).toMatch(/^found a Keyward API key secret \(kw_live_…/);
  }, 90_000);
});

const fileCache = new Map<string, string>();
function readFileSyncCache(path: string): string {
  let text = fileCache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    fileCache.set(path, text);
  }
  return text;
}
