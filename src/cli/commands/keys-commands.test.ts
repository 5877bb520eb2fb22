import { describe, expect, it } from 'vitest';
import { problem, runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const PRIMARY = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
const SECONDARY = 'kw_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq02ZFgkD';

const slot = (hint: string, lastUsedAt: string | null = null) => ({
  hint,
  generatedAt: '2030-01-01T00:00:00.000Z',
  lastUsedAt,
  lastUsedFrom: lastUsedAt ? '203.0.113.7' : null,
  lastUserAgent: lastUsedAt ? 'billing/3.2' : null,
});

const KEY = {
  id: 'key_1',
  institutionId: 'ins_1',
  name: 'billing',
  kind: 'use',
  state: 'active',
  scopes: ['messages', 'profiles'],
  allowedCidrs: ['10.0.0.0/8'],
  expiresAt: null,
  rateLimit: { limit: 100, windowSeconds: 60 },
  createdAt: '2030-01-01T00:00:00.000Z',
  createdBy: 'usr_1',
  slots: {
    primary: slot('kw_live_…NndU', '2030-01-02T00:00:00.000Z'),
    secondary: slot('kw_live_…FgkD'),
  },
};

describe('keys commands', () => {
  const fake = useFakeAdminApi();

  const run = (args: string[], options: Parameters<typeof testIo>[0] = {}) =>
    runKeyward(args, testIo({ env: fake.env, ...options }));

  it('create sends the parsed restrictions and prints both secrets', async () => {
    fake.api.on('POST', '/api/v1/institutions/ins_1/keys', {
      status: 201,
      body: { key: KEY, secrets: { primary: PRIMARY, secondary: SECONDARY } },
    });
    const result = await run([
      'keys',
      'create',
      'ins_1',
      '--name',
      'billing',
      '--kind',
      'use',
      '--scope',
      'messages',
      '--scope',
      'profiles',
      '--cidr',
      '10.0.0.0/8',
      '--expires-at',
      '2030-06-01',
      '--rate-limit',
      '10/1m',
    ]);
    expect(result.code).toBe(0);
    expect(fake.api.requests[0]?.body).toEqual({
      name: 'billing',
      kind: 'use',
      scopes: ['messages', 'profiles'],
      allowedCidrs: ['10.0.0.0/8'],
      expiresAt: '2030-06-01T00:00:00.000Z',
      rateLimit: { limit: 10, windowSeconds: 60 },
    });
    expect(result.stdout).toContain('Created use key key_1 "billing" in ins_1.');
    expect(result.stdout).toContain(`primary    ${PRIMARY}\n`);
    expect(result.stdout).toContain(`secondary  ${SECONDARY}\n`);
    expect(fake.api.requests[0]?.url).not.toContain('kw_live');
  });

  it('--json prints the response body as JSON', async () => {
    const body = { key: KEY, secrets: { primary: PRIMARY, secondary: SECONDARY } };
    fake.api.on('POST', '/api/v1/institutions/ins_1/keys', { status: 201, body });
    const result = await run(['keys', 'create', 'ins_1', '--name', 'billing', '--json']);
    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('list prints an aligned table of hints, never secrets', async () => {
    fake.api.on('GET', '/api/v1/institutions/ins_1/keys', {
      body: { keys: [KEY, { ...KEY, id: 'key_22', name: 'x', state: 'suspended', scopes: [] }] },
    });
    const result = await run(['keys', 'list', 'ins_1']);
    expect(result.stdout).toBe(
      [
        'ID      NAME     KIND  STATE      SCOPES             PRIMARY        SECONDARY      EXPIRES',
        'key_1   billing  use   active     messages,profiles  kw_live_…NndU  kw_live_…FgkD  never',
        'key_22  x        use   suspended  -                  kw_live_…NndU  kw_live_…FgkD  never',
        '',
      ].join('\n'),
    );
  });

  it('show prints settings and per-slot last use', async () => {
    fake.api.on('GET', '/api/v1/keys/key_1', { body: KEY });
    const result = await run(['keys', 'show', 'key_1']);
    expect(result.stdout).toContain('Rate limit:     100/1m');
    expect(result.stdout).toContain('Allowed CIDRs:  10.0.0.0/8');
    expect(result.stdout).toMatch(
      /primary\s+kw_live_…NndU\s+2030-01-01T00:00:00.000Z\s+2030-01-02T00:00:00.000Z\s+203.0.113.7/,
    );
    expect(result.stdout).toMatch(/secondary\s+kw_live_…FgkD\s+\S+\s+never\s+-/);
  });

  it('clients lists the sources of each slot, or says none was seen', async () => {
    fake.api.on('GET', '/api/v1/keys/key_1/clients', {
      body: {
        slots: {
          primary: [
            {
              address: '203.0.113.7',
              userAgent: 'billing/3.2',
              firstSeenAt: '2030-01-01T00:00:00.000Z',
              lastSeenAt: '2030-01-02T00:00:00.000Z',
              requests: 42,
            },
          ],
          secondary: [],
        },
      },
    });
    const result = await run(['keys', 'clients', 'key_1']);
    expect(result.stdout).toMatch(
      /primary\s+203\.0\.113\.7\s+billing\/3\.2\s+\S+\s+2030-01-02\S+\s+42/,
    );
    fake.api.on('GET', '/api/v1/keys/key_2/clients', {
      body: { slots: { primary: [], secondary: [] } },
    });
    expect((await run(['keys', 'clients', 'key_2'])).stdout).toContain('No client seen yet');
  });

  it('list --unused-for asks for keys unused that long, and checks the duration', async () => {
    fake.api.on('GET', '/api/v1/institutions/ins_1/keys', { body: { keys: [] } });
    const result = await run(['keys', 'list', 'ins_1', '--unused-for', '30d']);
    expect(result.stdout).toBe('No keys.\n');
    expect(fake.api.requests[0]?.url).toBe('/api/v1/institutions/ins_1/keys?unusedFor=30d');
    expect((await run(['keys', 'list', 'ins_1', '--unused-for', 'a month'])).code).toBe(2);
  });

  it('secrets prints both secrets', async () => {
    fake.api.on('GET', '/api/v1/keys/key_1/secrets', {
      body: { primary: PRIMARY, secondary: SECONDARY },
    });
    const result = await run(['keys', 'secrets', 'key_1']);
    expect(result.stdout).toBe(
      `SLOT       SECRET\nprimary    ${PRIMARY}\nsecondary  ${SECONDARY}\n`,
    );
  });

  it('regenerate sends slot and force and prints the new secret', async () => {
    fake.api.on('POST', '/api/v1/keys/key_1/regenerate', {
      body: { key: KEY, slot: 'secondary', secret: SECONDARY },
    });
    const result = await run(['keys', 'regenerate', 'key_1', '--slot', 'secondary', '--force']);
    expect(result.code).toBe(0);
    expect(fake.api.requests[0]?.body).toEqual({ slot: 'secondary', force: true });
    expect(result.stdout).toContain('Regenerated the secondary secret of key_1');
    expect(result.stdout).toContain(`secondary  ${SECONDARY}`);
    expect(result.stdout).not.toContain(PRIMARY);
  });

  it('a refused regeneration exits 1 showing the code, request id, who is on the slot and a hint', async () => {
    const refused = problem(
      409,
      'SLOT_IN_USE',
      'The primary secret was used within the last 600 s',
      'req_42',
    );
    fake.api.on('POST', '/api/v1/keys/key_1/regenerate', {
      ...refused,
      body: {
        ...(refused.body as object),
        evidence: {
          slot: 'primary',
          clients: [
            {
              address: '203.0.113.7',
              userAgent: 'billing/1.0',
              lastSeenAt: '2030-01-01T10:00:00.000Z',
            },
          ],
        },
      },
    });
    const result = await run(['keys', 'regenerate', 'key_1', '--slot', 'primary']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: The primary secret was used within the last 600 s (SLOT_IN_USE, request req_42)\n' +
        '  on primary: 203.0.113.7 (billing/1.0), last seen 2030-01-01T10:00:00.000Z\n' +
        'hint: the slot carried traffic recently: move its clients to the other slot first, or pass --force\n',
    );
    expect(fake.api.requests[0]?.body).toEqual({ slot: 'primary' });
  });

  it('rotate walks the steps, waiting while clients are on the slot and printing each new secret', async () => {
    const evidence = (clients: unknown[]) => ({
      primary: { lastUsedAt: null, clients },
      secondary: { lastUsedAt: null, clients: [] },
    });
    const view = (step: string, waitingFor: string[] = [], clients: unknown[] = []) => ({
      step,
      state: step === 'done' ? 'done' : 'active',
      instruction: `do ${step}`,
      waitingFor,
      evidence: evidence(clients),
    });
    const base = '/api/v1/keys/key_1/rotations';
    fake.api.on('GET', `${base}/current`, problem(404, 'NOT_FOUND', 'No rotation'));
    fake.api.on('POST', base, {
      status: 201,
      body: view(
        'move-to-secondary',
        ['PRIMARY_IN_USE'],
        [{ address: '203.0.113.7', userAgent: 'billing/1.0' }],
      ),
    });
    // The first check finds the primary quiet; then the advances follow one another.
    const steps = ['regenerate-primary', 'move-to-primary', 'regenerate-secondary', 'done'];
    const secrets: Record<string, string | null> = {
      'move-to-primary': PRIMARY,
      done: SECONDARY,
    };
    // Answered by how many advances were asked so far (the request is recorded before the answer).
    const advances = () => fake.api.requests.filter((r) => r.url.endsWith('/advance')).length;
    fake.api.on('POST', `${base}/current/advance`, {
      get body() {
        const step = steps[advances() - 1] as string;
        return { rotation: view(step), secret: secrets[step] ?? null };
      },
    } as never);
    const polled = view('move-to-secondary');
    setTimeout(() => fake.api.on('GET', `${base}/current`, { body: polled }), 50);
    const result = await run(['keys', 'rotate', 'key_1', '--yes', '--interval', '0.1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'waiting at move-to-secondary: clients still send the primary: 203.0.113.7 (billing/1.0)',
    );
    expect(result.stdout).toContain('✓ regenerate-primary → move-to-primary');
    expect(result.stdout).toContain(`primary  ${PRIMARY}`);
    expect(result.stdout).toContain(`secondary  ${SECONDARY}`);
    expect(result.stdout).toContain('Rotation of key_1 complete');
    expect(advances()).toBe(4);
  });

  it('share posts the slot, an until from --for and the note; shares lists them', async () => {
    const share = {
      id: 'shr_1',
      keyId: 'key_1',
      slot: 'secondary',
      until: '2030-01-01T12:00:00.000Z',
      note: 'vendor',
      sharedBy: 'usr_1',
      createdAt: '2030-01-01T10:00:00.000Z',
      state: 'active',
      revokedAt: null,
    };
    fake.api.on('POST', '/api/v1/keys/key_1/share', { status: 201, body: { share } });
    fake.api.on('GET', '/api/v1/keys/key_1/shares', { body: { shares: [share] } });
    const before = Date.now();
    const result = await run(['keys', 'share', 'key_1', '--for', '2h', '--note', 'vendor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('shared until 2030-01-01T12:00:00.000Z');
    const body = fake.api.requests[0]?.body as { slot: string; until: string; note: string };
    expect(body).toMatchObject({ slot: 'secondary', note: 'vendor' });
    const untilMs = Date.parse(body.until) - before;
    expect(untilMs).toBeGreaterThanOrEqual(7_200_000 - 1_000);
    expect(untilMs).toBeLessThanOrEqual(7_200_000 + 5_000);
    const missing = await run(['keys', 'share', 'key_1']);
    expect(missing.code, missing.stderr).toBe(2);
    const listed = await run(['keys', 'shares', 'key_1']);
    expect(listed.stdout).toContain('shr_1');
  });

  it('update builds a PATCH with only the given changes', async () => {
    fake.api.on('PATCH', '/api/v1/keys/key_1', { body: KEY });
    await run([
      'keys',
      'update',
      'key_1',
      '--name',
      'n',
      '--clear-cidrs',
      '--expires-at',
      'never',
      '--rate-limit',
      'none',
      '--suspend',
    ]);
    await run([
      'keys',
      'update',
      'key_1',
      '--scope',
      'a',
      '--scope',
      'b',
      '--rate-limit',
      '100/60s',
      '--activate',
    ]);
    expect(fake.api.requests.map((r) => r.body)).toEqual([
      { name: 'n', allowedCidrs: [], expiresAt: null, rateLimit: null, state: 'suspended' },
      { scopes: ['a', 'b'], rateLimit: { limit: 100, windowSeconds: 60 }, state: 'active' },
    ]);
  });

  it('update rejects contradictory flags before sending anything', async () => {
    const result = await run(['keys', 'update', 'key_1', '--cidr', '10.0.0.0/8', '--clear-cidrs']);
    expect(result.code).toBe(2);
    expect(fake.api.requests).toEqual([]);
  });

  it('delete needs --yes when nobody can confirm', async () => {
    fake.api.on('DELETE', '/api/v1/keys/key_1', { status: 204 });
    const refused = await run(['keys', 'delete', 'key_1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect(fake.api.requests).toEqual([]);

    const deleted = await run(['keys', 'delete', 'key_1', '--yes']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted key_1.\n' });
    expect(fake.api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api/v1/keys/key_1',
    ]);
  });

  it('delete asks on a terminal and does nothing unless confirmed', async () => {
    fake.api.on('GET', '/api/v1/keys/key_1', { body: KEY });
    fake.api.on('DELETE', '/api/v1/keys/key_1', { status: 204 });
    const io = testIo({ env: fake.env, interactive: true, answers: ['n'] });
    const declined = await runKeyward(['keys', 'delete', 'key_1'], io);
    expect(declined.code).toBe(1);
    expect(io.asked[0]).toContain('Delete key key_1 "billing" of ins_1?');
    expect(fake.api.requests.some((r) => r.method === 'DELETE')).toBe(false);

    const confirmed = await runKeyward(
      ['keys', 'delete', 'key_1'],
      testIo({ env: fake.env, interactive: true, answers: ['y'] }),
    );
    expect(confirmed.code).toBe(0);
    expect(fake.api.requests.at(-1)?.method).toBe('DELETE');
  });

  it('ids are encoded as one path segment', async () => {
    await run(['keys', 'show', '../institutions/ins_2']);
    expect(fake.api.requests[0]?.url).toBe('/api/v1/keys/..%2Finstitutions%2Fins_2');
  });
});
