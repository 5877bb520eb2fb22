import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryUsageSink } from '../../src/adapters/memory/memory-usage-sink.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway-server.js';
import type { VerifyResult } from '../../src/services/verifier-types.js';
import {
  type StubEntry,
  StubVerifier,
  send,
  sendRaw,
  startUpstream,
  type TestResponse,
  type TestUpstream,
  testKey,
  valid,
} from './gateway-fixtures.js';

/**
 * Every refusal: status, code, WWW-Authenticate, problem+json shape, and the upstream never
 * called. The verifier is a stub (see gateway-fixtures.ts); the real one is tested in services
 * and wired by main.
 */

const GOOD = 'kw_live_good00000000000000000000000000';
const LIMITED_OK = 'kw_live_limitedok000000000000000000000';

function refused(code: Extract<VerifyResult, { valid: false }>['code'], extra = {}): VerifyResult {
  return { valid: false, code, key: testKey('key_r', 'ins_r'), ...extra };
}

const OUTCOMES: Record<string, StubEntry> = {
  kw_live_malformed: { valid: false, code: 'MALFORMED' },
  kw_live_unknown: { valid: false, code: 'NOT_FOUND' },
  kw_live_retired: {
    valid: false,
    code: 'RETIRED',
    retired: {
      digest: 'cd'.repeat(32),
      digestVersion: 1,
      keyId: 'key_old',
      institutionId: 'ins_old',
      slot: 'primary',
      hint: 'kw_live_…tird',
      retiredAt: new Date(),
      retiredBy: 'usr_x',
      reason: 'regenerated',
      graceUntil: null,
    },
  },
  kw_live_suspended: refused('SUSPENDED'),
  kw_live_cancelled: refused('CANCELLED'),
  kw_live_expired: refused('EXPIRED'),
  kw_live_scope: refused('FORBIDDEN_SCOPE'),
  kw_live_ip: refused('IP_NOT_ALLOWED'),
  kw_live_limited: refused('RATE_LIMITED', {
    retryAfterSeconds: 6.2,
    rateLimit: { limit: 10, remaining: 0, resetSeconds: 6.2 },
  }),
  kw_live_storedown: 'THROW',
  [GOOD]: valid('key_g', 'primary'),
  [LIMITED_OK]: {
    ...(valid('key_g', 'primary') as Extract<VerifyResult, { valid: true }>),
    rateLimit: { limit: 100, remaining: 41, resetSeconds: 30 },
  },
};

