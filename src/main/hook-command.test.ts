import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../cli/test-admin-api.js';
import { generateSecret, secretHint } from '../core/secret-format.js';
import { BACKUP_NAME, HOOK_MARKER, shQuote } from '../scan/git-hook.js';
import { localCommands } from './local-commands.js';

/**
 * `keyward hook install|uninstall` in real temporary git repositories, with real `git commit`s.
 * The hook needs a runnable scanner and dist/ may not be built, so beforeAll compiles the scan
 * layer (src/scan + the core files it uses, ~2 s) into a temp folder and the tests install the hook
 * with `--command "node <runner.mjs>"`; the runner calls the same `runScan` as `keyward scan
 * --staged`. The default command (this installation's cli.js) is checked as text.
 */

const P = 'kw_live';
const local = localCommands(() => {});
const repoRoot = join(import.meta.dirname, '..', '..');

let build: string;
let runnerCommand: string;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // Never read or write the developer's global git settings (a global core.hooksPath, signing…).
  build = await mkdtemp(join(tmpdir(), 'keyward-hook-build-'));
  await writeFile(join(build, 'gitconfig'), '');
  process.env.GIT_CONFIG_GLOBAL = join(build, 'gitconfig');
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir',
      join(build, 'out'),
      '--rootDir',
      join(repoRoot, 'src'),
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      join(repoRoot, 'src', 'scan', 'scan-command.ts'),
    ],
    { stdio: 'pipe' },
  );
  await writeFile(join(build, 'out', 'package.json'), '{"type":"module"}\n');
  const runner = join(build, 'out', 'runner.mjs');
  await writeFile(
    runner,
    `import { runScan } from './scan/scan-command.js';
if (process.argv.slice(2).join(' ') !== 'scan --staged') throw new Error('unexpected arguments');
process.exitCode = await runScan(
  { paths: [], prefix: 'kw_live', staged: true, gitHistory: false, ignore: true,
    maxSize: 10485760, format: 'table', cwd: process.cwd(), toolVersion: 'test' },
  { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s),
    readStdin: async () => '' },
);
`,
  );
  runnerCommand = `${shQuote(process.execPath)} ${shQuote(runner)}`;
}, 60_000);

