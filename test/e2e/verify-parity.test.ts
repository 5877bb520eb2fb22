import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret-format.js';
import { createVerifier } from '../../src/index.js';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * Done-means 6: the gateway, `POST /api/v1/verify` and the embedded verifier (another store
 * connection, as another process would open) decide every case of one table the same way.
 */

const TOKEN = 'verifier-token-for-parity';
const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');
/** How the gateway answers each verifier outcome (API.md, Gateway). */
const GATEWAY_ANSWER: Record<string, [number, string | null]> = {
  VALID: [200, null],
  MALFORMED: [401, 'INVALID'],
  NOT_FOUND: [401, 'INVALID'],
  RETIRED: [401, 'INVALID'],
  SUSPENDED: [401, 'INACTIVE'],
  FORBIDDEN_SCOPE: [403, 'FORBIDDEN'],
  IP_NOT_ALLOWED: [403, 'FORBIDDEN'],
};

let upstream: TestUpstream;
let kw: TestKeyward;
let w: World;
let embedded: Awaited<ReturnType<typeof createVerifier>>;
const cases: { name: string; secret: string; expected: string }[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
  kw = await startTestKeyward({
    env: { KEYWARD_VERIFIER_TOKENS: TOKEN },
    config: {
      gateway: { routes: [{ path: '/messages', upstream: upstream.url, scope: 'messages' }] },
    },
  });
  w = await buildWorld(kw);
  const make = async (body: Record<string, unknown>) =>
    (
      await w.adminA.request<{
        key: { id: string };
        secrets: { primary: string; secondary: string };
      }>('POST', `/institutions/${w.insA}/keys`, { name: 'parity', ...body })
    ).body;
  const good = await make({ scopes: ['messages'] });
  const retiredFrom = await make({ scopes: ['messages'] });
  await w.adminA.request('POST', `/keys/${retiredFrom.key.id}/regenerate`, { slot: 'secondary' });
  const suspended = await make({ scopes: ['messages'] });
  await w.adminA.request('PATCH', `/keys/${suspended.key.id}`, { state: 'suspended' });
  const noScope = await make({ scopes: ['other'] });
  const elsewhere = await make({ scopes: ['messages'], allowedCidrs: ['10.0.0.0/8'] });
  // An imported pair (APIM subscription keys: 32 hex) and one of its values retired.
  const legacy = { primary: randomHex(16), secondary: randomHex(16) };
  const imported = await w.adminA.request<{ key: { id: string } }>(
    'POST',
    `/institutions/${w.insA}/keys/import`,
    { name: 'parity import', scopes: ['messages'], ...legacy },
  );
  expect(imported.status, imported.text).toBe(201);
  await w.adminA.request('POST', `/keys/${imported.body.key.id}/regenerate`, { slot: 'secondary' });
  cases.push(
    { name: 'valid primary', secret: good.secrets.primary, expected: 'VALID' },
    { name: 'valid secondary', secret: good.secrets.secondary, expected: 'VALID' },
    {
      name: 'bad checksum',
      secret: `${good.secrets.primary.slice(0, -1)}x`,
      expected: 'MALFORMED',
    },
    { name: 'unknown', secret: generateSecret('kw_live'), expected: 'NOT_FOUND' },
    { name: 'retired', secret: retiredFrom.secrets.secondary, expected: 'RETIRED' },
    { name: 'suspended', secret: suspended.secrets.primary, expected: 'SUSPENDED' },
    { name: 'scope not held', secret: noScope.secrets.primary, expected: 'FORBIDDEN_SCOPE' },
    { name: 'address not allowed', secret: elsewhere.secrets.primary, expected: 'IP_NOT_ALLOWED' },
    { name: 'imported legacy value', secret: legacy.primary, expected: 'VALID' },
    { name: 'retired imported value', secret: legacy.secondary, expected: 'RETIRED' },
    { name: 'unknown legacy-format value', secret: randomHex(16), expected: 'NOT_FOUND' },
    { name: 'legacy near miss', secret: legacy.primary.toUpperCase(), expected: 'MALFORMED' },
  );
  embedded = await createVerifier({ dataDir: kw.dataDir });
});
afterAll(async () => {
  await embedded?.close();
  await kw?.stop();
  await upstream?.close();
});

describe('gateway, verify API and embedded verifier agree', () => {
  it('on every case of the table', async () => {
    const api = ApiClient.withBearer(kw.url, TOKEN);
    for (const c of cases) {
      const viaApi = await api.request<{ code: string }>('POST', '/verify', {
        secret: c.secret,
        scope: 'messages',
        clientIp: '127.0.0.1',
      });
      expect(viaApi.body.code, `${c.name} via API: ${viaApi.status} ${viaApi.text}`).toBe(
        c.expected,
      );
      const viaEmbedded = await embedded.verify({
        secret: c.secret,
        scope: 'messages',
        clientIp: '127.0.0.1',
      });
      expect(
        viaEmbedded.valid ? 'VALID' : viaEmbedded.code,
        `${c.name} embedded: ${JSON.stringify(viaEmbedded)}`,
      ).toBe(c.expected);
      const res = await fetch(`${kw.gatewayUrl}/messages`, { headers: { 'x-api-key': c.secret } });
      const [status, code] = GATEWAY_ANSWER[c.expected] ?? [0, null];
      const body = await res.text();
      expect(res.status, `${c.name} via gateway: ${body}`).toBe(status);
      if (code) expect((JSON.parse(body) as { code: string }).code).toBe(code);
    }
  });
});