let upstream: TestUpstream;
let gateway: Gateway;
let base: string;
const usage = new MemoryUsageSink();
const verifier = new StubVerifier(OUTCOMES);

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = createGateway({
    routes: [
      { path: '/messages', upstream: upstream.origin, scope: 'messages' },
      { path: '/legacy', upstream: upstream.origin, allowQueryKey: true },
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
  await upstream.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
  usage.clear();
  verifier.calls.length = 0;
});

function expectProblem(res: TestResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.json();
  expect(body).toEqual({
    type: `urn:keyward:problem:${code}`,
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
    requestId: res.headers['x-request-id'],
  });
  expect(body.requestId).toMatch(/^req_[0-9A-Za-z]{22}$/);
}

const LONG = `kw_live_${'a'.repeat(300)}`;

/** Bad shapes: refused before the verifier (no hashing) and before the upstream. */
const EXTRACTION_CASES: readonly {
  name: string;
  path?: string;
  headers: string[];
  code: 'MISSING' | 'DUPLICATE' | 'INVALID';
}[] = [
  { name: 'no secret', headers: [], code: 'MISSING' },
  { name: 'empty header', headers: ['X-API-Key', ''], code: 'MISSING' },
  { name: 'whitespace-only header', headers: ['X-API-Key', '   '], code: 'MISSING' },
  { name: 'two header lines', headers: ['X-API-Key', GOOD, 'x-api-key', GOOD], code: 'DUPLICATE' },
  {
    name: 'two header lines, second one wrong',
    headers: ['X-API-Key', GOOD, 'X-API-Key', 'kw_live_unknown'],
    code: 'DUPLICATE',
  },
  { name: 'comma-joined value', headers: ['X-API-Key', `${GOOD}, ${GOOD}`], code: 'DUPLICATE' },
  { name: 'oversized value', headers: ['X-API-Key', LONG], code: 'INVALID' },
  { name: 'internal space', headers: ['X-API-Key', 'kw_live_a b'], code: 'INVALID' },
  { name: 'internal tab', headers: ['X-API-Key', 'kw_live_a\tb'], code: 'INVALID' },
  {
    name: 'query parameter where the route does not allow it',
    path: `/messages?subscription-key=${GOOD}`,
    headers: [],
    code: 'MISSING',
  },
  {
    name: 'wrong header, right query parameter',
    path: `/legacy?subscription-key=${GOOD}`,
    headers: ['X-API-Key', 'kw_live_unknown'],
    code: 'DUPLICATE',
  },
  {
    name: 'right header, wrong query parameter',
    path: '/legacy?subscription-key=kw_live_unknown',
    headers: ['X-API-Key', GOOD],
    code: 'DUPLICATE',
  },
  {
    name: 'query parameter twice',
    path: `/legacy?subscription-key=${GOOD}&subscription-key=${GOOD}`,
    headers: [],
    code: 'DUPLICATE',
  },
  {
    name: 'empty query parameter',
    path: '/legacy?subscription-key=',
    headers: [],
    code: 'MISSING',
  },
  {
    name: 'control character in the query parameter',
    path: '/legacy?subscription-key=kw_live_%01x',
    headers: [],
    code: 'INVALID',
  },
];

describe('bad secrets are refused before verification', () => {
  it.each(EXTRACTION_CASES)('$name → 401 $code', async ({ path, headers, code }) => {
    const res = await send(base, path ?? '/messages/1', { headers });
    expectProblem(res, 401, code);
    expect(res.headers['www-authenticate']).toMatch(/^ApiKey realm="keyward", header="X-API-Key"/);
    expect(res.text).not.toContain(GOOD);
    expect(verifier.calls).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
    expect(usage.events().map((e) => [e.status, e.outcome])).toEqual([[401, code]]);
  });

  it('names the query parameter in WWW-Authenticate where the route accepts it', async () => {
    const res = await send(base, '/legacy');
    expect(res.headers['www-authenticate']).toBe(
      'ApiKey realm="keyward", header="X-API-Key", query="subscription-key"',
    );
  });

  it('refuses non-ASCII bytes in the header as INVALID', async () => {
    const res = await sendRaw(
      base,
      'GET /messages HTTP/1.1\r\nHost: gw\r\nX-API-Key: kw_live_\u00ffx\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toBe(401);
    expect(res.text).toContain('"code":"INVALID"');
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers problem+json 400 when a control character breaks the HTTP request', async () => {
    const res = await sendRaw(
      base,
      'GET /messages HTTP/1.1\r\nHost: gw\r\nX-API-Key: kw_live_\u0001x\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('application/problem+json');
    expect(res.text).toContain('"code":"INVALID_REQUEST"');
    expect(res.text).not.toContain('kw_live');
    expect(upstream.requests).toHaveLength(0);
    expect(verifier.calls).toHaveLength(0);
  });
});

describe('verifier outcomes', () => {
  it.each([
    ['kw_live_malformed', 401, 'INVALID', 'MALFORMED'],
    ['kw_live_unknown', 401, 'INVALID', 'NOT_FOUND'],
    ['kw_live_retired', 401, 'INVALID', 'RETIRED'],
    ['kw_live_suspended', 401, 'INACTIVE', 'SUSPENDED'],
    ['kw_live_cancelled', 401, 'INACTIVE', 'CANCELLED'],
    ['kw_live_expired', 401, 'INACTIVE', 'EXPIRED'],
    ['kw_live_scope', 403, 'FORBIDDEN', 'FORBIDDEN_SCOPE'],
    ['kw_live_ip', 403, 'FORBIDDEN', 'IP_NOT_ALLOWED'],
    ['kw_live_limited', 429, 'RATE_LIMITED', 'RATE_LIMITED'],
    ['kw_live_storedown', 503, 'UNAVAILABLE', 'UNAVAILABLE'],
  ])('%s → %i %s', async (secret, status, code, outcome) => {
    const res = await send(base, '/messages/1', { headers: ['X-API-Key', secret] });
    expectProblem(res, status, code);
    if (status === 401) expect(res.headers['www-authenticate']).toContain('header="X-API-Key"');
    else expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.text).not.toContain(secret);
    expect(upstream.requests).toHaveLength(0);
    expect(verifier.calls).toEqual([{ secret, scope: 'messages', clientIp: '127.0.0.1' }]);
    expect(usage.events()).toHaveLength(1);
    expect(usage.events()[0]).toMatchObject({ status, outcome, route: '/messages' });
    expect(JSON.stringify(usage.events())).not.toContain(secret);
  });

  it('sends Retry-After and RateLimit-* with a 429', async () => {
    const res = await send(base, '/messages', { headers: ['X-API-Key', 'kw_live_limited'] });
    expect(res.headers['retry-after']).toBe('7');
    expect(res.headers['ratelimit-limit']).toBe('10');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(res.headers['ratelimit-reset']).toBe('7');
  });

  it('attributes refusals to the key (or retired slot) they concern', async () => {
    await send(base, '/messages', { headers: ['X-API-Key', 'kw_live_suspended'] });
    await send(base, '/messages', { headers: ['X-API-Key', 'kw_live_retired'] });
    expect(usage.events().map((e) => [e.keyId, e.institutionId, e.slot])).toEqual([
      ['key_r', 'ins_r', null],
      ['key_old', 'ins_old', 'primary'],
    ]);
  });

  it('adds RateLimit-* to forwarded responses when the key has a limit', async () => {
    const res = await send(base, '/messages', { headers: ['X-API-Key', LIMITED_OK] });
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBe('100');
    expect(res.headers['ratelimit-remaining']).toBe('41');
    expect(res.headers['ratelimit-reset']).toBe('30');
    const plain = await send(base, '/messages', { headers: ['X-API-Key', GOOD] });
    expect(plain.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('requests no route takes', () => {
  it('answers 404 NOT_FOUND without verifying anything', async () => {
    const res = await send(base, '/messagesX', { headers: ['X-API-Key', GOOD] });
    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(verifier.calls).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
    expect(usage.events()).toMatchObject([{ route: null, status: 404, outcome: 'NO_ROUTE' }]);
  });

  it.each(['/messages/../admin', '/messages/%2e%2e/admin', '/messages\\x'])(
    'refuses %s with 400 before verifying',
    async (path) => {
      const res = await send(base, path, { headers: ['X-API-Key', GOOD] });
      expectProblem(res, 400, 'INVALID_REQUEST');
      expect(verifier.calls).toHaveLength(0);
      expect(upstream.requests).toHaveLength(0);
    },
  );
});
