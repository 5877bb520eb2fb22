import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryUsageSink } from '../../src/adapters/memory/memory-usage-sink.js';
import { createGateway, type Gateway, HEALTH_PATH } from '../../src/gateway/gateway-server.js';
import {
  MB,
  StubVerifier,
  send,
  startUpstream,
  type TestUpstream,
  valid,
} from './gateway-fixtures.js';

/**
 * Forwarding against a real upstream. The verifier is a stub (see gateway-fixtures.ts): the real
 * one is tested in services and wired by main.
 */

const PRIMARY = 'kw_live_primary000000000000000000000000';
const SECONDARY = 'kw_live_secondary0000000000000000000000';

let messages: TestUpstream;
let admin: TestUpstream;
let gateway: Gateway;
let base: string;
const usage = new MemoryUsageSink();
const verifier = new StubVerifier({
  [PRIMARY]: valid('key_a', 'primary', 'ins_a'),
  [SECONDARY]: valid('key_a', 'secondary', 'ins_a'),
});

beforeAll(async () => {
  messages = await startUpstream();
  admin = await startUpstream();
  gateway = createGateway({
    routes: [
      { path: '/messages', upstream: messages.origin, scope: 'messages' },
      { path: '/messages/admin', upstream: `${admin.origin}/internal`, stripPrefix: true },
    ],
    header: 'X-API-Key',
    profile: 'default',
    trustedProxies: [],
    verifier,
    usage,
  });
  base = await gateway.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.close();
  await messages.close();
  await admin.close();
});

beforeEach(() => {
  messages.requests.length = 0;
  admin.requests.length = 0;
  usage.clear();
  verifier.calls.length = 0;
});

