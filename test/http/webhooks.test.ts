import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { buildWorld, MEMBER_PASSWORD, type World } from '../support/world.js';

// Webhooks through the real admin API, the real delivery worker and a receiver on loopback.

interface WebhookBody {
  id: string;
  institutionId: string;
  url: string;
  description: string | null;
  events: string[];
  minSeverity: string | null;
  createdAt: string;
  createdBy: string;
}
interface DeliveryBody {
  id: string;
  eventId: string;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  log: { attempt: number; status: number | null; error: string | null }[];
}

let kw: TestKeyward;
let w: World;
let receiver: WebhookReceiver;

beforeAll(async () => {
  kw = await startTestKeyward();
  w = await buildWorld(kw);
});
afterAll(async () => kw?.stop());
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => receiver.close());

async function create(body: Record<string, unknown>) {
  return w.adminA.request<{ webhook: WebhookBody; secret: string }>(
    'POST',
    `/institutions/${w.insA}/webhooks`,
    body,
  );
}

async function deliveries(webhookId: string) {
  return w.adminA.request<{ deliveries: DeliveryBody[] }>(
    'GET',
    `/webhooks/${webhookId}/deliveries`,
  );
}

describe('webhooks', () => {
  it('create shows the secret once (no-store); list and the audit log never show it', async () => {
    const res = await create({
      url: `${receiver.url}?token=receiver-side-token`,
      events: ['alert.raised'],
      minSeverity: 'high',
      description: ' SOC pager ',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(res.body.webhook).toMatchObject({
      institutionId: w.insA,
      url: `${receiver.url}?token=receiver-side-token`,
      description: 'SOC pager',
      events: ['alert.raised'],
      minSeverity: 'high',
      createdBy: w.adminAUserId,
    });
    const list = await w.adminA.request<{ webhooks: WebhookBody[] }>(
      'GET',
      `/institutions/${w.insA}/webhooks`,
    );
    expect(list.body.webhooks.map((h) => h.id)).toContain(res.body.webhook.id);
    expect(list.text).not.toContain(res.body.secret);
    expect(list.text).not.toMatch(/secret/i);

    const audit = await w.adminA.request<{ events: { action: string; details: unknown }[] }>(
      'GET',
      `/institutions/${w.insA}/audit`,
    );
    const created = audit.body.events.find((e) => e.action === 'webhook.create');
    expect(created?.details).toMatchObject({
      origin: new URL(receiver.url).origin,
      events: ['alert.raised'],
    });
    // Operators read the audit log: no path or query (tokens live there), no secret.
    expect(JSON.stringify(audit.body)).not.toContain('receiver-side-token');
    expect(JSON.stringify(audit.body)).not.toContain(res.body.secret);
  });

  it('keeps the secret only sealed: not in any database file, nor in the logs', async () => {
    const { body } = await create({ url: receiver.url });
    receiver.acceptSecret(body.secret);
    await w.adminA.request('POST', `/webhooks/${body.webhook.id}/test`);
    await receiver.waitFor(1);
    expect(receiver.received[0]?.verdict).toEqual({ ok: true });
    const files = (await readdir(kw.dataDir)).filter((f) => f.startsWith('keyward.db'));
    const db = Buffer.concat(await Promise.all(files.map((f) => readFile(join(kw.dataDir, f)))));
    expect(db.includes(Buffer.from(body.secret))).toBe(false);
    expect(db.includes(Buffer.from(body.secret.slice(6)))).toBe(false);
    expect(kw.logs.join('')).not.toContain(body.secret.slice(6));
  });

  it('test: 202, then a signed webhook.test arrives and the delivery log shows it', async () => {
    const { body } = await create({ url: receiver.url, events: ['alert.raised'] });
    receiver.acceptSecret(body.secret);
    const res = await w.adminA.request<{ delivery: DeliveryBody }>(
      'POST',
      `/webhooks/${body.webhook.id}/test`,
    );
    expect(res.status, res.text).toBe(202);
    expect(res.body.delivery).toMatchObject({
      eventType: 'webhook.test',
      state: 'pending',
      attempts: 0,
      log: [],
    });
    // No explicit flush: the route nudges the worker of this process.
    const [got] = await receiver.waitFor(1);
    expect(got?.verdict).toEqual({ ok: true });
    expect(got?.headers['x-keyward-delivery']).toBe(res.body.delivery.id);
    expect(got?.json).toMatchObject({ type: 'webhook.test', institutionId: w.insA });
    await kw.running.deliverWebhooksNow();
    const log = await deliveries(body.webhook.id);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({
        id: res.body.delivery.id,
        state: 'delivered',
        attempts: 1,
        lastStatus: 204,
        log: [expect.objectContaining({ attempt: 1, status: 204, error: null })],
      }),
    ]);
  });

  it('an alert.raised event queued in a store transaction reaches the receiver, signed', async () => {
    const { body } = await create({ url: receiver.url, minSeverity: 'high' });
    receiver.acceptSecret(body.secret);
    const raise = (severity: string) =>
      kw.running.store.transaction((tx) =>
        kw.running.notifier.enqueue(tx, {
          id: newId('evt'),
          type: 'alert.raised',
          institutionId: w.insA,
          at: new Date(),
          data: { type: 'RETIRED_SECRET_USED', severity, keyId: w.keyA.id },
        }),
      );
    await raise('low');
    await raise('critical');
    await kw.running.deliverWebhooksNow();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got?.verdict).toEqual({ ok: true });
    expect(got?.headers['x-keyward-event']).toBe('alert.raised');
    expect(got?.json.data).toEqual({
      type: 'RETIRED_SECRET_USED',
      severity: 'critical',
      keyId: w.keyA.id,
    });
  });

  it('delete: 204, gone from the list, and nothing is sent to it any more', async () => {
    const { body } = await create({ url: receiver.url });
    const id = body.webhook.id;
    expect((await w.adminA.request('DELETE', `/webhooks/${id}`)).status).toBe(204);
    const list = await w.adminA.request<{ webhooks: WebhookBody[] }>(
      'GET',
      `/institutions/${w.insA}/webhooks`,
    );
    expect(list.body.webhooks.map((h) => h.id)).not.toContain(id);
    await kw.running.store.transaction((tx) =>
      kw.running.notifier.enqueue(tx, {
        id: newId('evt'),
        type: 'alert.raised',
        institutionId: w.insA,
        at: new Date(),
        data: { severity: 'critical' },
      }),
    );
    await kw.running.deliverWebhooksNow();
    expect(receiver.received).toEqual([]);
    for (const [method, path] of [
      ['DELETE', `/webhooks/${id}`],
      ['POST', `/webhooks/${id}/test`],
      ['GET', `/webhooks/${id}/deliveries`],
    ] as const) {
      const res = await w.adminA.request(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });

  it('refuses bad input with problem+json naming the field', async () => {
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ url: 'ftp://example.org/x' }, 422, 'VALIDATION_FAILED', /http or https/],
      [{ url: 'not a url' }, 422, 'VALIDATION_FAILED', /absolute/],
      [{ url: 'https://u:p@example.org/' }, 422, 'VALIDATION_FAILED', /user name or password/],
      [
        { url: receiver.url, events: ['key.deleted'] },
        422,
        'VALIDATION_FAILED',
        /events\[0\].*alert\.raised/,
      ],
      [{ url: receiver.url, minSeverity: 'urgent' }, 400, 'INVALID_REQUEST', /minSeverity/],
      [{ url: receiver.url, secret: 'mine' }, 400, 'INVALID_REQUEST', /secret/],
      [{ url: `https://e.org/${'a'.repeat(2100)}` }, 400, 'INVALID_REQUEST', /url/],
      [{}, 400, 'INVALID_REQUEST', /url/],
    ];
    for (const [body, status, code, detail] of cases) {
      const res = await create(body);
      expect(res.status, res.text).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((res.body as unknown as { code: string }).code).toBe(code);
      expect((res.body as unknown as { detail: string }).detail).toMatch(detail);
    }
    const badId = await w.adminA.request('GET', '/webhooks/whk_nope/deliveries');
    expect(badId.status).toBe(400);
    const unknown = await w.adminA.request('GET', `/webhooks/${newId('whk')}/deliveries`);
    expect(unknown.status).toBe(404);
  });

  it('the platform operator, not a member, sees no webhook (404) and creates none (403)', async () => {
    const res = await w.platform.request('GET', `/webhooks/${w.webhookA.id}/deliveries`);
    expect(res.status).toBe(404);
    const list = await w.platform.request('GET', `/institutions/${w.insA}/webhooks`);
    expect(list.status).toBe(403);
  });
});

