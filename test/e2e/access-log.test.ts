import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret-format.js';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * Issue 4 (logs): one access-log line per gateway request, with its request id, key, slot,
 * route, outcome, status, latency and client address — and a canary secret, sent in the
 * (custom) secret header, the query key, Authorization and cookies to both ports, in no line.
 */

type Line = Record<string, unknown>;

let upstream: TestUpstream;
let kw: TestKeyward;
let world: World;
let canary: { keyId: string; secret: string };

function parsed(logs: readonly string[]): Line[] {
  return logs.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line),
  );
}

function accessLines(logs: readonly string[]): Line[] {
  return parsed(logs).filter((l) => l.component === 'access');
}

/** Access lines are written in batches (at least every 100 ms): waits for `count` of them. */
async function waitForAccessLines(logs: () => readonly string[], count: number): Promise<Line[]> {
  for (let i = 0; i < 100 && accessLines(logs()).length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return accessLines(logs());
}

beforeAll(async () => {
  upstream = await startUpstream();
  kw = await startTestKeyward({
    config: {
      gateway: {
        header: 'X-Partner-Key',
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
  }>('POST', `/institutions/${world.insA}/keys`, { name: 'access-log canary' });
  expect(created.status, created.text).toBe(201);
  canary = { keyId: created.body.key.id, secret: created.body.secrets.primary };
});
afterAll(async () => {
  await kw?.stop();
  await upstream?.close();
});

describe('the gateway access log', () => {
  it('writes one line per request with its fields, and never the secret', async () => {
    const gw = kw.gatewayUrl;
    const secret = canary.secret;
    const from = kw.logs.length;
    const requests: [string, RequestInit, number][] = [
      [`${gw}/messages/a`, { headers: { 'x-partner-key': secret } }, 200],
      [`${gw}/legacy/b?subscription-key=${secret}`, {}, 200],
      [
        `${gw}/messages/c`,
        {
          headers: {
            'x-partner-key': secret,
            authorization: `Bearer ${secret}`,
            cookie: `session=${secret}`,
          },
        },
        200,
      ],
      [`${gw}/legacy/d?subscription-key=${secret}`, { headers: { 'x-partner-key': secret } }, 401],
      [`${gw}/messages/e`, { headers: { 'x-partner-key': generateSecret('kw_live') } }, 401],
      [`${gw}/messages/f`, { headers: { authorization: `Bearer ${secret}` } }, 401],
      [`${gw}/nowhere?subscription-key=${secret}`, {}, 404],
    ];
    const requestIds: string[] = [];
    for (const [url, init, status] of requests) {
      const res = await fetch(url, init);
      expect(res.status, url).toBe(status);
      requestIds.push(res.headers.get('x-request-id') ?? '');
    }

    const lines = await waitForAccessLines(() => kw.logs.slice(from), requests.length);
    expect(lines.map((l) => l.requestId)).toEqual(requestIds);
    expect(lines.map((l) => [l.outcome, l.status])).toEqual([
      ['OK', 200],
      ['OK', 200],
      ['OK', 200],
      ['DUPLICATE', 401],
      ['NOT_FOUND', 401],
      ['MISSING', 401],
      ['NO_ROUTE', 404],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 30, msg: 'gateway request', clientIp: '127.0.0.1' });
      expect(typeof line.latencyMs).toBe('number');
      expect(Object.keys(line).sort()).toEqual(
        [
          'level',
          'time',
          'pid',
          'hostname',
          'component',
          'msg',
          'requestId',
          'keyId',
          'slot',
          'route',
          'outcome',
          'status',
          'latencyMs',
          'clientIp',
        ].sort(),
      );
    }
    expect(lines[0]).toMatchObject({ keyId: canary.keyId, slot: 'primary', route: '/messages' });
    expect(lines[1]).toMatchObject({ keyId: canary.keyId, slot: 'primary', route: '/legacy' });
    expect(lines[6]).toMatchObject({ keyId: null, slot: null, route: null });

    // The same canary against the admin API: as a bearer, a cookie, in queries and in a path.
    const anon = new ApiClient(kw.url);
    const attempts = await Promise.all([
      ApiClient.withBearer(kw.url, secret).request('GET', '/institutions'),
      anon.request('GET', '/institutions', undefined, { cookie: `keyward_session=${secret}` }),
      anon.request('GET', `/institutions?subscription-key=${secret}&token=${secret}`),
      world.adminA.request('GET', `/keys/${secret}`, undefined, { 'x-partner-key': secret }),
    ]);
    for (const res of attempts) expect(res.status).toBeGreaterThanOrEqual(400);

    expect(kw.logs.length).toBeGreaterThan(from + requests.length);
    const body = secret.slice(secret.lastIndexOf('_') + 1);
    for (const needle of [secret, body]) {
      expect(kw.logs.filter((l) => l.includes(needle))).toEqual([]);
    }
  });
});

describe('gateway.accessLog: false', () => {
  let quiet: TestKeyward;

  beforeAll(async () => {
    quiet = await startTestKeyward({
      config: { gateway: { accessLog: false, routes: [{ path: '/m', upstream: upstream.url }] } },
    });
  });
  afterAll(async () => quiet?.stop());

  it('writes no access line', async () => {
    expect((await fetch(`${quiet.gatewayUrl}/m/x`)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(accessLines(quiet.logs)).toEqual([]);
  });
});
