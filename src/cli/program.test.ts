import { describe, expect, it } from 'vitest';
import { CliExit } from './cli-exit.js';
import { createProgram } from './program.js';
import { recordingLocal, runKeyward, testIo } from './test-admin-api.js';

describe('local commands', () => {
  it('serve passes the parsed options, and only those given', async () => {
    const local = recordingLocal();
    const run = await runKeyward(
      [
        'serve',
        '--role',
        'gateway',
        '--admin-port',
        '4100',
        '--gateway-port',
        '0',
        '--data-dir',
        '/d',
        '--config',
        'k.json',
      ],
      testIo(),
      local,
    );
    expect(run.code).toBe(0);
    await runKeyward(['serve'], testIo(), local);
    expect(local.calls).toEqual([
      {
        command: 'serve',
        opts: { role: 'gateway', adminPort: 4100, gatewayPort: 0, dataDir: '/d', config: 'k.json' },
      },
      { command: 'serve', opts: {} },
    ]);
  });

  it('migrate and audit verify get --json and return their exit code', async () => {
    const local = recordingLocal(3);
    const migrate = await runKeyward(['migrate', '--json', '--data-dir', '/d'], testIo(), local);
    const verify = await runKeyward(['audit', 'verify'], testIo(), local);
    expect([migrate.code, verify.code]).toEqual([3, 3]);
    expect(local.calls).toEqual([
      { command: 'migrate', opts: { dataDir: '/d', json: true } },
      { command: 'auditVerify', opts: { json: false } },
    ]);
  });

  it('a local command that throws exits 1 with its message', async () => {
    const local = recordingLocal();
    local.serve = async () => {
      throw new Error('port 4000 is already in use');
    };
    const run = await runKeyward(['serve'], testIo(), local);
    expect(run).toMatchObject({ code: 1, stderr: 'error: port 4000 is already in use\n' });
  });
});

describe('usage errors exit 2 without calling anything', () => {
  it.each([
    [['serve', '--role', 'everything']],
    [['serve', '--admin-port', '99999']],
    [['serve', '--bogus']],
    [['frobnicate']],
    [['keys']],
    [['keys', 'show']],
    [['keys', 'show', 'key_1', 'extra']],
    [['keys', 'create', 'ins_1']],
    [['keys', 'create', 'ins_1', '--name', 'x', '--rate-limit', 'lots']],
    [['keys', 'regenerate', 'key_1', '--slot', 'tertiary']],
    [['keys', 'update', 'key_1', '--suspend', '--activate']],
    [['keys', 'update', 'key_1']],
    [['members', 'add', 'ins_1', '--email', 'a@b', '--name', 'A', '--role', 'owner']],
    [['keys', 'list', 'ins_1', '--url', 'ftp://example.org']],
  ])('keyward %j', async (args) => {
    const local = recordingLocal();
    // KEYWARD_URL points nowhere: a usage error must be caught before any request.
    const io = testIo({
      env: { KEYWARD_URL: 'http://127.0.0.1:1', KEYWARD_CONFIG_HOME: '/nonexistent' },
    });
    const run = await runKeyward(args, io, local);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error|Usage/);
    expect(run.stderr).not.toMatch(/cannot reach/);
    expect(local.calls).toEqual([]);
  });

  it('names the bad value of a rate limit', async () => {
    const run = await runKeyward([
      'keys',
      'create',
      'ins_1',
      '--name',
      'x',
      '--rate-limit',
      '100/60x',
    ]);
    expect(run.stderr).toContain(
      "option '--rate-limit <limit/window>' argument '100/60x' is invalid",
    );
  });
});

describe('help and version', () => {
  it('--help prints usage on stdout and exits 0', async () => {
    const run = await runKeyward(['keys', 'create', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: keyward keys create [options] <institutionId>');
    expect(run.stdout).toContain('--rate-limit <limit/window>');
  });

  it('parseAsync surfaces exits as CliExit for callers that drive the program directly', async () => {
    const program = createProgram(recordingLocal(), testIo());
    await expect(program.parseAsync(['node', 'keyward', '--version'])).rejects.toMatchObject({
      exitCode: 0,
    });
    await expect(
      createProgram(recordingLocal(), testIo()).parseAsync(['node', 'keyward', 'nope']),
    ).rejects.toBeInstanceOf(CliExit);
  });
});
