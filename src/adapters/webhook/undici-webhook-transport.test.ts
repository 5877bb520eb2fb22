import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AddressPolicy, outboundAddressPolicy } from '../../core/outbound-address.js';
import { describeFailure, UndiciWebhookTransport } from './undici-webhook-transport.js';

let server: Server | null = null;
const transports: UndiciWebhookTransport[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
}

function transport(timeoutMs: number, allowAddress?: AddressPolicy): UndiciWebhookTransport {
  const t = new UndiciWebhookTransport({
    userAgent: 'Keyward-Webhooks/test',
    timeoutMs,
    ...(allowAddress && { allowAddress }),
  });
  transports.push(t);
  return t;
}

describe('UndiciWebhookTransport', () => {
  it('posts the body and headers and reports the status, not the body', async () => {
    let seen: { method?: string; ua?: string; sig?: string; body: string } = { body: '' };
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += String(c);
      });
      req.on('end', () => {
        seen = {
          method: req.method,
          ua: req.headers['user-agent'],
          sig: String(req.headers['x-keyward-signature']),
          body,
        };
        res.writeHead(202).end('x'.repeat(200_000));
      });
    });
    const result = await transport(2_000).post({
      url,
      headers: { 'content-type': 'application/json', 'x-keyward-signature': 'v1=00' },
      body: '{"a":1}',
    });
    expect(result).toEqual({ kind: 'response', status: 202 });
    expect(seen).toEqual({
      method: 'POST',
      ua: 'Keyward-Webhooks/test',
      sig: 'v1=00',
      body: '{"a":1}',
    });
  });

  it('gives up after its deadline with a short reason that names no URL', async () => {
    const url = await listen(() => {
      // never answers
    });
    const result = await transport(150).post({ url, headers: {}, body: '{}' });
    expect(result).toEqual({ kind: 'error', error: 'timed out after 150 ms' });
  });

  it('reports a refused connection', async () => {
    const url = await listen(() => {});
    server?.close();
    await new Promise((r) => setTimeout(r, 20));
    const result = await transport(1_000).post({ url, headers: {}, body: '{}' });
    expect(result).toEqual({ kind: 'error', error: 'connection refused' });
  });
});

describe('UndiciWebhookTransport with an address policy', () => {
  it('never connects to a refused address, written in the URL or resolved from a name', async () => {
    let hits = 0;
    const url = new URL(
      await listen((_req, res) => {
        hits++;
        res.writeHead(204).end();
      }),
    );
    const guarded = transport(2_000, outboundAddressPolicy([]));
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const target = `http://${host}:${url.port}/hook`;
      expect(await guarded.post({ url: target, headers: {}, body: '{}' }), host).toEqual({
        kind: 'error',
        error: 'address not allowed',
      });
    }
    expect(hits).toBe(0);
    // A platform operator allowed loopback: the same names now reach the receiver.
    const allowed = transport(2_000, outboundAddressPolicy(['127.0.0.0/8', '::1/128']));
    for (const host of ['127.0.0.1', 'localhost']) {
      const target = `http://${host}:${url.port}/hook`;
      expect(await allowed.post({ url: target, headers: {}, body: '{}' }), host).toEqual({
        kind: 'response',
        status: 204,
      });
    }
    expect(hits).toBe(2);
  });
});

describe('describeFailure', () => {
  it('maps error codes (also nested as causes) to fixed phrases, never a message', () => {
    const nested = Object.assign(new Error('fetch failed https://h/secret-path'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND h'), { code: 'ENOTFOUND' }),
    });
    expect(describeFailure(nested, 10_000)).toBe('host not found');
    expect(describeFailure({ name: 'TimeoutError' }, 10_000)).toBe('timed out after 10 s');
    expect(describeFailure({ code: 'CERT_HAS_EXPIRED' }, 10_000)).toBe(
      'TLS certificate not accepted',
    );
    expect(describeFailure({ code: 'UND_ERR_WHATEVER' }, 10_000)).toBe(
      'request failed (UND_ERR_WHATEVER)',
    );
    expect(describeFailure(new Error('https://h/secret-path'), 10_000)).toBe('request failed');
  });
});
