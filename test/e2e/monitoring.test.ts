import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayWorld, startGatewayWorld } from '../support/gateway-world.js';
import { type TestKeyward, testStores } from '../support/harness.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import type { World } from '../support/world.js';

/**
 * Monitoring end to end (issue 4, done-means 1 and 2): real gateway traffic, the usage pipeline
 * writing to the real store, alerts raised by the detectors and delivered to a local webhook
 * receiver that checks the signature.
 */

type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };

describe.each(testStores())('monitoring on %s', (store) => {
  let kw: TestKeyward;
  let w: World;

  let world: GatewayWorld | undefined;

  beforeAll(async () => {
    world = await startGatewayWorld({
      store,
      route: { path: '/messages', scope: 'messages' },
      usage: { rawEvents: 'all', failedAuthBurst: 5 },
    });
    ({ kw, w } = world);
  });
  afterAll(async () => world?.stop());

  async function newKey(): Promise<Created> {
    const res = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, {
      name: 'billing',
      scopes: ['messages'],
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  function call(secret: string, from: string, userAgent: string) {
    return fetch(`${kw.gatewayUrl}/messages`, {
      headers: { 'x-api-key': secret, 'x-forwarded-for': from, 'user-agent': userAgent },
    });
  }

  it('primary from one address, secondary from another: series, last use and clients per slot', async () => {
    const key = await newKey();
    const from = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 3; i++) {
      expect((await call(key.secrets.primary, '198.51.100.10', 'billing/1.0')).status).toBe(200);
    }
    for (let i = 0; i < 2; i++) {
      expect((await call(key.secrets.secondary, '203.0.113.20', 'reports/2.0')).status).toBe(200);
    }
    await kw.running.flushUsage();

    const usage = await w.adminA.request<{
      slots: Record<string, { requests: number; errors: number; status: Record<string, number> }[]>;
    }>('GET', `/keys/${key.key.id}/usage?step=1h&from=${encodeURIComponent(from)}`);
    expect(usage.status, usage.text).toBe(200);
    const total = (slot: string) =>
      (usage.body.slots[slot] ?? []).reduce((n, p) => n + p.requests, 0);
    expect(total('primary')).toBe(3);
    expect(total('secondary')).toBe(2);
    const point = usage.body.slots.primary?.find((p) => p.requests > 0);
    expect(point).toMatchObject({ errors: 0, status: { '2xx': 3, '4xx': 0 } });

    const meta = await w.adminA.request<{
      slots: Record<
        string,
        { lastUsedAt: string | null; lastUsedFrom: string; lastUserAgent: string }
      >;
    }>('GET', `/keys/${key.key.id}`);
    expect(meta.body.slots.primary).toMatchObject({
      lastUsedFrom: '198.51.100.10',
      lastUserAgent: 'billing/1.0',
    });
    expect(meta.body.slots.secondary).toMatchObject({
      lastUsedFrom: '203.0.113.20',
      lastUserAgent: 'reports/2.0',
    });
    expect(Date.parse(meta.body.slots.primary?.lastUsedAt ?? '')).toBeGreaterThan(Date.parse(from));

    const clients = await w.adminA.request<{
      slots: Record<string, { address: string; userAgent: string; requests: number }[]>;
    }>('GET', `/keys/${key.key.id}/clients`);
    expect(clients.body.slots.primary).toMatchObject([
      { address: '198.51.100.10', userAgent: 'billing/1.0', requests: 3 },
    ]);
    expect(clients.body.slots.secondary).toMatchObject([
      { address: '203.0.113.20', userAgent: 'reports/2.0', requests: 2 },
    ]);

    const totals = await w.operatorA.request<{
      keys: { keyId: string; requests: number; slots: Record<string, { requests: number }> }[];
    }>('GET', `/institutions/${w.insA}/usage?from=${encodeURIComponent(from)}`);
    expect(totals.status, totals.text).toBe(200);
    expect(totals.body.keys.find((k) => k.keyId === key.key.id)).toMatchObject({
      requests: 5,
      slots: { primary: { requests: 3 }, secondary: { requests: 2 } },
    });

    const events = await w.adminA.request<{ events: { slot: string; clientIp: string }[] }>(
      'GET',
      `/keys/${key.key.id}/events`,
    );
    expect(events.body.events).toHaveLength(5);
    expect(events.body.events.filter((e) => e.slot === 'secondary')).toHaveLength(2);
  });

  it('a retired secret raises one alert naming key and slot, delivered signed; repeats count', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const hook = await w.adminA.request<{ webhook: { id: string }; secret: string }>(
        'POST',
        `/institutions/${w.insA}/webhooks`,
        { url: receiver.url, events: ['alert.raised'] },
      );
      expect(hook.status, hook.text).toBe(201);
      receiver.acceptSecret(hook.body.secret);
      const key = await newKey();
      const regen = await w.adminA.request('POST', `/keys/${key.key.id}/regenerate`, {
        slot: 'secondary',
      });
      expect(regen.status).toBe(200);

      for (let i = 0; i < 3; i++) {
        expect((await call(key.secrets.secondary, '203.0.113.66', 'old-client/1.0')).status).toBe(
          401,
        );
      }
      await kw.running.flushUsage();
      type Alerts = {
        alerts: {
          id: string;
          type: string;
          keyId: string;
          slot: string;
          count: number;
          evidence: Record<string, unknown>;
        }[];
      };
      const retiredAlerts = async () =>
        (
          await w.operatorA.request<Alerts>('GET', `/institutions/${w.insA}/alerts?state=open`)
        ).body.alerts.filter((a) => a.type === 'RETIRED_SECRET_USED' && a.keyId === key.key.id);
      const [alert, ...others] = await retiredAlerts();
      expect(others).toEqual([]);
      expect(alert).toMatchObject({ slot: 'secondary', count: 3 });
      expect(alert?.evidence).toMatchObject({
        clientIp: '203.0.113.66',
        userAgent: 'old-client/1.0',
      });
      expect(Date.parse(String(alert?.evidence.regeneratedAt))).toBeGreaterThan(0);

      await kw.running.deliverWebhooksNow();
      const deliveries = receiver.received.filter(
        (r) => r.body.includes(key.key.id) && r.body.includes('RETIRED_SECRET_USED'),
      );
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]?.verdict).toEqual({ ok: true });
      expect(deliveries[0]?.json).toMatchObject({ type: 'alert.raised', data: { id: alert?.id } });

      // Repeats add to the open alert: no new alert, no new delivery.
      for (let i = 0; i < 2; i++)
        await call(key.secrets.secondary, '203.0.113.66', 'old-client/1.0');
      await kw.running.flushUsage();
      await kw.running.deliverWebhooksNow();
      const after = await retiredAlerts();
      expect(after.map((a) => [a.id, a.count])).toEqual([[alert?.id, 5]]);
      expect(
        receiver.received.filter(
          (r) => r.body.includes(key.key.id) && r.body.includes('RETIRED_SECRET_USED'),
        ),
      ).toHaveLength(1);

      // Operators may read alerts but not acknowledge them; admins may. The next repeat opens anew.
      expect((await w.operatorA.request('POST', `/alerts/${alert?.id}/ack`)).status).toBe(403);
      const acked = await w.adminA.request<{ alert: { state: string } }>(
        'POST',
        `/alerts/${alert?.id}/ack`,
      );
      expect(acked.body.alert.state).toBe('acknowledged');
      await call(key.secrets.secondary, '203.0.113.66', 'old-client/1.0');
      await kw.running.flushUsage();
      const reopened = await retiredAlerts();
      expect(reopened).toHaveLength(1);
      expect(reopened[0]?.id).not.toBe(alert?.id);
    } finally {
      await receiver.close();
    }
  });

  it('a request from outside the allowed CIDRs raises an IP_NOT_ALLOWED alert on that slot', async () => {
    const key = await newKey();
    await w.adminA.request('PATCH', `/keys/${key.key.id}`, { allowedCidrs: ['10.0.0.0/8'] });
    expect((await call(key.secrets.primary, '198.51.100.99', 'x/1')).status).toBe(403);
    await kw.running.flushUsage();
    const alerts = await w.adminA.request<{
      alerts: { type: string; keyId: string; slot: string }[];
    }>('GET', `/institutions/${w.insA}/alerts`);
    expect(alerts.body.alerts.filter((a) => a.keyId === key.key.id)).toMatchObject([
      { type: 'IP_NOT_ALLOWED', slot: 'primary' },
    ]);
  });

  it('guessing with unknown secrets raises a platform-level burst alert for platform operators', async () => {
    const guess = 'kw_live_000000000000000000000000000000000000';
    for (let i = 0; i < 6; i++) {
      expect((await call(guess, '192.0.2.77', 'guesser/1.0')).status).toBe(401);
    }
    await kw.running.flushUsage();
    const platform = await w.platform.request<{
      alerts: { type: string; subject: string; count: number }[];
    }>('GET', '/alerts?state=open');
    expect(platform.status, platform.text).toBe(200);
    expect(platform.body.alerts.filter((a) => a.subject === '192.0.2.77')).toMatchObject([
      { type: 'FAILED_AUTH_BURST', count: 1 },
    ]);
    expect((await w.adminA.request('GET', '/alerts')).status).toBe(403);
  });
});
