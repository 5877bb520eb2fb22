import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { problem, runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const LOGIN_OK = {
  status: 200,
  body: { user: { id: 'usr_1', email: 'ada@example.org' }, csrfToken: 'csrf-123' },
  headers: { 'set-cookie': ['keyward_session=sess-abc; Path=/; HttpOnly; SameSite=Strict'] },
};

describe('login, session use and logout', () => {
  const fake = useFakeAdminApi({});

  beforeEach(() => {
    fake.api.on('POST', '/api/v1/auth/login', LOGIN_OK);
    fake.api.on('GET', '/api/v1/institutions', { body: { institutions: [] } });
    fake.api.on('POST', '/api/v1/institutions', {
      status: 201,
      body: { id: 'ins_1', name: 'A', settings: {} },
    });
  });

  it('saves the session with mode 0600 and later commands send the cookie and CSRF token', async () => {
    const login = await runKeyward(
      ['login', '--email', 'ada@example.org', '--password-stdin'],
      testIo({ env: fake.env, stdin: 'pa ss\n' }),
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${fake.api.url} as ada@example.org`);
    expect(fake.api.requests[0]?.body).toEqual({ email: 'ada@example.org', password: 'pa ss' });

    const path = join(fake.home.dir, 'credentials.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(path, 'utf8')) as { sessions: Record<string, unknown> };
    expect(saved.sessions[fake.api.url]).toMatchObject({
      url: fake.api.url,
      cookie: 'keyward_session=sess-abc',
      csrfToken: 'csrf-123',
      email: 'ada@example.org',
    });

    expect((await runKeyward(['institutions', 'list'], testIo({ env: fake.env }))).code).toBe(0);
    expect(
      (await runKeyward(['institutions', 'create', 'A'], testIo({ env: fake.env }))).code,
    ).toBe(0);
    const [, list, create] = fake.api.requests;
    expect(list?.headers.cookie).toBe('keyward_session=sess-abc');
    expect(list?.headers.authorization).toBeUndefined();
    expect(list?.headers['x-csrf-token']).toBeUndefined();
    expect(create?.headers.cookie).toBe('keyward_session=sess-abc');
    expect(create?.headers['x-csrf-token']).toBe('csrf-123');
  });

  it('KEYWARD_TOKEN sends a Bearer token and no cookie, even with a saved session', async () => {
    await runKeyward(
      ['login', '--email', 'a@b', '--password-stdin'],
      testIo({ env: fake.env, stdin: 'pw' }),
    );
    const run = await runKeyward(
      ['institutions', 'create', 'A'],
      testIo({ env: { ...fake.env, KEYWARD_TOKEN: 'kw_live_manage' } }),
    );
    expect(run.code).toBe(0);
    const create = fake.api.requests.at(-1);
    expect(create?.headers.authorization).toBe('Bearer kw_live_manage');
    expect(create?.headers.cookie).toBeUndefined();
    expect(create?.headers['x-csrf-token']).toBeUndefined();
  });

  it('prompts for email and a hidden password on a terminal', async () => {
    const io = testIo({
      env: fake.env,
      interactive: true,
      answers: ['ada@example.org', 'secret pw'],
    });
    const run = await runKeyward(['login'], io);
    expect(run.code).toBe(0);
    expect(io.asked).toEqual(['Email: ', 'Password: ']);
    expect(fake.api.requests[0]?.body).toEqual({ email: 'ada@example.org', password: 'secret pw' });
  });

  it('--json shows the user but not the CSRF token', async () => {
    const run = await runKeyward(
      ['login', '--email', 'a@b', '--password-stdin', '--json'],
      testIo({ env: fake.env, stdin: 'pw' }),
    );
    expect(JSON.parse(run.stdout)).toEqual({ user: { id: 'usr_1', email: 'ada@example.org' } });
    expect(run.stdout).not.toContain('csrf-123');
  });

  it('refuses to wait for a password that cannot be typed', async () => {
    const run = await runKeyward(['login', '--email', 'a@b'], testIo({ env: fake.env }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--password-stdin');
    expect(fake.api.requests).toEqual([]);
  });

  it('bad credentials exit 1 with the problem code and save nothing', async () => {
    fake.api.on(
      'POST',
      '/api/v1/auth/login',
      problem(401, 'INVALID_CREDENTIALS', 'Invalid email or password', 'req_9'),
    );
    const run = await runKeyward(
      ['login', '--email', 'a@b', '--password-stdin'],
      testIo({ env: fake.env, stdin: 'x' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: Invalid email or password (INVALID_CREDENTIALS, request req_9)',
    );
    await expect(stat(join(fake.home.dir, 'credentials.json'))).rejects.toThrow();
  });

  it('logout ends the session on the server and forgets it locally', async () => {
    fake.api.on('POST', '/api/v1/auth/logout', { status: 204 });
    await runKeyward(
      ['login', '--email', 'a@b', '--password-stdin'],
      testIo({ env: fake.env, stdin: 'pw' }),
    );
    const run = await runKeyward(['logout'], testIo({ env: fake.env }));
    expect(run.code).toBe(0);
    const logout = fake.api.requests.at(-1);
    expect(logout?.url).toBe('/api/v1/auth/logout');
    expect(logout?.headers.cookie).toBe('keyward_session=sess-abc');
    expect(logout?.headers['x-csrf-token']).toBe('csrf-123');

    await runKeyward(['institutions', 'list'], testIo({ env: fake.env }));
    expect(fake.api.requests.at(-1)?.headers.cookie).toBeUndefined();
  });

  it('an unauthenticated request suggests logging in', async () => {
    fake.api.on(
      'GET',
      '/api/v1/institutions',
      problem(401, 'UNAUTHENTICATED', 'Authentication required'),
    );
    const run = await runKeyward(['institutions', 'list'], testIo({ env: fake.env }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `hint: run \`keyward login --url ${fake.api.url}\` or set KEYWARD_TOKEN`,
    );
  });
});
