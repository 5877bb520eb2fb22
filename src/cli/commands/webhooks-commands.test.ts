import { describe, expect, it } from 'vitest';
import { problem, runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

// The fake admin API stands in for the server; test/http/webhooks.test.ts covers the real one.

const SECRET = 'whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

const WEBHOOK = {
  id: 'whk_1',
  institutionId: 'ins_1',
  url: 'https://soc.example.org/keyward',
  description: 'SOC pager',
  events: ['alert.raised'],
  minSeverity: 'high',
  createdAt: '2030-01-01T00:00:00.000Z',
  createdBy: 'usr_1',
};

const DELIVERY = {
  id: 'dlv_1',
  webhookId: 'whk_1',
  eventId: 'evt_1',
  eventType: 'alert.raised',
  state: 'pending',
  attempts: 1,
  nextAttemptAt: '2030-01-01T00:00:10.000Z',
  lastAttemptAt: '2030-01-01T00:00:00.000Z',
  lastStatus: 500,
  lastError: 'HTTP 500',
  createdAt: '2030-01-01T00:00:00.000Z',
  deliveredAt: null,
  log: [
    { attempt: 1, at: '2030-01-01T00:00:00.000Z', status: 500, error: 'HTTP 500', durationMs: 12 },
  ],
};

describe('webhooks commands', () => {
  const fake = useFakeAdminApi({});

  const run = (args: string[], options: Parameters<typeof testIo>[0] = {}) =>
    runKeyward(args, testIo({ env: fake.env, ...options }));

  it('create sends the receiver URL and filter, and prints the secret once with how to verify', async () => {
    fake.api.on('POST', '/api/v1/institutions/ins_1/webhooks', {
      status: 201,
      body: { webhook: WEBHOOK, secret: SECRET },
    });
    const result = await run([
      'webhooks',
      'create',
      'ins_1',
      'https://soc.example.org/keyward',
      '--event',
      'alert.raised',
      '--min-severity',
      'high',
      '--description',
      'SOC pager',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(fake.api.requests[0]?.body).toEqual({
      url: 'https://soc.example.org/keyward',
      events: ['alert.raised'],
      minSeverity: 'high',
      description: 'SOC pager',
    });
    expect(result.stdout).toContain('Created webhook whk_1 → https://soc.example.org/keyward');
    expect(result.stdout).toContain(`  ${SECRET}\n`);
    expect(result.stdout.split(SECRET)).toHaveLength(2);
    expect(result.stdout).toContain('shown only now');
    expect(result.stdout).toContain('HMAC-SHA256');
  });

  it('create --json prints the response; a bad severity is a usage error (exit 2, no request)', async () => {
    fake.api.on('POST', '/api/v1/institutions/ins_1/webhooks', {
      status: 201,
      body: { webhook: WEBHOOK, secret: SECRET },
    });
    const json = await run(['webhooks', 'create', 'ins_1', 'https://x.example', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ webhook: WEBHOOK, secret: SECRET });
    expect(fake.api.requests[0]?.body).toEqual({ url: 'https://x.example' });
    const bad = await run(['webhooks', 'create', 'ins_1', 'https://x', '--min-severity', 'urgent']);
    expect(bad.code).toBe(2);
    expect(fake.api.requests).toHaveLength(1);
  });

  it('create shows the server’s validation error and exits 1', async () => {
    fake.api.on(
      'POST',
      '/api/v1/institutions/ins_1/webhooks',
      problem(422, 'VALIDATION_FAILED', 'url must use http or https'),
    );
    const result = await run(['webhooks', 'create', 'ins_1', 'ftp://x.example']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: url must use http or https (VALIDATION_FAILED');
  });

  it('list prints a table without any secret; --json prints the body', async () => {
    fake.api.on('GET', '/api/v1/institutions/ins_1/webhooks', { body: { webhooks: [WEBHOOK] } });
    const result = await run(['webhooks', 'list', 'ins_1']);
    expect(result.stdout).toBe(
      'ID     URL                              EVENTS        MIN SEVERITY  DESCRIPTION  CREATED\n' +
        'whk_1  https://soc.example.org/keyward  alert.raised  high          SOC pager    2030-01-01T00:00:00.000Z\n',
    );
    const json = await run(['webhooks', 'list', 'ins_1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ webhooks: [WEBHOOK] });
  });

  it('test queues a delivery and says where to look', async () => {
    fake.api.on('POST', '/api/v1/webhooks/whk_1/test', {
      status: 202,
      body: { delivery: { ...DELIVERY, state: 'pending', attempts: 0, log: [] } },
    });
    const result = await run(['webhooks', 'test', 'whk_1']);
    expect(result.code).toBe(0);
    expect(fake.api.requests[0]?.method).toBe('POST');
    expect(result.stdout).toContain('Queued test delivery dlv_1 to whk_1.');
    expect(result.stdout).toContain('keyward webhooks deliveries whk_1');
  });

  it('deliveries prints one row per attempt and the next retry; --limit goes in the query', async () => {
    fake.api.on('GET', '/api/v1/webhooks/whk_1/deliveries', {
      body: {
        deliveries: [
          DELIVERY,
          {
            ...DELIVERY,
            id: 'dlv_0',
            state: 'delivered',
            attempts: 2,
            nextAttemptAt: null,
            log: [
              DELIVERY.log[0],
              {
                attempt: 2,
                at: '2030-01-01T00:00:10.000Z',
                status: 204,
                error: null,
                durationMs: 3,
              },
            ],
          },
        ],
      },
    });
    const result = await run(['webhooks', 'deliveries', 'whk_1', '--limit', '5']);
    expect(fake.api.requests[0]?.url).toBe('/api/v1/webhooks/whk_1/deliveries?limit=5');
    expect(result.stdout).toBe(
      'DELIVERY  EVENT         STATE      ATTEMPT  AT                        RESULT\n' +
        'dlv_1     alert.raised  pending    1        2030-01-01T00:00:00.000Z  HTTP 500 (12 ms)\n' +
        'dlv_0     alert.raised  delivered  1        2030-01-01T00:00:00.000Z  HTTP 500 (12 ms)\n' +
        'dlv_0     alert.raised  delivered  2        2030-01-01T00:00:10.000Z  HTTP 204 (3 ms)\n' +
        'dlv_1: next attempt at 2030-01-01T00:00:10.000Z\n',
    );
  });

  it('delete asks first (interactive), refuses without --yes otherwise, deletes with --yes', async () => {
    fake.api.on('DELETE', '/api/v1/webhooks/whk_1', { status: 204 });
    const refused = await run(['webhooks', 'delete', 'whk_1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    const aborted = await run(['webhooks', 'delete', 'whk_1'], {
      interactive: true,
      answers: ['n'],
    });
    expect(aborted.code).toBe(1);
    expect(fake.api.requests).toEqual([]);
    const done = await run(['webhooks', 'delete', 'whk_1', '--yes']);
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('Deleted whk_1.\n');
    expect(fake.api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api/v1/webhooks/whk_1',
    ]);
  });
});