describe('webhooks without an allowed network (the default)', () => {
  let plain: TestKeyward;
  let admin: ApiClient;
  let ins: string;
  beforeAll(async () => {
    plain = await startTestKeyward({ env: { KEYWARD_WEBHOOK_ALLOWED_NETWORKS: '' } });
    const platform = await ApiClient.login(
      plain.url,
      plain.operator.email,
      plain.operator.password,
    );
    ins = (await platform.request<{ id: string }>('POST', '/institutions', { name: 'Comune' })).body
      .id;
    const email = 'admin@example.test';
    const member = await platform.request('POST', `/institutions/${ins}/members`, {
      email,
      name: 'Admin',
      role: 'admin',
      password: MEMBER_PASSWORD,
    });
    expect(member.status, member.text).toBe(201);
    admin = await ApiClient.login(plain.url, email, MEMBER_PASSWORD);
  });
  afterAll(async () => plain?.stop());

  it('refuses URLs naming the server itself, its private network or cloud metadata (422)', async () => {
    for (const url of [
      'http://127.0.0.1:4000/api/v1/institutions',
      'http://localhost:5432/',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/hook',
      'http://[::ffff:192.168.0.1]/',
      'http://2130706433/',
    ]) {
      const res = await admin.request('POST', `/institutions/${ins}/webhooks`, { url });
      expect(res.status, url).toBe(422);
      expect((res.body as { code: string; detail: string }).detail).toMatch(
        /private or reserved address.*webhooks\.allowedNetworks/,
      );
    }
    // A DNS name is accepted here; its addresses are judged when a delivery connects.
    const named = await admin.request('POST', `/institutions/${ins}/webhooks`, {
      url: 'https://hooks.example.org/keyward',
    });
    expect(named.status, named.text).toBe(201);
  });
});
