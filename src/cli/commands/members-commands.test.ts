import { describe, expect, it } from 'vitest';
import { runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const MEMBER = {
  userId: 'usr_2',
  email: 'bo@example.org',
  name: 'Bo',
  role: 'operator',
  createdAt: '2030-01-01T00:00:00.000Z',
};

describe('members commands', () => {
  const fake = useFakeAdminApi();

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
    fake.api.on('POST', '/api/v1/institutions/ins_1/members', {
      status: 201,
      body: { member: MEMBER, temporaryPassword: 'Tmp-pass-123' },
    });
    const result = await runKeyward(add, testIo({ env: fake.env }));
    expect(result.code).toBe(0);
    expect(fake.api.requests[0]?.body).toEqual({
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
    fake.api.on('POST', '/api/v1/institutions/ins_1/members', {
      status: 201,
      body: { member: MEMBER },
    });
    const result = await runKeyward(
      [...add, '--password-stdin'],
      testIo({ env: fake.env, stdin: 'Chosen pw 1\n' }),
    );
    expect(fake.api.requests[0]?.body).toMatchObject({ password: 'Chosen pw 1' });
    expect(result.stdout).not.toContain('Temporary password');
  });

  it('list, update and remove', async () => {
    fake.api.on('GET', '/api/v1/institutions/ins_1/members', { body: { members: [MEMBER] } });
    fake.api.on('PATCH', '/api/v1/institutions/ins_1/members/usr_2', {
      body: { ...MEMBER, role: 'admin' },
    });
    fake.api.on('DELETE', '/api/v1/institutions/ins_1/members/usr_2', { status: 204 });
    const list = await runKeyward(['members', 'list', 'ins_1'], testIo({ env: fake.env }));
    expect(list.stdout).toBe(
      'USER ID  EMAIL           NAME  ROLE      SINCE\n' +
        'usr_2    bo@example.org  Bo    operator  2030-01-01T00:00:00.000Z\n',
    );
    const update = await runKeyward(
      ['members', 'update', 'ins_1', 'usr_2', '--role', 'admin'],
      testIo({ env: fake.env }),
    );
    expect(update.stdout).toContain('admin');
    const remove = await runKeyward(
      ['members', 'remove', 'ins_1', 'usr_2', '--json'],
      testIo({ env: fake.env }),
    );
    expect(remove).toMatchObject({ code: 0, stdout: '' });
    expect(fake.api.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body)}`)).toEqual([
      'GET /api/v1/institutions/ins_1/members undefined',
      'PATCH /api/v1/institutions/ins_1/members/usr_2 {"role":"admin"}',
      'DELETE /api/v1/institutions/ins_1/members/usr_2 undefined',
    ]);
  });

  it('update requires --role', async () => {
    expect(
      (await runKeyward(['members', 'update', 'ins_1', 'usr_2'], testIo({ env: fake.env }))).code,
    ).toBe(2);
  });
});
