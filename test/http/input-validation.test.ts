import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld, type World } from '../support/world.js';

let kw: TestKeyward;
let w: World;
beforeAll(async () => {
  kw = await startTestKeyward();
  w = await buildWorld(kw);
});
afterAll(async () => kw?.stop());

type Problem = {
  code: string;
  detail: string;
  status: number;
  requestId: string;
  errors?: { path: string }[];
};

async function snapshot() {
  const keys = await w.adminA.request('GET', `/institutions/${w.insA}/keys`);
  const audit = await w.adminA.request<{ events: { seq: number }[] }>(
    'GET',
    `/institutions/${w.insA}/audit?limit=1`,
  );
  return { keys: keys.text, lastSeq: audit.body.events[0]?.seq };
}

describe('bad input gets a clear problem+json error and changes nothing', () => {
  const keysPath = () => `/institutions/${w.insA}/keys`;
  const cases: [
    string,
    () => [string, string, unknown, Record<string, string>?],
    number,
    string,
    RegExp,
  ][] = [
    [
      'malformed JSON',
      () => ['POST', keysPath(), '{"name": "x",'],
      400,
      'INVALID_JSON',
      /not valid JSON/,
    ],
    ['empty JSON body', () => ['POST', keysPath(), ''], 400, 'INVALID_JSON', /empty/],
    [
      'unknown field',
      () => ['POST', keysPath(), { name: 'x', colour: 'red' }],
      400,
      'INVALID_REQUEST',
      /body\/colour is not an allowed field/,
    ],
    ['missing field', () => ['POST', keysPath(), {}], 400, 'INVALID_REQUEST', /body\/name/],
    [
      'wrong type',
      () => ['POST', keysPath(), { name: 42 }],
      400,
      'INVALID_REQUEST',
      /body\/name must be string/,
    ],
    [
      'bad slot',
      () => ['POST', `/keys/${w.keyA.id}/regenerate`, { slot: 'tertiary' }],
      400,
      'INVALID_REQUEST',
      /body\/slot/,
    ],
    [
      'bad key id',
      () => ['GET', '/keys/not-a-key-id', undefined],
      400,
      'INVALID_REQUEST',
      /params\/keyId/,
    ],
    [
      'bad institution id',
      () => ['GET', '/institutions/ins_short/keys', undefined],
      400,
      'INVALID_REQUEST',
      /params\/institutionId/,
    ],
    [
      'invalid IPv4 CIDR',
      () => ['POST', keysPath(), { name: 'x', allowedCidrs: ['10.0.0.0/33'] }],
      422,
      'VALIDATION_FAILED',
      /allowedCidrs\[0\]/,
    ],
    [
      'invalid IPv6 CIDR',
      () => ['POST', keysPath(), { name: 'x', allowedCidrs: ['2001:db8::g/64'] }],
      422,
      'VALIDATION_FAILED',
      /allowedCidrs\[0\]/,
    ],
    [
      'past expiry',
      () => ['POST', keysPath(), { name: 'x', expiresAt: '2001-01-01T00:00:00Z' }],
      422,
      'VALIDATION_FAILED',
      /expiresAt must be in the future/,
    ],
    [
      'not a date',
      () => ['POST', keysPath(), { name: 'x', expiresAt: 'tomorrow' }],
      400,
      'INVALID_REQUEST',
      /body\/expiresAt/,
    ],
    [
      'zero rate limit',
      () => ['POST', keysPath(), { name: 'x', rateLimit: { limit: 0, windowSeconds: 60 } }],
      400,
      'INVALID_REQUEST',
      /rateLimit\/limit/,
    ],
    ['empty patch', () => ['PATCH', `/keys/${w.keyA.id}`, {}], 400, 'INVALID_REQUEST', /body/],
    [
      'oversized body',
      () => ['POST', keysPath(), { name: 'x', scopes: ['a'.repeat(70_000)] }],
      413,
      'PAYLOAD_TOO_LARGE',
      /too large/,
    ],
    [
      'wrong media type',
      () => ['POST', keysPath(), 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }],
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/json/,
    ],
    [
      'bad cursor',
      () => ['GET', `/institutions/${w.insA}/audit?cursor=abc`, undefined],
      400,
      'INVALID_REQUEST',
      /querystring\/cursor/,
    ],
    ['unknown route', () => ['GET', '/nothing-here', undefined], 404, 'NOT_FOUND', /No route GET/],
  ];

  for (const [name, request, status, code, detail] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const before = await snapshot();
      const [method, path, body, headers] = request();
      const res = await w.adminA.request<Problem>(method, path, body, headers);
      expect(res.status, res.text).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe(code);
      expect(res.body.detail).toMatch(detail);
      expect(res.body.requestId).toMatch(/^req_/);
      expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('accepts IPv4 and IPv6 CIDRs and a future expiry, canonicalised', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await w.adminA.request<{ key: { allowedCidrs: string[]; expiresAt: string } }>(
      'POST',
      keysPath(),
      {
        name: 'restricted',
        allowedCidrs: ['192.168.1.77/24', '::ffff:10.0.0.1', '2001:0DB8:0000::/48'],
        expiresAt,
      },
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.key.allowedCidrs).toEqual(['192.168.1.0/24', '10.0.0.1/32', '2001:db8::/48']);
    expect(res.body.key.expiresAt).toBe(expiresAt);
  });
});
