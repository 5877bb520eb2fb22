import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret-format.js';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * Issue 4, done-means 5: a known secret sent through every gateway path — valid (header and
 * query key), invalid, unknown, retired, in the wrong header — with logs at debug level, raw
 * events of every request, detectors and webhooks on, is found in no log line, metric, alert,
 * webhook body, API answer about usage, or byte of the database files.
 */

const VERIFIER_TOKEN = 'verifier-token-for-the-canary-test';

let upstream: TestUpstream;
let receiver: WebhookReceiver;
let kw: TestKeyward;
let w: World;

beforeAll(async () => {
  upstream = await startUpstream();
  receiver = await startWebhookReceiver();
  kw = await startTestKeyward({
    env: { KEYWARD_VERIFIER_TOKENS: VERIFIER_TOKEN },
    config: {
      gateway: {
        trustedProxies: ['127.0.0.1/32'],
        metrics: true,
        routes: [
          { path: '/api', upstream: upstream.url },
          { path: '/legacy', upstream: upstream.url, allowQueryKey: true },
        ],
      },
      usage: { flushIntervalMs: 60_000, rawEvents: 'all', failedAuthBurst: 3 },
    },
  });
  w = await buildWorld(kw);
});
afterAll(async () => {
  await kw?.stop();
  await upstream?.close();
  await receiver?.close();
});

describe('a canary secret through the gateway and the monitoring pipeline', () => {
  it('reaches no log line, metric, alert, webhook body, usage answer or database byte', async () => {
    const hook = await w.adminA.request<{ secret: string }>(
      'POST',
      `/institutions/${w.insA}/webhooks`,
      {
        url: receiver.url,
      },
    );
    expect(hook.status).toBe(201);
    receiver.acceptSecret(hook.body.secret);
    const created = await w.adminA.request<{
      key: { id: string };
      secrets: { primary: string; secondary: string };
    }>('POST', `/institutions/${w.insA}/keys`, { name: 'canary', allowedCidrs: ['0.0.0.0/0'] });
    const keyId = created.body.key.id;
    const { primary, secondary } = created.body.secrets;
    const unknown = generateSecret('kw_live');
    const corrupted = `${primary.slice(0, -1)}${primary.endsWith('A') ? 'B' : 'A'}`;

    const gw = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${kw.gatewayUrl}${path}`, { headers: { 'user-agent': 'canary/1.0', ...headers } });
    const answers = [
      await gw('/api/ok', { 'x-api-key': primary }),
      await gw(`/legacy/ok?subscription-key=${encodeURIComponent(secondary)}&x=1`),
      await gw(`/api/no-query?subscription-key=${encodeURIComponent(primary)}`),
      await gw('/api/x', { 'x-api-key': corrupted, 'x-forwarded-for': '192.0.2.9' }),
      await gw('/api/x', { 'x-api-key': unknown, 'x-forwarded-for': '192.0.2.9' }),
      await gw('/api/x', { authorization: `Bearer ${primary}`, 'x-forwarded-for': '192.0.2.9' }),
      await gw('/nowhere', { 'x-api-key': primary }),
    ];
    // The secondary retired, then sent again: an alert and a webhook naming the slot.
    await w.adminA.request('POST', `/keys/${keyId}/regenerate`, { slot: 'secondary', force: true });
    answers.push(await gw('/api/old', { 'x-api-key': secondary, 'x-forwarded-for': '192.0.2.10' }));
    // The verify API, too.
    const verify = await fetch(`${kw.url}/api/v1/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${VERIFIER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ secret: primary }),
    });
    expect(verify.status).toBe(200);
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 401, 401, 401, 404, 401]);

    await kw.running.flushUsage();
    await kw.running.deliverWebhooksNow();
    const alerts = await w.adminA.request('GET', `/institutions/${w.insA}/alerts`);
    expect(alerts.text).toContain('RETIRED_SECRET_USED');
    const platformAlerts = await w.platform.request('GET', '/alerts');
    expect(platformAlerts.text).toContain('FAILED_AUTH_BURST');
    expect(receiver.received.some((r) => r.body.includes('RETIRED_SECRET_USED'))).toBe(true);
    const usageAnswers = [
      await w.adminA.request('GET', `/keys/${keyId}/events?limit=1000`),
      await w.adminA.request('GET', `/keys/${keyId}/usage?step=1m`),
      await w.adminA.request('GET', `/keys/${keyId}/clients`),
      await w.adminA.request('GET', `/institutions/${w.insA}/usage`),
    ];
    expect(usageAnswers[0]?.text).toContain('RETIRED');
    const metrics = [
      await (await fetch(`${kw.url}/metrics`)).text(),
      await (await fetch(`${kw.gatewayUrl}/metrics`)).text(),
    ];
    expect(metrics[0]).toContain('keyward_gateway_requests_total');

    await kw.running.store.close().catch(() => {});
    const files = (await readdir(kw.dataDir)).filter((f) => f.startsWith('keyward.db'));
    const db = Buffer.concat(await Promise.all(files.map((f) => readFile(join(kw.dataDir, f)))));

    const places: [string, string[]][] = [
      ['log line', kw.logs],
      ['metric', metrics],
      ['alert', [alerts.text, platformAlerts.text]],
      ['webhook body', receiver.received.map((r) => r.body)],
      ['usage answer', usageAnswers.map((r) => r.text)],
      ['gateway answer', bodies],
      ['upstream request', upstream.requests.map((r) => JSON.stringify(r))],
    ];
    // The harness logs at debug level; every gateway request writes its access line (batched).
    await expect
      .poll(() => kw.logs.join('').split('"msg":"gateway request"').length - 1)
      .toBe(answers.length);
    for (const secret of [primary, secondary, corrupted, unknown]) {
      const body = secret.slice(secret.lastIndexOf('_') + 1);
      for (const needle of [secret, body, encodeURIComponent(secret)]) {
        for (const [where, texts] of places) {
          expect(
            texts.filter((t) => t.includes(needle)),
            where,
          ).toEqual([]);
        }
        expect(db.includes(Buffer.from(needle)), 'database').toBe(false);
      }
    }
  });
});