describe('forwarding', () => {
  it.each([
    [PRIMARY, 'primary'],
    [SECONDARY, 'secondary'],
  ])('forwards with identity headers and without the secret (%s)', async (secret, slot) => {
    const res = await send(base, '/messages/1?x=1', {
      headers: ['X-API-Key', secret, 'Accept', 'application/json'],
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9A-Za-z]{22}$/);
    const seen = res.json<{ url: string; headers: Record<string, string> }>();
    expect(seen.url).toBe('/messages/1?x=1');
    expect(seen.headers['x-keyward-institution']).toBe('ins_a');
    expect(seen.headers['x-keyward-key']).toBe('key_a');
    expect(seen.headers['x-keyward-slot']).toBe(slot);
    expect(seen.headers['x-request-id']).toBe(res.headers['x-request-id']);
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['x-user-id']).toBeUndefined();
    expect(JSON.stringify(messages.requests)).not.toContain(secret);
    expect(verifier.calls).toEqual([{ secret, scope: 'messages', clientIp: '127.0.0.1' }]);
  });

  it('answers its health check without a secret, a verification, a forward or a usage event', async () => {
    const res = await send(base, HEALTH_PATH);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.text)).toEqual({ status: 'ok' });
    const head = await send(base, HEALTH_PATH, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    // Other methods are not the health check: no route matches them.
    expect((await send(base, HEALTH_PATH, { method: 'DELETE' })).status).toBe(404);
    expect(verifier.calls).toEqual([]);
    expect(usage.events().map((e) => e.outcome)).toEqual(['NO_ROUTE']); // the DELETE only
    expect(messages.requests).toEqual([]);
  });

  it('strips identity headers the client sent before setting its own', async () => {
    const res = await send(base, '/messages', {
      headers: [
        'X-API-Key',
        PRIMARY,
        'X-Keyward-Institution',
        'ins_forged',
        'X-Keyward-Key',
        'key_forged',
        'x-keyward-key',
        'key_forged2',
        'X-Keyward-Slot',
        'secondary',
      ],
    });
    expect(res.status).toBe(200);
    const raw = messages.requests[0]?.rawHeaders ?? [];
    const identity = raw.filter((_, i) => i % 2 === 0 && /^x-keyward-/i.test(raw[i] as string));
    expect(identity).toHaveLength(3);
    expect(JSON.stringify(raw)).not.toContain('forged');
    expect(messages.requests[0]?.headers['x-keyward-slot']).toBe('primary');
  });

  it('removes hop-by-hop headers in both directions', async () => {
    const res = await send(base, '/messages/hop', {
      headers: [
        'X-API-Key',
        PRIMARY,
        'Connection',
        'keep-alive, X-Private',
        'X-Private',
        'drop me',
        'Keep-Alive',
        'timeout=5',
        'TE',
        'trailers',
        'Proxy-Authorization',
        'Basic abc',
        'X-Public',
        'keep me',
      ],
    });
    expect(res.status).toBe(200);
    const up = messages.requests[0]?.headers ?? {};
    expect(up['x-private']).toBeUndefined();
    expect(up['keep-alive']).toBeUndefined();
    expect(up.te).toBeUndefined();
    expect(up['proxy-authorization']).toBeUndefined();
    expect(up['x-public']).toBe('keep me');
    expect(up['x-api-key']).toBeUndefined();
    expect(res.headers['x-internal']).toBeUndefined();
    // Node's own keep-alive answer to our client, never the upstream's.
    expect(res.headers['keep-alive']).not.toBe('timeout=99');
    expect(res.headers.connection).not.toMatch(/x-internal/i);
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.headers.upgrade).toBeUndefined();
    expect(res.headers['x-kept']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.text).toBe('hop');
  });

  it('streams a 5 MB request body through before the client has finished sending', async () => {
    const body = new PassThrough();
    const first = Buffer.alloc(MB, 7);
    const rest = Buffer.alloc(4 * MB, 9);
    const pending = send(base, '/messages/upload', {
      headers: ['X-API-Key', PRIMARY, 'Content-Type', 'application/octet-stream'],
      body,
    });
    body.write(first);
    // The upstream sees bytes while the client still holds 4 MB back: nothing buffers the body.
    await once(messages.events, 'first-chunk');
    body.end(rest);
    const res = await pending;
    expect(res.status).toBe(200);
    const seen = res.json<{
      bodyBytes: number;
      bodySha256: string;
      headers: Record<string, string>;
    }>();
    expect(seen.bodyBytes).toBe(5 * MB);
    expect(seen.bodySha256).toBe(createHash('sha256').update(first).update(rest).digest('hex'));
    expect(seen.headers['transfer-encoding']).toBe('chunked');
  });

  it('relays a body with Content-Length unchanged', async () => {
    const payload = Buffer.alloc(5 * MB, 3);
    const res = await send(base, '/messages/upload', {
      headers: ['X-API-Key', PRIMARY, 'Content-Length', String(payload.length)],
      body: payload,
    });
    const seen = res.json<{ bodyBytes: number; headers: Record<string, string> }>();
    expect(seen.bodyBytes).toBe(payload.length);
    expect(seen.headers['content-length']).toBe(String(payload.length));
  });

  it('streams a 5 MB response body as the upstream produces it', async () => {
    let released = false;
    const res = await send(base, '/messages/download-gated', {
      headers: ['X-API-Key', PRIMARY],
      onChunk: (_chunk, received) => {
        // The upstream holds back 4 MB until the client has seen its first megabyte.
        if (!released && received >= MB) {
          released = true;
          messages.releaseDownload();
        }
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(5 * MB);
    expect(released).toBe(true);
  });

  it('routes by longest prefix and strips the prefix where configured', async () => {
    const a = await send(base, '/messages/admin/users?page=2', { headers: ['X-API-Key', PRIMARY] });
    expect(a.json<{ url: string }>().url).toBe('/internal/users?page=2');
    expect(admin.requests).toHaveLength(1);
    expect(messages.requests).toHaveLength(0);
    const b = await send(base, '/messages/adminx', { headers: ['X-API-Key', PRIMARY] });
    expect(b.json<{ url: string }>().url).toBe('/messages/adminx');
    expect(verifier.calls.map((c) => c.scope)).toEqual([undefined, 'messages']);
  });

  it('forwards the normalised path', async () => {
    const res = await send(base, '/messages//a/%62?q=%2F', { headers: ['X-API-Key', PRIMARY] });
    expect(res.json<{ url: string }>().url).toBe('/messages/a/b?q=%2F');
  });

  it('sets X-Forwarded-* from the socket when the client is not a trusted proxy', async () => {
    await send(base, '/messages', {
      headers: [
        'X-API-Key',
        PRIMARY,
        'X-Forwarded-For',
        '203.0.113.7',
        'X-Forwarded-Host',
        'evil.example',
        'X-Forwarded-Proto',
        'https',
      ],
    });
    const up = messages.requests[0]?.headers ?? {};
    expect(up['x-forwarded-for']).toBe('127.0.0.1');
    expect(up['x-forwarded-proto']).toBe('http');
    expect(up['x-forwarded-host']).toBe(new URL(base).host);
    expect(verifier.calls[0]?.clientIp).toBe('127.0.0.1');
  });

  it('relays HEAD without a body', async () => {
    const res = await send(base, '/messages/h', {
      method: 'HEAD',
      headers: ['X-API-Key', PRIMARY],
    });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(messages.requests[0]?.method).toBe('HEAD');
  });

  it('emits one usage event per request, after the response, without the secret', async () => {
    const res = await send(base, '/messages/1', {
      headers: ['X-API-Key', SECONDARY, 'User-Agent', 'probe/1'],
    });
    expect(res.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(usage.events()).toHaveLength(1);
    const event = usage.events()[0];
    expect(event).toMatchObject({
      keyId: 'key_a',
      institutionId: 'ins_a',
      slot: 'secondary',
      route: '/messages',
      status: 200,
      clientIp: '127.0.0.1',
      userAgent: 'probe/1',
      outcome: 'OK',
    });
    expect(event?.at).toBeInstanceOf(Date);
    expect(event?.latencyMs).toBeGreaterThan(0);
    expect(JSON.stringify(usage.events())).not.toContain(SECONDARY);
  });
});
