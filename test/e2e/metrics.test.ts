import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/adapters/keyring/file-keyring.js';
import { lookupDigests } from '../../src/core/digest.js';
import { generateSecret, secretHint } from '../../src/core/secret-format.js';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { promtoolCheckMetrics, promtoolChecksRun } from '../support/promtool.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * Done-means of issue 4 (metrics): `/metrics` on the admin port, and on the gateway port with
 * `gateway.metrics`, passes `promtool check metrics` and never carries a secret, a digest, a
 * hint or a key id — after valid, invalid, query-key and missing-secret requests.
 */

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

let upstream: TestUpstream;
let kw: TestKeyward;
let world: World;
let canary: { keyId: string; secret: string };
let scraped: { admin: string; gateway: string };

/** The value of one sample (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(base: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/metrics`, { headers });
}

beforeAll(async () => {
  upstream = await startUpstream();
  kw = await startTestKeyward({
    config: {
      gateway: {
        metrics: true,
        routes: [
          { path: '/messages', upstream: upstream.url },
          { path: '/legacy', upstream: upstream.url, allowQueryKey: true },
        ],
      },
    },
  });
  world = await buildWorld(kw);
  const created = await world.adminA.request<{
    key: { id: string };
    secrets: { primary: string };
  }>('POST', `/institutions/${world.insA}/keys`, { name: 'metrics canary' });
  expect(created.status, created.text).toBe(201);
  canary = { keyId: created.body.key.id, secret: created.body.secrets.primary };

  const gw = kw.gatewayUrl;
  const statuses = [
    (await fetch(`${gw}/messages/a`, { headers: { 'x-api-key': canary.secret } })).status,
    (await fetch(`${gw}/messages/b`, { headers: { 'x-api-key': canary.secret } })).status,
    (await fetch(`${gw}/legacy/c?subscription-key=${canary.secret}`)).status,
    (await fetch(`${gw}/messages/d`, { headers: { 'x-api-key': generateSecret('kw_live') } }))
      .status,
    (await fetch(`${gw}/messages/e`, { headers: { 'x-api-key': `${canary.secret}x` } })).status,
    (await fetch(`${gw}/messages/f`)).status,
    (await fetch(`${gw}/nowhere`, { headers: { 'x-api-key': canary.secret } })).status,
  ];
  expect(statuses).toEqual([200, 200, 200, 401, 401, 401, 404]);

  const admin = await scrape(kw.url);
  const gateway = await scrape(kw.gatewayUrl);
  for (const res of [admin, gateway]) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
  }
  scraped = { admin: await admin.text(), gateway: await gateway.text() };
});
afterAll(async () => {
  await kw?.stop();
  await upstream?.close();
});

describe('GET /metrics', () => {
  it('counts gateway requests by route and outcome, with latencies, cache and store figures', () => {
    const text = scraped.admin;
    const requests = (route: string, outcome: string) =>
      sample(text, `keyward_gateway_requests_total{route="${route}",outcome="${outcome}"}`);
    expect(requests('/messages', 'OK')).toBe(2);
    expect(requests('/legacy', 'OK')).toBe(1);
    expect(requests('/messages', 'NOT_FOUND')).toBe(1);
    expect(requests('/messages', 'MALFORMED')).toBe(1);
    expect(requests('/messages', 'MISSING')).toBe(1);
    expect(requests('none', 'NO_ROUTE')).toBe(1);
    expect(sample(text, 'keyward_gateway_request_duration_seconds_count{route="/messages"}')).toBe(
      5,
    );
    expect(
      sample(text, 'keyward_gateway_request_duration_seconds_bucket{route="/messages",le="+Inf"}'),
    ).toBe(5);
    expect(sample(text, 'keyward_verification_duration_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'keyward_verify_cache_hits_total{kind="positive"}')).toBeGreaterThanOrEqual(
      2,
    );
    expect(sample(text, 'keyward_verify_cache_misses_total')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'keyward_verify_cache_entries{kind="positive"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'keyward_store_errors_total{operation="verify"}')).toBe(0);
    expect(sample(text, 'keyward_store_errors_total{operation="usage_flush"}')).toBe(0);
    expect(sample(text, 'keyward_usage_events_dropped_total')).toBe(0);
    expect(text).toMatch(/^keyward_usage_written_total\{part="events"\} \d+$/m);
    expect(text).toMatch(/^keyward_alerts_raised_total \d+$/m);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('serves the same families on the gateway port (gateway.metrics)', () => {
    const names = (text: string) => text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(names(scraped.gateway)).toEqual(names(scraped.admin));
  });

  it('carries no secret, digest, hint or key id', async () => {
    const { keyring } = await loadKeyring({ dataDir: kw.dataDir, generateIfMissing: false });
    const needles = [
      canary.secret,
      canary.secret.slice(canary.secret.lastIndexOf('_') + 1),
      secretHint(canary.secret, 'kw_live'),
      canary.secret.slice(-4),
      ...lookupDigests(canary.secret, keyring),
      canary.keyId,
      world.insA,
      'key_',
      'ins_',
    ];
    for (const text of [scraped.admin, scraped.gateway]) {
      for (const needle of needles) expect(text.includes(needle), needle).toBe(false);
    }
  });

  it('is not part of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${kw.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths).filter((p) => p.includes('metrics'))).toEqual([]);
  });

  describe.skipIf(!promtoolChecksRun())('promtool check metrics', () => {
    it('accepts the admin and the gateway exposition', async () => {
      for (const text of [scraped.admin, scraped.gateway]) {
        const { code, output } = await promtoolCheckMetrics(text);
        expect({ code, output }).toEqual({ code: 0, output: '' });
      }
    });
  });
});

describe('GET /metrics with a metrics token', () => {
  let guarded: TestKeyward;

  beforeAll(async () => {
    guarded = await startTestKeyward({
      env: { KEYWARD_METRICS_TOKEN: 'scrape-token-for-tests' },
      config: { gateway: { metrics: true } },
    });
  });
  afterAll(async () => guarded?.stop());

  it('answers 401 without the token and the metrics with it, on both ports', async () => {
    for (const base of [guarded.url, guarded.gatewayUrl]) {
      const none = await scrape(base);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="keyward-metrics"');
      expect(((await none.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
      expect((await scrape(base, { authorization: 'Bearer wrong-token' })).status).toBe(401);
      const ok = await scrape(base, { authorization: 'Bearer scrape-token-for-tests' });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE keyward_gateway_requests_total counter');
    }
  });
});
