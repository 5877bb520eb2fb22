import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  compileRequestHeaderRules,
  downstreamResponseHeaders,
  upstreamRequestHeaders,
} from './forwarder.js';

const rules = compileRequestHeaderRules('x-api-key', [
  'x-keyward-institution',
  'x-keyward-key',
  'x-keyward-slot',
]);

const IDENTITY = [
  'x-keyward-institution',
  'ins_1',
  'x-keyward-key',
  'key_1',
  'x-keyward-slot',
  'primary',
];

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

describe('upstreamRequestHeaders', () => {
  const client: IncomingHttpHeaders = {
    host: 'gw.example',
    'x-api-key': 'kw_live_secret',
    connection: 'keep-alive, X-Drop-Me',
    'keep-alive': 'timeout=5',
    'x-drop-me': '1',
    te: 'trailers',
    trailer: 'x-t',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    'proxy-authorization': 'Basic x',
    proxy: 'http://evil',
    expect: '100-continue',
    'x-keyward-key': 'key_forged',
    'x-keyward-institution': 'ins_forged',
    'x-request-id': 'client-id',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'public.example',
    forwarded: 'for=203.0.113.7',
    accept: 'application/json',
    'set-cookie': ['a=1', 'b=2'],
  };

  it('drops hop-by-hop, secret and forged identity headers; adds ours (untrusted peer)', () => {
    const out = pairs(
      upstreamRequestHeaders(client, rules, {
        peer: '198.51.100.2',
        trustedPeer: false,
        identity: IDENTITY,
        requestId: 'req_1',
      }),
    );
    expect(out).toEqual([
      ['accept', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-forwarded-for', '198.51.100.2'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-host', 'gw.example'],
      ['x-keyward-institution', 'ins_1'],
      ['x-keyward-key', 'key_1'],
      ['x-keyward-slot', 'primary'],
      ['x-request-id', 'req_1'],
    ]);
  });

  it('extends X-Forwarded-* from a trusted proxy and keeps Forwarded', () => {
    const out = pairs(
      upstreamRequestHeaders(client, rules, {
        peer: '127.0.0.1',
        trustedPeer: true,
        identity: IDENTITY,
        requestId: 'req_1',
      }),
    );
    expect(out).toContainEqual(['x-forwarded-for', '203.0.113.7, 127.0.0.1']);
    expect(out).toContainEqual(['x-forwarded-proto', 'https']);
    expect(out).toContainEqual(['x-forwarded-host', 'public.example']);
    expect(out).toContainEqual(['forwarded', 'for=203.0.113.7']);
  });
});

describe('downstreamResponseHeaders', () => {
  it('drops hop-by-hop headers and those named in Connection', () => {
    const out = downstreamResponseHeaders({
      connection: 'close, X-Internal',
      'x-internal': 'secret-ish',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'proxy-authenticate': 'Basic',
      trailer: 'x-t',
      upgrade: 'h2c',
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(out).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});
