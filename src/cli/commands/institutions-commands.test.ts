import { describe, expect, it } from 'vitest';
import { runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const INSTITUTION = {
  id: 'ins_1',
  name: 'Comune di Esempio',
  externalCode: '80012345678',
  settings: {
    operatorsMayViewSecrets: false,
    defaultRateLimit: { limit: 1000, windowSeconds: 3600 },
  },
  createdAt: '2030-01-01T00:00:00.000Z',
};

describe('institutions commands', () => {
  const fake = useFakeAdminApi(undefined, { withUrl: false });

  const run = (args: string[]) =>
    runKeyward([...args, '--url', `${fake.api.url}/`], testIo({ env: fake.env }));

  it('list prints a table, or says there is nothing', async () => {
    fake.api.on('GET', '/api/v1/institutions', {
      body: {
        institutions: [
          INSTITUTION,
          { ...INSTITUTION, id: 'ins_22', name: 'B', externalCode: null },
        ],
      },
    });
    expect((await run(['institutions', 'list'])).stdout).toBe(
      [
        'ID      NAME               EXTERNAL CODE  CREATED',
        'ins_1   Comune di Esempio  80012345678    2030-01-01T00:00:00.000Z',
        'ins_22  B                  -              2030-01-01T00:00:00.000Z',
        '',
      ].join('\n'),
    );
    fake.api.on('GET', '/api/v1/institutions', { body: { institutions: [] } });
    expect((await run(['institutions', 'list'])).stdout).toBe('No institutions.\n');
  });

  it('create sends name and external code and shows the result', async () => {
    fake.api.on('POST', '/api/v1/institutions', { status: 201, body: INSTITUTION });
    const result = await run([
      'institutions',
      'create',
      'Comune di Esempio',
      '--external-code',
      '80012345678',
    ]);
    expect(fake.api.requests[0]?.body).toEqual({
      name: 'Comune di Esempio',
      externalCode: '80012345678',
    });
    expect(result.stdout).toContain('Operators may view secrets:  no');
    expect(result.stdout).toContain('Default key rate limit:      1000/1h');
  });

  it('show --json prints the institution exactly', async () => {
    fake.api.on('GET', '/api/v1/institutions/ins_1', { body: INSTITUTION });
    expect(JSON.parse((await run(['institutions', 'show', 'ins_1', '--json'])).stdout)).toEqual(
      INSTITUTION,
    );
  });

  it('update nests the setting and keeps an explicit false', async () => {
    fake.api.on('PATCH', '/api/v1/institutions/ins_1', { body: INSTITUTION });
    await run(['institutions', 'update', 'ins_1', '--operators-may-view-secrets', 'false']);
    await run([
      'institutions',
      'update',
      'ins_1',
      '--name',
      'N',
      '--operators-may-view-secrets',
      'true',
    ]);
    expect(fake.api.requests.map((r) => r.body)).toEqual([
      { settings: { operatorsMayViewSecrets: false } },
      { name: 'N', settings: { operatorsMayViewSecrets: true } },
    ]);
    expect(
      (await run(['institutions', 'update', 'ins_1', '--operators-may-view-secrets', 'maybe']))
        .code,
    ).toBe(2);
  });

  it('update sets or removes the institution and default key rate limits', async () => {
    fake.api.on('PATCH', '/api/v1/institutions/ins_1', { body: INSTITUTION });
    await run(['institutions', 'update', 'ins_1', '--rate-limit', '1000/60s']);
    await run([
      'institutions',
      'update',
      'ins_1',
      '--rate-limit',
      'none',
      '--default-key-rate-limit',
      '10/1s',
    ]);
    expect(fake.api.requests.map((r) => r.body)).toEqual([
      { settings: { rateLimit: { limit: 1000, windowSeconds: 60 } } },
      { settings: { rateLimit: null, defaultRateLimit: { limit: 10, windowSeconds: 1 } } },
    ]);
    expect((await run(['institutions', 'update', 'ins_1', '--rate-limit', 'lots'])).code).toBe(2);
  });
  it('update sets the hygiene policy: max age, reminders, suspension, or removes them', async () => {
    fake.api.on('PATCH', '/api/v1/institutions/ins_1', { body: INSTITUTION });
    await run([
      'institutions',
      'update',
      'ins_1',
      '--max-secret-age-days',
      '90',
      '--age-reminder-days',
      '14, 3',
      '--suspend-unused-after-days',
      '120',
    ]);
    await run([
      'institutions',
      'update',
      'ins_1',
      '--max-secret-age-days',
      'none',
      '--age-reminder-days',
      'none',
      '--suspend-unused-after-days',
      'never',
    ]);
    expect(fake.api.requests.map((r) => r.body)).toEqual([
      { settings: { maxSecretAgeDays: 90, ageReminderDays: [14, 3], suspendUnusedAfterDays: 120 } },
      { settings: { maxSecretAgeDays: null, ageReminderDays: [], suspendUnusedAfterDays: null } },
    ]);
    for (const bad of [
      ['--max-secret-age-days', '0'],
      ['--max-secret-age-days', 'never'],
      ['--age-reminder-days', '14,14'],
      ['--age-reminder-days', '14,x'],
      ['--suspend-unused-after-days', '3651'],
    ]) {
      expect((await run(['institutions', 'update', 'ins_1', ...bad])).code, bad.join(' ')).toBe(2);
    }
    expect(fake.api.requests).toHaveLength(2);
  });

  it('update sets the quiet period and the leak policy, and shows them', async () => {
    fake.api.on('PATCH', '/api/v1/institutions/ins_1', {
      body: {
        ...INSTITUTION,
        settings: { ...INSTITUTION.settings, quietPeriodSeconds: 0, leakPolicy: 'suspend-key' },
      },
    });
    const result = await run([
      'institutions',
      'update',
      'ins_1',
      '--quiet-period',
      '0',
      '--leak-policy',
      'suspend-key',
    ]);
    expect(fake.api.requests.map((r) => r.body)).toEqual([
      { settings: { quietPeriodSeconds: 0, leakPolicy: 'suspend-key' } },
    ]);
    expect(result.stdout).toContain('Regenerate quiet period:     0 seconds');
    expect(result.stdout).toContain('On a reported leak:          suspend-key');
    for (const bad of [
      ['--quiet-period', '86401'],
      ['--quiet-period', '-1'],
      ['--leak-policy', 'delete-everything'],
    ]) {
      expect((await run(['institutions', 'update', 'ins_1', ...bad])).code, bad.join(' ')).toBe(2);
    }
    expect(fake.api.requests).toHaveLength(1);
  });

  it('hygiene prints the policy, the findings and the summary, or the report as JSON', async () => {
    const report = {
      institutionId: 'ins_1',
      generatedAt: '2030-04-01T00:00:00.000Z',
      policy: {
        maxSecretAgeDays: 90,
        ageReminderDays: [14, 3],
        unusedAlertDays: 30,
        suspendUnusedAfterDays: null,
        shareWindowHours: 48,
      },
      findings: [
        {
          kind: 'overdue',
          keyId: 'key_1',
          keyName: 'billing',
          slot: 'primary',
          action: 'rotate',
          detail: 'The primary secret is 91 days old.',
          since: '2030-01-01T00:00:00.000Z',
          dueAt: '2030-04-01T00:00:00.000Z',
          ageDays: 91,
          idleDays: null,
        },
        {
          kind: 'unrestricted',
          keyId: 'key_2',
          keyName: 'open',
          slot: null,
          action: 'restrict',
          detail: 'Works from any address.',
          since: '2030-01-01T00:00:00.000Z',
          dueAt: null,
          ageDays: null,
          idleDays: null,
        },
      ],
      summary: {
        overdue: 1,
        dueSoon: 0,
        unused: 0,
        sharedExpiring: 0,
        unrestricted: 1,
        legacyFormat: 0,
      },
    };
    fake.api.on('GET', '/api/v1/institutions/ins_1/hygiene', { body: report });
    const text = await run(['institutions', 'hygiene', 'ins_1', '--share-window-hours', '48']);
    expect(fake.api.requests[0]?.url).toContain('/hygiene?shareWindowHours=48');
    expect(text.stdout).toBe(
      [
        'Max secret age: 90 days (reminders 14, 3 days before)',
        'Unused alert after: 30 days; suspended after: never',
        '',
        'KIND          KEY    NAME     SLOT     ACTION    DUE                       DETAIL',
        'overdue       key_1  billing  primary  rotate    2030-04-01T00:00:00.000Z  The primary secret is 91 days old.',
        'unrestricted  key_2  open     both     restrict  -                         Works from any address.',
        '1 overdue, 0 due soon, 0 unused, 0 shared and expiring, 1 unrestricted, 0 legacy format',
        '',
      ].join('\n'),
    );
    const json = await run(['institutions', 'hygiene', 'ins_1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(report);
    fake.api.on('GET', '/api/v1/institutions/ins_1/hygiene', {
      body: { ...report, findings: [], policy: { ...report.policy, maxSecretAgeDays: null } },
    });
    expect((await run(['institutions', 'hygiene', 'ins_1'])).stdout).toContain(
      'Max secret age: none\n',
    );
    expect((await run(['institutions', 'hygiene', 'ins_1'])).stdout).toMatch(/No findings\.\n$/);
  });
});
