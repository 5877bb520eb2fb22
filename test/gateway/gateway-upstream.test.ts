import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryUsageSink } from '../../src/adapters/memory/memory-usage-sink.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway-server.js';
import {
  closedPort,
  MB,
  StubVerifier,
  send,
  startUpstream,
  type TestUpstream,
  valid,
  waitFor,
} from './gateway-fixtures.js';

/**
 * Upstream failures become problem+json 502/504 with code UPSTREAM. The verifier is a stub (see
 * gateway-fixtures.ts); the real one is tested in services and wired by main.
 */

const SECRET = 'kw_live_good00000000000000000000000000';

let upstream: TestUpstream;
let gateway: Gateway;
let base: string;
const usage = new MemoryUsageSink();
const warnings: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
  const down = await closedPort();
  gateway = createGateway({
    routes: [
      { path: '/up', upstream: upstream.origin },
      { path: '/down', upstream: `http://127.0.0.1:${down}` },
    ],
    header: 'X-API-Key',
    profile: 'default',
    trustedProxies: [],
    verifier: new StubVerifier({ [SECRET]: valid('key_u', 'primary') }),
    usage,
    upstreamTimeoutMs: 200,
    logger: {
      info() {},
      warn(obj, msg) {
        warnings.push(`${msg} ${JSON.stringify(obj)}`);
      },
      error() {},
    },
  });
  base = await gateway.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

beforeEach(() => {
  usage.clear();
  warnings.length = 0;
});

describe('upstream failures', () => {
  it('answers 502 UPSTREAM when the upstream refuses connections', async () => {
    const res = await send(base, '/down/x', { headers: ['X-API-Key', SECRET] });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ status: 502, code: 'UPSTREAM' });
    expect(usage.events()).toMatchObject([
      { status: 502, outcome: 'UPSTREAM_UNREACHABLE', keyId: 'key_u', route: '/down' },
    ]);
    expect(warnings.join()).toContain('upstream unreachable');
    expect(warnings.join()).not.toContain(SECRET);
  });

  it('answers 502 when the request carries a body (the client connection survives the failure)', async () => {
    const res = await send(base, '/down/x', {
      headers: ['X-API-Key', SECRET, 'Content-Type', 'text/plain'],
      body: Buffer.alloc(256 * 1024, 1),
    });
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'UPSTREAM' });
  });

  it('answers 504 UPSTREAM when the upstream is slower than the timeout', async () => {
    const started = Date.now();
    const res = await send(base, '/up/slow', { headers: ['X-API-Key', SECRET] });
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ status: 504, code: 'UPSTREAM' });
    // undici's timers tick at up to 1 s resolution; the upstream would answer after 3 s.
    expect(Date.now() - started).toBeLessThan(2500);
    expect(usage.events()).toMatchObject([{ status: 504, outcome: 'UPSTREAM_TIMEOUT' }]);
  });

  it('aborts the upstream request when the client hangs up mid-upload', async () => {
    const body = new PassThrough();
    const hangUp = new AbortController();
    const pending = send(base, '/up/upload', {
      headers: ['X-API-Key', SECRET, 'Content-Length', String(4 * MB)],
      body,
      signal: hangUp.signal,
    });
    const failed = pending.then(
      () => 'answered',
      () => 'failed',
    );
    body.write(Buffer.alloc(MB, 1));
    await once(upstream.events, 'first-chunk');
    const aborted = once(upstream.events, 'aborted');
    hangUp.abort();
    await aborted;
    expect(await failed).toBe('failed');
    await waitFor(() => usage.events().length === 1);
    expect(usage.events()).toMatchObject([{ status: 499, outcome: 'CLIENT_GONE', keyId: 'key_u' }]);
  });

  it('still forwards normally to a healthy upstream', async () => {
    const res = await send(base, '/up/fine', { headers: ['X-API-Key', SECRET] });
    expect(res.status).toBe(200);
  });
});

describe('usage sink faults', () => {
  it('never turn into a failed request', async () => {
    const own = createGateway({
      routes: [{ path: '/', upstream: upstream.origin }],
      header: 'X-API-Key',
      profile: 'default',
      trustedProxies: [],
      verifier: new StubVerifier({ [SECRET]: valid('key_u', 'primary') }),
      usage: {
        emit() {
          throw new Error('sink broken');
        },
      },
    });
    const url = await own.listen(0, '127.0.0.1');
    try {
      expect((await send(url, '/a', { headers: ['X-API-Key', SECRET] })).status).toBe(200);
      expect((await send(url, '/a')).status).toBe(401);
    } finally {
      await own.close();
    }
  });
});

describe('close()', () => {
  it('stops listening and closes upstream pools', async () => {
    const own = createGateway({
      routes: [{ path: '/', upstream: upstream.origin }],
      header: 'X-API-Key',
      profile: 'default',
      trustedProxies: [],
      verifier: new StubVerifier({ [SECRET]: valid('key_u', 'primary') }),
      usage: new MemoryUsageSink(),
    });
    const url = await own.listen(0, '127.0.0.1');
    expect((await send(url, '/a', { headers: ['X-API-Key', SECRET] })).status).toBe(200);
    await own.close();
    expect(own.server.listening).toBe(false);
    await expect(send(url, '/a', { headers: ['X-API-Key', SECRET] })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('can be closed without having listened', async () => {
    const own = createGateway({
      routes: [],
      header: 'X-API-Key',
      profile: 'default',
      trustedProxies: [],
      verifier: new StubVerifier({}),
      usage: new MemoryUsageSink(),
    });
    await expect(own.close()).resolves.toBeUndefined();
  });

  it('refuses a bad header name, route or proxy list when built', () => {
    const base = {
      routes: [],
      header: 'X-API-Key',
      profile: 'default' as const,
      trustedProxies: [],
      verifier: new StubVerifier({}),
      usage: new MemoryUsageSink(),
    };
    expect(() => createGateway({ ...base, header: 'X API Key' })).toThrow(/header name/);
    expect(() =>
      createGateway({ ...base, routes: [{ path: '/a/../b', upstream: 'http://h' }] }),
    ).toThrow(/path/);
    expect(() => createGateway({ ...base, trustedProxies: ['nope'] })).toThrow(/CIDR/);
  });
});