afterAll(async () => {
  for (const name of ['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'] as const) {
    const value = savedEnv[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(build, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-hook-'));
  git('init', '-q');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  git('config', 'commit.gpgsign', 'false');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

function commit(message: string) {
  const r = spawnSync('git', ['commit', '-q', '-m', message], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hook(...args: string[]) {
  return runKeyward(['hook', ...args, '-C', dir], testIo(), local);
}

const hookPath = () => join(dir, '.git', 'hooks', 'pre-commit');

describe('keyward hook', () => {
  it('blocks a commit containing a secret and lets a clean one through', async () => {
    const installed = await hook('install', '--command', runnerCommand);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('hook installed');
    const script = await readFile(hookPath(), 'utf8');
    expect(script).toContain(HOOK_MARKER);
    expect((await stat(hookPath())).mode & 0o111).not.toBe(0);

    await writeFile(join(dir, 'README.md'), 'hello\n');
    git('add', 'README.md');
    const clean = commit('clean');
    expect(clean.stderr).not.toContain('keyward'); // quiet when clean
    expect(clean.code).toBe(0);

    const secret = generateSecret(P);
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'config.ts'), `// setup\nconst key = '${secret}';\n`);
    git('add', 'src/config.ts');
    const blocked = commit('leak');
    expect(blocked.code).toBe(1);
    const output = blocked.stdout + blocked.stderr;
    expect(output).not.toContain(secret);
    expect(output).toContain('src/config.ts');
    expect(output).toMatch(/src\/config\.ts\s+2\s+/); // file and line
    expect(output).toContain(secretHint(secret, P));
    expect(output).toContain('commit blocked');
    expect(output).toContain('git restore --staged');
    expect(output).toMatch(/rotate the key/);
    expect(git('log', '--format=%s').trim().split('\n')).toEqual(['clean']);

    // Cleaned and re-staged: the commit goes through.
    await writeFile(join(dir, 'src', 'config.ts'), 'const key = process.env.KEY;\n');
    git('add', 'src/config.ts');
    expect(commit('fixed').code).toBe(0);
  });

  it('is idempotent, chains a previous hook and restores it on uninstall', async () => {
    const previous =
      '#!/bin/sh\necho previous-hook-ran >> "$(git rev-parse --git-dir)/chain.log"\n';
    await mkdir(join(dir, '.git', 'hooks'), { recursive: true });
    await writeFile(hookPath(), previous, { mode: 0o755 });

    const first = await hook('install', '--command', runnerCommand);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(BACKUP_NAME);
    const backup = join(dir, '.git', 'hooks', BACKUP_NAME);
    expect(await readFile(backup, 'utf8')).toBe(previous);
    const script = await readFile(hookPath(), 'utf8');

    const second = await hook('install', '--command', runnerCommand, '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ hook: hookPath(), outcome: 'unchanged' });
    expect(await readFile(hookPath(), 'utf8')).toBe(script);
    expect(await readFile(backup, 'utf8')).toBe(previous);

    // A clean commit runs the previous hook after the scan; a leaking one stops before it.
    await writeFile(join(dir, 'a.txt'), 'a\n');
    git('add', 'a.txt');
    expect(commit('a').code).toBe(0);
    expect(await readFile(join(dir, '.git', 'chain.log'), 'utf8')).toBe('previous-hook-ran\n');
    await writeFile(join(dir, 'b.env'), `KEY=${generateSecret(P)}\n`);
    git('add', 'b.env');
    expect(commit('b').code).toBe(1);
    expect(await readFile(join(dir, '.git', 'chain.log'), 'utf8')).toBe('previous-hook-ran\n');

    const removed = await hook('uninstall');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed');
    expect(removed.stdout).toContain('previous hook is back');
    expect(await readFile(hookPath(), 'utf8')).toBe(previous);
    await expect(stat(backup)).rejects.toThrow();

    const again = await hook('uninstall');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("not Keyward's hook");
    expect(await readFile(hookPath(), 'utf8')).toBe(previous);
  });

  it('uninstall without a previous hook removes it; without a hook it says so', async () => {
    expect((await hook('install', '--command', runnerCommand)).code).toBe(0);
    expect((await hook('uninstall')).code).toBe(0);
    await expect(stat(hookPath())).rejects.toThrow();
    const none = await hook('uninstall');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No Keyward pre-commit hook');
  });

  it('respects core.hooksPath and updates an older Keyward hook', async () => {
    git('config', 'core.hooksPath', 'tools/hooks');
    const r = await hook('install', '--command', runnerCommand, '--json');
    expect(r.code).toBe(0);
    const target = join(dir, 'tools', 'hooks', 'pre-commit');
    expect(JSON.parse(r.stdout)).toEqual({ hook: target, outcome: 'installed' });
    expect(await readFile(target, 'utf8')).toContain(HOOK_MARKER);
    await expect(stat(hookPath())).rejects.toThrow();

    const updated = await hook('install', '--json');
    expect(JSON.parse(updated.stdout).outcome).toBe('updated');
    const script = await readFile(target, 'utf8');
    // The default: this installation's node and cli.js, then node_modules/.bin, then npx.
    expect(script).toContain(shQuote(process.execPath));
    expect(script).toContain(shQuote(join(repoRoot, 'src', 'main', 'cli.js')));
    expect(script).toContain('node_modules/.bin/keyward scan --staged');
    expect(script).toContain('npx --no-install keyward scan --staged');
  });

  it('refuses to install over a foreign hook when a backup already exists', async () => {
    await mkdir(join(dir, '.git', 'hooks'), { recursive: true });
    await writeFile(hookPath(), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await writeFile(join(dir, '.git', 'hooks', BACKUP_NAME), '#!/bin/sh\nexit 0\n');
    const r = await hook('install', '--command', runnerCommand);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('merge them by hand');
    expect(await readFile(hookPath(), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });

  it('fails outside a git repository', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'keyward-nogit-'));
    try {
      const r = await runKeyward(['hook', 'install', '-C', outside], testIo(), local);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('git rev-parse');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
