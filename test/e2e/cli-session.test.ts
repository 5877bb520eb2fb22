import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../../src/cli/test-admin-api.js';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';

/** The CLI against the real admin API over loopback HTTP. */

let kw: TestKeyward;
let home: string;
beforeAll(async () => {
  kw = await startTestKeyward();
  home = await mkdtemp(join(tmpdir(), 'keyward-cli-'));
});
afterAll(async () => {
  await kw?.stop();
  await rm(home, { recursive: true, force: true });
});

function cli(args: string[], options: { stdin?: string; token?: string } = {}) {
  const env = {
    KEYWARD_URL: kw.url,
    KEYWARD_CONFIG_HOME: home,
    ...(options.token && { KEYWARD_TOKEN: options.token }),
  };
  return runKeyward(
    args,
    testIo({ env, ...(options.stdin !== undefined && { stdin: options.stdin }) }),
  );
}

async function json<T>(
  args: string[],
  options: { stdin?: string; token?: string } = {},
): Promise<T> {
  const run = await cli([...args, '--json'], options);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe('keyward CLI against a real server', () => {
  it('logs in, creates an institution, its admin and a key, regenerates, and shows problems clearly', async () => {
    expect(
      (
        await cli(['login', '--email', kw.operator.email, '--password-stdin'], {
          stdin: kw.operator.password,
        })
      ).code,
    ).toBe(0);
    const ins = await json<{ id: string }>([
      'institutions',
      'create',
      'Comune CLI',
      '--external-code',
      '01234567890',
    ]);
    const added = await cli([
      'members',
      'add',
      ins.id,
      '--email',
      'eve@example.test',
      '--name',
      'Eve',
      '--role',
      'admin',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const temporary = /Temporary password: (\S+)/.exec(added.stdout)?.[1] as string;
    expect(temporary).toBeDefined();

    // Eve signs in with the temporary password and must change it first.
    expect(
      (
        await cli(['login', '--email', 'eve@example.test', '--password-stdin'], {
          stdin: temporary,
        })
      ).code,
    ).toBe(0);
    const blocked = await cli(['keys', 'list', ins.id]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/PASSWORD_CHANGE_REQUIRED/);
    expect(blocked.stderr).toMatch(/keyward password/);
    expect(
      (await cli(['password', '--password-stdin'], { stdin: `${temporary}\neve-new-password-1\n` }))
        .code,
    ).toBe(0);

    const created = await json<{
      key: { id: string };
      secrets: { primary: string; secondary: string };
    }>([
      'keys',
      'create',
      ins.id,
      '--name',
      'Protocol',
      '--scope',
      'messages',
      '--cidr',
      '10.0.0.0/8',
      '--rate-limit',
      '100/60s',
    ]);
    const keyId = created.key.id;
    const table = await cli(['keys', 'list', ins.id]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Protocol');
    expect(table.stdout).toContain(created.secrets.primary.slice(-4));
    expect(table.stdout).not.toContain(created.secrets.primary);

    const regen = await json<{ secret: string }>([
      'keys',
      'regenerate',
      keyId,
      '--slot',
      'secondary',
    ]);
    expect(regen.secret).not.toBe(created.secrets.secondary);
    const secrets = await json<{ primary: string; secondary: string }>(['keys', 'secrets', keyId]);
    expect(secrets).toEqual({ primary: created.secrets.primary, secondary: regen.secret });

    const bad = await cli(['keys', 'update', keyId, '--cidr', '300.1.1.1/8']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: allowedCidrs\[0\] .*\(VALIDATION_FAILED, request req_/);

    const suspended = await json<{ state: string }>(['keys', 'update', keyId, '--suspend']);
    expect(suspended.state).toBe('suspended');
    const audit = await json<{ events: { action: string }[] }>([
      'audit',
      'list',
      ins.id,
      '--limit',
      '3',
    ]);
    expect(audit.events.map((e) => e.action)).toEqual([
      'key.suspend',
      'key.secrets.view',
      'key.regenerate',
    ]);

    expect((await cli(['keys', 'delete', keyId, '--yes'])).code).toBe(0);
    const gone = await cli(['keys', 'show', keyId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/NOT_FOUND/);
  });

  it('authenticates automation with KEYWARD_TOKEN (a manage key)', async () => {
    expect(
      (
        await cli(['login', '--email', kw.operator.email, '--password-stdin'], {
          stdin: kw.operator.password,
        })
      ).code,
    ).toBe(0);
    const ins = await json<{ id: string }>(['institutions', 'create', 'Automation']);
    await cli(
      [
        'members',
        'add',
        ins.id,
        '--email',
        'frank@example.test',
        '--name',
        'Frank',
        '--role',
        'admin',
        '--password-stdin',
      ],
      {
        stdin: 'frank-password-12',
      },
    );
    await cli(['login', '--email', 'frank@example.test', '--password-stdin'], {
      stdin: 'frank-password-12',
    });
    const manage = await json<{ secrets: { primary: string } }>([
      'keys',
      'create',
      ins.id,
      '--name',
      'ci',
      '--kind',
      'manage',
    ]);
    const made = await json<{ key: { id: string; institutionId: string } }>(
      ['keys', 'create', ins.id, '--name', 'by-ci'],
      {
        token: manage.secrets.primary,
      },
    );
    expect(made.key.institutionId).toBe(ins.id);
    const wrong = await cli(['keys', 'list', ins.id], {
      token: 'kw_live_0000000000000000000000000000002C8GjS',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/UNAUTHENTICATED/);
  });
});
