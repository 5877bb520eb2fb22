import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../cli/test-admin-api.js';
import { generateSecret, secretHint } from '../core/secret-format.js';
import { runScan } from '../scan/scan-command.js';
import { localCommands } from './local-commands.js';

const P = 'kw_live';
const local = localCommands(() => {});

let dir: string;
const planted: string[] = [];

function plant(): string {
  const s = generateSecret(P);
  planted.push(s);
  return s;
}

async function scan(args: string[], stdin?: string) {
  const result = await runKeyward(['scan', ...args], testIo({ stdin }), local);
  for (const s of planted) {
    expect(result.stdout).not.toContain(s);
    expect(result.stderr).not.toContain(s);
  }
  return result;
}

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-scan-'));
  planted.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keyward scan', () => {
  it('finds planted secrets recursively, skipping .git, node_modules, binaries and big files', async () => {
    const a = plant();
    const b = plant();
    await mkdir(join(dir, 'src', 'deep'), { recursive: true });
    await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
    await mkdir(join(dir, '.git'), { recursive: true });
    await writeFile(join(dir, 'src', 'deep', 'config.ts'), `const k = '${a}';\n`);
    await writeFile(join(dir, 'notes.md'), `line\n\n  ${b}\n`);
    await writeFile(join(dir, 'node_modules', 'x', 'i.js'), plant());
    await writeFile(join(dir, '.git', 'config'), plant());
    await writeFile(
      join(dir, 'blob.bin'),
      Buffer.concat([Buffer.from([0, 1]), Buffer.from(plant())]),
    );
    await writeFile(join(dir, 'big.txt'), `${plant()}\n${'x'.repeat(2048)}`);
    await writeFile(join(dir, 'clean.txt'), `kw_live_${'a'.repeat(36)}\n`);

    const r = await scan(['--no-ignore', '--max-size', '1k', '--json', '-C', dir]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { findings: Record<string, unknown>[] };
    expect(out.findings).toEqual([
      expect.objectContaining({ file: 'notes.md', line: 3, column: 3, hint: secretHint(b, P) }),
      expect.objectContaining({
        file: 'src/deep/config.ts',
        line: 1,
        column: 12,
        hint: secretHint(a, P),
      }),
    ]);

    const table = await scan([dir]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(secretHint(a, P));
    expect(table.stdout).toContain('FINGERPRINT');
    expect(table.stderr).toMatch(/Keyward secrets? found/);
  });

  it('exits 0 on a clean tree and 2 on a missing path', async () => {
    await writeFile(join(dir, 'ok.txt'), 'nothing here\n');
    const clean = await scan([dir]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('No Keyward secrets found');
    const missing = await scan([join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
  });

  it('reads standard input for -', async () => {
    const s = plant();
    const r = await scan(['-', '--json'], `hello\nexport KEY=${s}\n`);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings).toEqual([
      expect.objectContaining({ file: '-', line: 2, column: 12, hint: secretHint(s, P) }),
    ]);
  });

  it('supports a custom prefix', async () => {
    const s = generateSecret('acme_prod');
    planted.push(s);
    await writeFile(join(dir, 'a.env'), `K=${s}\n`);
    expect((await scan([dir])).code).toBe(0);
    const r = await scan([dir, '--prefix', 'acme_prod']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(secretHint(s, 'acme_prod'));
  });

  it('prints SARIF 2.1.0', async () => {
    const s = plant();
    await writeFile(join(dir, 'x.yml'), `token: ${s}\n`);
    const r = await scan(['--sarif', '-C', dir, '.']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toEqual(expect.any(String));
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0].tool.driver.name).toBe('keyward');
    expect(log.runs[0].tool.driver.rules[0].id).toBe('keyward/secret');
    expect(log.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: 'keyward/secret',
        level: 'error',
        message: { text: expect.stringContaining(secretHint(s, P)) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'x.yml' },
              region: { startLine: 1, startColumn: 8 },
            },
          },
        ],
        partialFingerprints: { 'keywardSecret/v1': expect.stringMatching(/^[0-9a-f]{16}$/) },
      }),
    ]);
  });

  describe('in a git repository', () => {
    beforeEach(() => {
      git('init', '-q');
      git('config', 'user.email', 'test@example.com');
      git('config', 'user.name', 'Test');
    });

    it('skips .gitignore’d files unless --no-ignore', async () => {
      const ignored = plant();
      const tracked = plant();
      await writeFile(join(dir, '.gitignore'), '.env\n');
      await writeFile(join(dir, '.env'), `KEY=${ignored}\n`);
      await writeFile(join(dir, 'app.ts'), `// ${tracked}\n`);
      const byDefault = await scan(['--json', '-C', dir]);
      expect(byDefault.code).toBe(1);
      expect(JSON.parse(byDefault.stdout).findings.map((f: { file: string }) => f.file)).toEqual([
        'app.ts',
      ]);
      const all = await scan(['--json', '--no-ignore', '-C', dir]);
      expect(JSON.parse(all.stdout).findings.map((f: { file: string }) => f.file)).toEqual([
        '.env',
        'app.ts',
      ]);
    });

    it('--staged scans what is about to be committed', async () => {
      const staged = plant();
      const unstaged = plant();
      await writeFile(join(dir, 'committed.txt'), 'clean\n');
      git('add', 'committed.txt');
      git('commit', '-q', '-m', 'init');
      await writeFile(join(dir, 'new.txt'), `x ${staged}\n`);
      git('add', 'new.txt');
      await writeFile(join(dir, 'new.txt'), `x ${staged}\ny ${unstaged}\n`); // not staged
      await writeFile(join(dir, 'untracked.txt'), unstaged);
      const r = await scan(['--staged', '--json', '-C', dir]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings).toEqual([
        expect.objectContaining({
          file: 'new.txt',
          line: 1,
          column: 3,
          hint: secretHint(staged, P),
        }),
      ]);
      git('commit', '-q', '-m', 'second');
      expect((await scan(['--staged', '-C', dir])).code).toBe(0);
    });

    it('--git-history finds secrets removed from the tree, once, with their commit', async () => {
      const old = plant();
      const deep = plant();
      await writeFile(join(dir, 'a.env'), `KEY=${old}\n`);
      await writeFile(join(dir, 'big.txt'), `${'y'.repeat(300_000)}\n  ${deep}\n`);
      git('add', '.');
      git('commit', '-q', '-m', 'leak');
      const leak = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir }).toString().trim();
      await writeFile(join(dir, 'a.env'), 'KEY=\n');
      await writeFile(join(dir, 'other.txt'), `KEY=${old}\n`); // the same content: the same blob
      git('add', '.');
      git('commit', '-q', '-m', 'fix');
      await rm(join(dir, 'other.txt'));
      await rm(join(dir, 'big.txt'));
      git('add', '.');
      git('commit', '-q', '-m', 'fix again');
      expect((await scan(['-C', dir])).code).toBe(0);
      const r = await scan(['--git-history', '--json', '-C', dir]);
      expect(r.code).toBe(1);
      const findings = JSON.parse(r.stdout).findings as Record<string, unknown>[];
      // other.txt holds the same bytes as the old a.env: one blob, reported once.
      expect(findings).toEqual([
        expect.objectContaining({ file: 'a.env', commit: leak, line: 1, column: 5 }),
        expect.objectContaining({ file: 'big.txt', commit: leak, line: 2, column: 3 }),
      ]);
      const table = await scan(['--git-history', '-C', dir]);
      expect(table.stdout).toContain(`${leak.slice(0, 12)}:a.env`);
    });
  });

  it('--verify asks about each distinct secret once, in batches of 1,000, and fails closed', async () => {
    // A stand-in for the server (the real one: test/e2e/leak-report.test.ts).
    const secrets = Array.from({ length: 1001 }, () => plant());
    const text = `${secrets.join('\n')}\n${secrets[0]}\n`;
    const batches: number[] = [];
    const io = {
      out: [] as string[],
      err: [] as string[],
      stdout(s: string) {
        this.out.push(s);
      },
      stderr(s: string) {
        this.err.push(s);
      },
      readStdin: async () => text,
    };
    const options = {
      paths: ['-'],
      prefix: P,
      staged: false,
      gitHistory: false,
      ignore: true,
      maxSize: 1 << 20,
      format: 'json' as const,
      cwd: dir,
      toolVersion: 'test',
    };
    const code = await runScan(
      {
        ...options,
        verify: async (batch) => {
          batches.push(batch.length);
          return batch.map((secret) => ({
            fingerprint: 'the client keeps its own',
            status: secret === secrets[0] ? ('live' as const) : ('unknown' as const),
          }));
        },
      },
      io,
    );
    expect(code).toBe(1);
    expect(batches).toEqual([1000, 1]);
    const findings = JSON.parse(io.out.join('')).findings as {
      fingerprint: string;
      verification: { fingerprint: string; status: string };
    }[];
    expect(findings).toHaveLength(1002);
    const printed = io.out.join('') + io.err.join('');
    expect(secrets.some((secret) => printed.includes(secret))).toBe(false);
    expect(findings.every((f) => f.verification.fingerprint === f.fingerprint)).toBe(true);
    expect(findings.filter((f) => f.verification.status === 'live')).toHaveLength(2);
    for (const verify of [
      async () => {
        throw new Error('could not verify with https://kw.example.test: down');
      },
      async () => [],
    ]) {
      io.out.length = 0;
      io.err.length = 0;
      expect(await runScan({ ...options, verify }, io)).toBe(2);
      expect(io.out).toEqual([]);
      expect(io.err.join('')).toMatch(/could not verify|different number/);
    }
  });

  it('--staged outside a git work tree exits 2', async () => {
    const r = await scan(['--staged', '-C', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('git work tree');
  });
});
