import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeAdminApi,
  runKeyward,
  startFakeAdminApi,
  tempConfigHome,
  testIo,
} from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const MEMBER = {
  userId: 'usr_2',
  email: 'bo@example.org',
  name: 'Bo',
  role: 'operator',
  createdAt: '2030-01-01T00:00:00.000Z',
};

describe('members commands', () => {
  let api: FakeAdminApi;
  let home: Awaited<ReturnType<typeof tempConfigHome>>;
  let env: Record<string, string>;

  beforeEach(async () => {
    api = await startFakeAdminApi();
    home = await tempConfigHome();
    env = { KEYWARD_URL: api.url, KEYWARD_CONFIG_HOME: home.dir, KEYWARD_TOKEN: 'kw_live_manage' };
  });
  afterEach(async () => {
    await api.close();
    await home.cleanup();
  });

  const add = [
    'members',
    'add',
    'ins_1',
    '--email',
    'bo@example.org',
    '--name',
    'Bo',
    '--role',
    'operator',
  ];

  it('add prints the generated temporary password once, with what to do with it', async () => {
    api.on('POST', '/api/v1/institutions/ins_1/members', {
      status: 201,
      body: { member: MEMBER, temporaryPassword: 'Tmp-pass-123' },
    });
    const result = await runKeyward(add, testIo({ env }));
    expect(result.code).toBe(0);
    expect(api.requests[0]?.body).toEqual({
      email: 'bo@example.org',
      name: 'Bo',
      role: 'operator',
    });
    expect(result.stdout).toContain('Added bo@example.org (usr_2) as operator.');
    expect(result.stdout.split('Tmp-pass-123')).toHaveLength(2);
    expect(result.stdout).toContain('Temporary password: Tmp-pass-123');
    expect(result.stdout).toContain('must be changed at first login');
  });

  it('add --password-stdin sends the piped password', async () => {
    api.on('POST', '/api/v1/institutions/ins_1/members', { status: 201, body: { member: MEMBER } });
    const result = await runKeyward(
      [...add, '--password-stdin'],
      testIo({ env, stdin: 'Chosen pw 1\n' }),
    );
    expect(api.requests[0]?.body).toMatchObject({ password: 'Chosen pw 1' });
    expect(result.stdout).not.toContain('Temporary password');
  });

  it('list, update and remove', async () => {
    api.on('GET', '/api/v1/institutions/ins_1/members', { body: { members: [MEMBER] } });
    api.on('PATCH', '/api/v1/institutions/ins_1/members/usr_2', {
      body: { ...MEMBER, role: 'admin' },
    });
    api.on('DELETE', '/api/v1/institutions/ins_1/members/usr_2', { status: 204 });
    const list = await runKeyward(['members', 'list', 'ins_1'], testIo({ env }));
    expect(list.stdout).toBe(
      'USER ID  EMAIL           NAME  ROLE      SINCE\n' +
        'usr_2    bo@example.org  Bo    operator  2030-01-01T00:00:00.000Z\n',
    );
    const update = await runKeyward(
      ['members', 'update', 'ins_1', 'usr_2', '--role', 'admin'],
      testIo({ env }),
    );
    expect(update.stdout).toContain('admin');
    const remove = await runKeyward(
      ['members', 'remove', 'ins_1', 'usr_2', '--json'],
      testIo({ env }),
    );
    expect(remove).toMatchObject({ code: 0, stdout: '' });
    expect(api.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body)}`)).toEqual([
      'GET /api/v1/institutions/ins_1/members undefined',
      'PATCH /api/v1/institutions/ins_1/members/usr_2 {"role":"admin"}',
      'DELETE /api/v1/institutions/ins_1/members/usr_2 undefined',
    ]);
  });

  it('update requires --role', async () => {
    expect((await runKeyward(['members', 'update', 'ins_1', 'usr_2'], testIo({ env }))).code).toBe(
      2,
    );
  });
});
