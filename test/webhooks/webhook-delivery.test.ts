import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/sql/postgres-store.js';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import { UndiciWebhookTransport } from '../../src/adapters/webhook/undici-webhook-transport.js';
import { newId } from '../../src/core/ids.js';
import { outboundAddressPolicy } from '../../src/core/outbound-address.js';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/core/webhook-signature.js';
import type { Store } from '../../src/ports/store.js';
import type { RequestContext } from '../../src/services/principal.js';
import { WebhookDeliveryWorker } from '../../src/services/webhook-delivery.js';
import { WebhookNotifier } from '../../src/services/webhook-notifier.js';
import { WebhookService } from '../../src/services/webhook-service.js';
import { anInstitution, aUser } from '../store/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { ManualClock, randomKeyring, T0 } from '../verifier/verifier-fixture.js';

// The delivery worker against a real store (SQLite file; PostgreSQL when enabled), real HTTP on
// loopback and a clock the test moves, so retries happen exactly when the backoff says.

const PG_URL = process.env.KEYWARD_TEST_DATABASE_URL;
const KINDS: ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

async function openStore(kind: 'sqlite' | 'postgres') {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'keyward-webhooks-'));
    const store = await openSqliteStore({ file: join(dir, 'keyward.db') });
    return { store, cleanup: () => store.close().then(() => rm(dir, { recursive: true })) };
  }
  const schema = `keyward_test_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: PG_URL as string, schema });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

describe.each(KINDS)('webhook delivery on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let transport: UndiciWebhookTransport;
  let receiver: WebhookReceiver;
  let webhooks: WebhookService;
  const keyring = randomKeyring();
  const clock = new ManualClock(T0);
  const notifier = new WebhookNotifier({ clock });

  beforeAll(async () => {
    ({ store, cleanup } = await openStore(kind));
    await store.migrate();
    // The receivers listen on loopback, which only an allowed network lets webhooks reach.
    const allowAddress = outboundAddressPolicy(['127.0.0.0/8']);
    transport = new UndiciWebhookTransport({
      userAgent: 'keyward-test',
      timeoutMs: 1_000,
      allowAddress,
    });
    webhooks = new WebhookService({ store, clock, keyring, deliverSoon: () => {}, allowAddress });
  });
  afterAll(async () => {
    await transport?.close();
    await cleanup?.();
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver({ nowSeconds: () => Math.floor(clock.ms / 1000) });
  });
  afterEach(async () => receiver.close());

  const worker = () =>
    new WebhookDeliveryWorker({ store, keyring, clock, transport, random: () => 0.5 });

  /** A new institution with an admin context. */
  async function institution(): Promise<{ id: string; ctx: RequestContext }> {
    const ins = anInstitution();
    await store.institutions.insert(ins);
    const ctx: RequestContext = {
      principal: { kind: 'user', user: aUser(), roles: new Map([[ins.id, 'admin']]) },
      sourceIp: '127.0.0.1',
      requestId: 'req_test',
    };
    return { id: ins.id, ctx };
  }

  async function webhookTo(
    url: string,
    input: { events?: string[]; minSeverity?: string } = {},
  ): Promise<{ id: string; institutionId: string; ctx: RequestContext; secret: string }> {
    const ins = await institution();
    const created = await webhooks.create(ins.ctx, ins.id, { url, ...input });
    return { id: created.webhook.id, institutionId: ins.id, ctx: ins.ctx, secret: created.secret };
  }

  function raise(institutionId: string, severity: string) {
    return store.transaction((tx) =>
      notifier.enqueue(tx, {
        id: newId('evt'),
        type: 'alert.raised',
        institutionId,
        at: clock.now(),
        data: { type: 'RETIRED_SECRET_USED', severity },
      }),
    );
  }

  it('a test delivery arrives once, signed, with its headers; the log shows the attempt', async () => {
    const hook = await webhookTo(receiver.url);
    receiver.acceptSecret(hook.secret);
    const queued = await webhooks.test(hook.ctx, hook.id);
    await worker().drain();

    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got?.verdict).toEqual({ ok: true });
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['x-keyward-event']).toBe('webhook.test');
    expect(got?.headers['x-keyward-delivery']).toBe(queued.id);
    expect(got?.headers['x-keyward-timestamp']).toBe(String(Math.floor(clock.ms / 1000)));
    expect(got?.json).toEqual({
      id: queued.eventId,
      type: 'webhook.test',
      institutionId: hook.institutionId,
      at: clock.now().toISOString(),
      data: { webhookId: hook.id, message: 'A test delivery from Keyward.' },
    });
    const [logged] = await webhooks.deliveries(hook.ctx, hook.id, 10);
    expect(logged?.delivery).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204 });
    expect(logged?.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 204, error: null }),
    ]);
  });

  it('retries a 500 after the backoff, not before; the log shows both attempts', async () => {
    const hook = await webhookTo(receiver.url);
    receiver.acceptSecret(hook.secret);
    receiver.respondWith(500, 200);
    await raise(hook.institutionId, 'high');
    const w = worker();

    expect(await w.runOnce()).toBe(1);
    const [afterFirst] = await webhooks.deliveries(hook.ctx, hook.id, 10);
    expect(afterFirst?.delivery).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: new Date(clock.ms + 10_000),
    });

    clock.advance(9_999);
    expect(await w.runOnce()).toBe(0);
    clock.advance(1);
    expect(await w.runOnce()).toBe(1);

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.map((r) => r.verdict)).toEqual([{ ok: true }, { ok: true }]);
    // Same event, same bytes; a fresh timestamp and signature per attempt.
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    expect(receiver.received[1]?.headers['x-keyward-timestamp']).not.toBe(
      receiver.received[0]?.headers['x-keyward-timestamp'],
    );
    const [done] = await webhooks.deliveries(hook.ctx, hook.id, 10);
    expect(done?.delivery).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
    expect(done?.attempts.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 200, null],
    ]);
  });

  it('gives up after the last attempt and says so', async () => {
    const hook = await webhookTo(receiver.url);
    receiver.respondWith(...Array.from({ length: MAX_DELIVERY_ATTEMPTS }, () => 503));
    await raise(hook.institutionId, 'high');
    const w = worker();
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS; i++) {
      expect(await w.runOnce()).toBe(1);
      clock.advance(5 * 60 * 60 * 1000);
    }
    expect(await w.runOnce()).toBe(0);
    const [log] = await webhooks.deliveries(hook.ctx, hook.id, 10);
    expect(log?.delivery).toMatchObject({
      state: 'failed',
      attempts: MAX_DELIVERY_ATTEMPTS,
      nextAttemptAt: null,
    });
    expect(log?.attempts).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(receiver.received).toHaveLength(MAX_DELIVERY_ATTEMPTS);
  });

  it('sends an event only to the webhooks whose filter wants it', async () => {
    const pager = await webhookTo(receiver.url, { minSeverity: 'high' });
    const everything = await webhooks.create(pager.ctx, pager.institutionId, {
      url: `${receiver.url}?all`,
      events: ['*'],
    });
    await raise(pager.institutionId, 'medium');
    await raise(pager.institutionId, 'critical');
    await worker().drain();
    const pagerLog = await webhooks.deliveries(pager.ctx, pager.id, 10);
    const allLog = await webhooks.deliveries(pager.ctx, everything.webhook.id, 10);
    expect(pagerLog.map((d) => d.delivery.state)).toEqual(['delivered']);
    expect(allLog.map((d) => d.delivery.state)).toEqual(['delivered', 'delivered']);
    expect(receiver.received).toHaveLength(3);
    const severities = receiver.received.map((r) => r.json.data.severity).sort();
    expect(severities).toEqual(['critical', 'critical', 'medium']);
  });

  it('queues nothing when the change rolls back', async () => {
    const hook = await webhookTo(receiver.url);
    await store
      .transaction(async (tx) => {
        await notifier.enqueue(tx, {
          id: newId('evt'),
          type: 'alert.raised',
          institutionId: hook.institutionId,
          at: clock.now(),
          data: { severity: 'high' },
        });
        throw new Error('the alert insert failed');
      })
      .catch(() => {});
    await worker().drain();
    expect(receiver.received).toEqual([]);
    expect(await webhooks.deliveries(hook.ctx, hook.id, 10)).toEqual([]);
  });

  it('sends nothing more once the webhook is deleted, retries included', async () => {
    const hook = await webhookTo(receiver.url);
    receiver.respondWith(500);
    await raise(hook.institutionId, 'high');
    const w = worker();
    await w.runOnce();
    await raise(hook.institutionId, 'critical');
    await webhooks.delete(hook.ctx, hook.id);
    clock.advance(60_000);
    await w.drain();
    expect(receiver.received).toHaveLength(1);
    const rows = await store.webhooks.listDeliveries(hook.id, 10);
    expect(rows.map((d) => [d.state, d.lastError])).toEqual([
      ['failed', 'webhook deleted'],
      ['failed', 'webhook deleted'],
    ]);
    expect((await store.webhooks.get(hook.id))?.sealedSecret).toBeNull();
  });

  it('two workers on one store make each delivery once', async () => {
    const hook = await webhookTo(receiver.url);
    for (let i = 0; i < 12; i++) await raise(hook.institutionId, 'high');
    const [a, b] = [worker(), worker()];
    await Promise.all([a.drain(), b.drain(), a.runOnce(), b.runOnce()]);
    const ids = receiver.received.map((r) => r.headers['x-keyward-delivery']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    const log = await webhooks.deliveries(hook.ctx, hook.id, 50);
    expect(log.every((d) => d.delivery.state === 'delivered' && d.attempts.length === 1)).toBe(
      true,
    );
  });

  it('records a refused connection and a redirect as failures, and follows no redirect', async () => {
    const other = await startWebhookReceiver();
    try {
      const closed = await startWebhookReceiver();
      await closed.close();
      const down = await webhookTo(closed.url);
      const bouncing = await webhookTo(receiver.url);
      receiver.respondWith({ status: 307, headers: { location: other.url } });
      await webhooks.test(down.ctx, down.id);
      await webhooks.test(bouncing.ctx, bouncing.id);
      await worker().drain();
      const [refused] = await webhooks.deliveries(down.ctx, down.id, 1);
      expect(refused?.delivery).toMatchObject({
        state: 'pending',
        lastStatus: null,
        lastError: 'connection refused',
      });
      const [redirected] = await webhooks.deliveries(bouncing.ctx, bouncing.id, 1);
      expect(redirected?.delivery).toMatchObject({ state: 'pending', lastStatus: 307 });
      expect(other.received).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('close() waits for a send in flight and records it', async () => {
    const hook = await webhookTo(receiver.url);
    receiver.respondWith({ status: 200, delayMs: 200 });
    await webhooks.test(hook.ctx, hook.id);
    const w = worker();
    const run = w.runOnce();
    await receiver.waitFor(1);
    await w.close();
    const [log] = await webhooks.deliveries(hook.ctx, hook.id, 1);
    expect(log?.delivery).toMatchObject({ state: 'delivered', lastStatus: 200 });
    expect(await run).toBe(1);
  });
});
