import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryUsageSink } from '../../src/adapters/memory/memory-usage-sink.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway-server.js';
import { StubVerifier, send, startUpstream, type TestUpstream, valid } from './gateway-fixtures.js';

/**
 * The APIM profile and trusted proxies. The verifier is a stub (see gateway-fixtures.ts); the
 * real one is tested in services and wired by main.
 */

const SECRET = 'kw_live_apim00000000000000000000000000';
const APIM_HEADER = 'Ocp-Apim-Subscription-Key';

let upstream: TestUpstream;
let apim: Gateway;
let proxied: Gateway;
let apimBase: string;
let proxiedBase: string;
const usage = new MemoryUsageSink();
const verifier = new StubVerifier({ [SECRET]: valid('key_m', 'secondary', 'ins_m') });

beforeAll(async () => {
  upstream = await startUpstream();
  apim = createGateway({
    routes: [
      { path: '/orders', upstream: upstream.origin, scope: 'orders' },
      { path: '/legacy', upstream: upstream.origin, allowQueryKey: true },
    ],
    header: APIM_HEADER,
    profile: 'apim',
    trustedProxies: [],
    verifier,
    usage,
  });
  apimBase = await apim.listen(0, '127.0.0.1');
  proxied = createGateway({
    routes: [{ path: '/', upstream: upstream.origin }],
    header: 'X-API-Key',
    profile: 'default',
    trustedProxies: ['127.0.0.1/32', '10.0.0.0/8'],
    verifier,
    usage,
  });
  proxiedBase = await proxied.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await apim.close();
  await proxied.close();
  await upstream.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
  usage.clear();
  verifier.calls.length = 0;
});

describe('APIM profile', () => {
  it('reads Ocp-Apim-Subscription-Key and sets x-user-id / x-subscription-id', async () => {
    const res = await send(apimBase, '/orders/9', {
      headers: [APIM_HEADER, SECRET, 'x-user-id', 'forged', 'X-Subscription-Id', 'forged'],
    });
    expect(res.status).toBe(200);
    const up = upstream.requests[0]?.headers ?? {};
    expect(up['x-user-id']).toBe('ins_m');
    expect(up['x-subscription-id']).toBe('key_m');
    expect(up['x-keyward-institution']).toBe('ins_m');
    expect(up['x-keyward-key']).toBe('key_m');
    expect(up['x-keyward-slot']).toBe('secondary');
    expect(up['ocp-apim-subscription-key']).toBeUndefined();
    expect(JSON.stringify(upstream.requests)).not.toContain('forged');
    expect(JSON.stringify(upstream.requests)).not.toContain(SECRET);
  });

  it('ignores X-API-Key in this profile', async () => {
    const res = await send(apimBase, '/orders', { headers: ['X-API-Key', SECRET] });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'MISSING' });
    expect(res.headers['www-authenticate']).toContain(`header="${APIM_HEADER}"`);
  });

  it('accepts the query parameter where the route enables it, and removes it upstream', async () => {
    const res = await send(apimBase, `/legacy/a?x=1&subscription-key=${SECRET}&y=2`);
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe('/legacy/a?x=1&y=2');
    expect(upstream.requests[0]?.headers['x-user-id']).toBe('ins_m');
    expect(JSON.stringify(upstream.requests)).not.toContain(SECRET);
  });

  it('refuses the query parameter where the route does not enable it', async () => {
    const res = await send(apimBase, `/orders?subscription-key=${SECRET}`);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'MISSING' });
    expect(upstream.requests).toHaveLength(0);
    expect(verifier.calls).toHaveLength(0);
  });

  it('never forwards the query parameter, even where only the header counts', async () => {
    const res = await send(apimBase, `/orders?subscription-key=${SECRET}&z=3`, {
      headers: [APIM_HEADER, SECRET],
    });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe('/orders?z=3');
  });

  it('refuses header plus query parameter on an enabled route (never rescued)', async () => {
    const res = await send(apimBase, `/legacy?subscription-key=${SECRET}`, {
      headers: [APIM_HEADER, 'kw_live_wrong'],
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'DUPLICATE' });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('X-Forwarded-For from trusted proxies', () => {
  it('takes the rightmost untrusted address when the peer is a trusted proxy', async () => {
    const res = await send(proxiedBase, '/p', {
      headers: [
        'X-API-Key',
        SECRET,
        'X-Forwarded-For',
        '198.51.100.1, 203.0.113.7, 10.1.1.1',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Host',
        'api.example',
      ],
    });
    expect(res.status).toBe(200);
    expect(verifier.calls[0]?.clientIp).toBe('203.0.113.7');
    expect(usage.events()[0]?.clientIp).toBe('203.0.113.7');
    const up = upstream.requests[0]?.headers ?? {};
    expect(up['x-forwarded-for']).toBe('198.51.100.1, 203.0.113.7, 10.1.1.1, 127.0.0.1');
    expect(up['x-forwarded-proto']).toBe('https');
    expect(up['x-forwarded-host']).toBe('api.example');
  });

  it('fails closed on a garbled X-Forwarded-For', async () => {
    await send(proxiedBase, '/p', {
      headers: ['X-API-Key', SECRET, 'X-Forwarded-For', '203.0.113.7, bogus'],
    });
    expect(verifier.calls[0]?.clientIp).toBe('unknown');
  });

  it('ignores X-Forwarded-For when the peer is not a trusted proxy', async () => {
    await send(apimBase, '/orders', {
      headers: [APIM_HEADER, SECRET, 'X-Forwarded-For', '203.0.113.7'],
    });
    expect(verifier.calls[0]?.clientIp).toBe('127.0.0.1');
    expect(upstream.requests[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });
});
