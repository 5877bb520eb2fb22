import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUsageSink } from '../../src/adapters/memory/memory-usage-sink.js';
import { tokenSha256 } from '../../src/core/bearer-token.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway-server.js';
import type { MetricsExposition } from '../../src/ports/metrics-exposition.js';
import { StubVerifier, send, startUpstream, type TestUpstream } from './gateway-fixtures.js';

/**
 * `GET /metrics` on the gateway port (config `gateway.metrics`): answered before routing, never
 * forwarded, not a usage event; the metrics token when one is configured. The exposition is a
 * stub: the real one is tested with the adapter and end to end.
 */

const TEXT =
  '# HELP keyward_test_total A test.\n# TYPE keyward_test_total counter\nkeyward_test_total 1\n';
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

let upstream: TestUpstream;
const usage = new MemoryUsageSink();
const errors: string[] = [];
let failing = false;
const exposition: MetricsExposition = {
  contentType: CONTENT_TYPE,
  render: async () => {
    if (failing) throw new Error('registry broke');
    return TEXT;
  },
};
const gateways: Gateway[] = [];

async function start(tokenSha: string | null): Promise<string> {
  const gateway = createGateway({
    // A catch-all route: /metrics must still never be forwarded.
    routes: [{ path: '/', upstream: upstream.origin }],
    header: 'X-API-Key',
    profile: 'default',
    trustedProxies: [],
    verifier: new StubVerifier({}),
    usage,
    metrics: { exposition, tokenSha256: tokenSha },
    logger: { info() {}, warn() {}, error: (_obj, msg) => errors.push(String(msg)) },
  });
  gateways.push(gateway);
  return gateway.listen(0, '127.0.0.1');
}

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await upstream.close();
});

describe('GET /metrics on the gateway port', () => {
  it('answers the exposition, never forwards it and emits no usage event', async () => {
    const base = await start(null);
    const res = await send(base, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(CONTENT_TYPE);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.text).toBe(TEXT);
    const head = await send(base, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(upstream.requests).toEqual([]);
    expect(usage.events()).toEqual([]);
    // Other methods and deeper paths are ordinary gateway requests (here: no API key).
    expect((await send(base, '/metrics', { method: 'POST', body: Buffer.from('x') })).status).toBe(
      401,
    );
    expect((await send(base, '/metrics/x')).status).toBe(401);
  });

  it('asks for the metrics token when one is configured', async () => {
    const base = await start(tokenSha256('scrape-me'));
    const none = await send(base, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="keyward-metrics"');
    expect(none.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(none.text).not.toContain('keyward_test_total');
    const wrong = await send(base, '/metrics', { headers: ['Authorization', 'Bearer nope'] });
    expect(wrong.status).toBe(401);
    const right = await send(base, '/metrics', { headers: ['Authorization', 'Bearer scrape-me'] });
    expect(right.status).toBe(200);
    expect(right.text).toBe(TEXT);
  });

  it('answers a 500 problem when the metrics cannot be rendered', async () => {
    const base = await start(null);
    failing = true;
    try {
      const res = await send(base, '/metrics');
      expect(res.status).toBe(500);
      expect(res.json()).toMatchObject({ code: 'INTERNAL' });
      expect(errors).toContain('metrics could not be rendered');
    } finally {
      failing = false;
    }
  });

  it('refuses a route of its own at /metrics (it would never see a GET)', () => {
    expect(() =>
      createGateway({
        routes: [{ path: '/metrics', upstream: upstream.origin }],
        header: 'X-API-Key',
        profile: 'default',
        trustedProxies: [],
        verifier: new StubVerifier({}),
        usage,
        metrics: { exposition, tokenSha256: null },
      }),
    ).toThrow(/no route may use that path/);
  });
});
