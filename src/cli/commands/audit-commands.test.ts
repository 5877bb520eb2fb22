import { beforeEach, describe, expect, it } from 'vitest';
import { runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

const EVENT = {
  seq: 7,
  id: 'aud_7',
  at: '2030-01-01T00:00:00.000Z',
  actor: { type: 'user', id: 'usr_1' },
  institutionId: 'ins_1',
  action: 'key.regenerate',
  target: 'key_1',
  sourceIp: '203.0.113.7',
  details: { slot: 'primary' },
};

describe('audit list', () => {
  const fake = useFakeAdminApi();

  beforeEach(() => {
    fake.api.on('GET', '/api/v1/institutions/ins_1/audit', {
      body: { events: [EVENT], nextCursor: 'c2' },
    });
  });

  it('pages with limit and cursor and says how to continue', async () => {
    const result = await runKeyward(
      ['audit', 'list', 'ins_1', '--limit', '1', '--cursor', 'c1'],
      testIo({ env: fake.env }),
    );
    expect(fake.api.requests[0]?.url).toBe('/api/v1/institutions/ins_1/audit?limit=1&cursor=c1');
    expect(result.stdout).toBe(
      'SEQ  AT                        ACTOR       ACTION          TARGET  SOURCE IP\n' +
        '7    2030-01-01T00:00:00.000Z  user:usr_1  key.regenerate  key_1   203.0.113.7\n' +
        '\nMore events: --cursor c2\n',
    );
  });

  it('--json prints events and cursor', async () => {
    const result = await runKeyward(
      ['audit', 'list', 'ins_1', '--json'],
      testIo({ env: fake.env }),
    );
    expect(fake.api.requests[0]?.url).toBe('/api/v1/institutions/ins_1/audit');
    expect(JSON.parse(result.stdout)).toEqual({ events: [EVENT], nextCursor: 'c2' });
  });

  it('rejects a limit that is not a positive number', async () => {
    expect(
      (await runKeyward(['audit', 'list', 'ins_1', '--limit', '0'], testIo({ env: fake.env })))
        .code,
    ).toBe(2);
    expect(fake.api.requests).toEqual([]);
  });
});
