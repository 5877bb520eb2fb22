import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret-format.js';
import type { Clock } from '../../src/ports/clock.js';
import { ApiClient, startTestKeyward, type TestKeyward, testStores } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/** The gateway end to end: real admin API, real store, real upstream, real HTTP on loopback. */

type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };

describe.each(testStores())('gateway on %s', (store) => {
  let upstream: TestUpstream;
  let kw: TestKeyward;
  let w: World;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    upstream = await startUpstream();
    kw = await startTestKeyward({
      store,
      clock,
      config: {
        gateway: {
          trustedProxies: ['127.0.0.1/32'],
          maxFailuresPerIp: 10,
          routes: [
            { path: '/messages', upstream: upstream.url, scope: 'messages' },
            { path: '/open', upstream: upstream.url },
          ],
        },
      },
    });
    w = await buildWorld(kw);
  });
  afterAll(async () => {
    await kw?.stop();
    await upstream?.close();
  });

  async function newKey(body: Record<string, unknown>): Promise<Created> {
    const res = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, {
      name: 'gw',
      ...body,
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  function call(path: string, secret: string | null, headers: Record<string, string> = {}) {
    return fetch(`${kw.gatewayUrl}${path}`, {
      headers: { ...(secret !== null && { 'x-api-key': secret }), ...headers },
    });
  }

  async function expectRefused(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { code: string }).code).toBe(code);
  }

  it('forwards both slots with identity headers and never the secret', async () => {
    const key = await newKey({ scopes: ['messages'] });
    for (const slot of ['primary', 'secondary'] as const) {
      const before = upstream.requests.length;
      const res = await call('/messages/hello?x=1', key.secrets[slot], {
        'x-keyward-institution': 'ins_forged',
        'x-keyward-slot': 'forged',
      });
      expect(res.status).toBe(200);
      expect(upstream.requests.length).toBe(before + 1);
      const seen = upstream.requests.at(-1);
      expect(seen?.url).toBe('/messages/hello?x=1');
      expect(seen?.headers['x-keyward-institution']).toBe(w.insA);
      expect(seen?.headers['x-keyward-key']).toBe(key.key.id);
      expect(seen?.headers['x-keyward-slot']).toBe(slot);
      expect(seen?.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(seen)).not.toContain(key.secrets[slot]);
    }
  });

  it('rejects the old primary on the very next request after regenerate; the secondary keeps working', async () => {
    const key = await newKey({ scopes: ['messages'] });
    expect((await call('/messages', key.secrets.primary)).status).toBe(200); // now cached
    const regen = await w.adminA.request<{ secret: string }>(
      'POST',
      `/keys/${key.key.id}/regenerate`,
      // Forced: the primary was just used (a usage flush in between would make it SLOT_IN_USE).
      { slot: 'primary', force: true },
    );
    expect(regen.status).toBe(200);
    const before = upstream.requests.length;
    const old = await call('/messages', key.secrets.primary);
    await expectRefused(old, 401, 'INVALID');
    expect(old.headers.get('www-authenticate')).toBeTruthy();
    expect(upstream.requests.length).toBe(before);
    expect((await call('/messages', key.secrets.secondary)).status).toBe(200);
    expect((await call('/messages', regen.body.secret)).status).toBe(200);
  });

  it('suspend → 401 INACTIVE at once; activate → forwarded again', async () => {
    const key = await newKey({ scopes: ['messages'] });
    expect((await call('/messages', key.secrets.primary)).status).toBe(200);
    await w.adminA.request('PATCH', `/keys/${key.key.id}`, { state: 'suspended' });
    await expectRefused(await call('/messages', key.secrets.primary), 401, 'INACTIVE');
    await w.adminA.request('PATCH', `/keys/${key.key.id}`, { state: 'active' });
    expect((await call('/messages', key.secrets.primary)).status).toBe(200);
  });

  it('an expired key is refused (injected clock)', async () => {
    const key = await newKey({
      scopes: ['messages'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await call('/messages', key.secrets.secondary)).status).toBe(200);
    offsetMs = 2 * 3_600_000;
    try {
      await expectRefused(await call('/messages', key.secrets.secondary), 401, 'INACTIVE');
    } finally {
      offsetMs = 0;
    }
  });

  it('shows which slot each client uses: last use per slot in key metadata, and the clients of each slot', async () => {
    const key = await newKey({});
    const before = Date.now() + offsetMs;
    const billing = async () =>
      (
        await call('/open', key.secrets.primary, {
          'x-forwarded-for': '10.1.1.1',
          'user-agent': 'billing-batch/3.2',
        })
      ).status;
    expect(await billing()).toBe(200);
    expect(
      (await call('/open', key.secrets.secondary, { 'x-forwarded-for': '2001:db8::1' })).status,
    ).toBe(200);
    await kw.running.flushUsage();
    const res = await w.adminA.request<{
      slots: Record<
        string,
        { lastUsedAt: string | null; lastUsedFrom: string | null; lastUserAgent: string | null }
      >;
    }>('GET', `/keys/${key.key.id}`);
    expect(res.status).toBe(200);
    const { primary, secondary } = res.body.slots;
    expect(primary?.lastUsedFrom).toBe('10.1.1.1');
    expect(primary?.lastUserAgent).toBe('billing-batch/3.2');
    expect(secondary?.lastUsedFrom).toBe('2001:db8::1');
    for (const slot of [primary, secondary]) {
      expect(Date.parse(slot?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1_000);
    }
    // The clients listing: who sends which slot, how often.
    expect(await billing()).toBe(200);
    await kw.running.flushUsage();
    const clients = await w.adminA.request<{
      slots: Record<string, { address: string; userAgent: string | null; requests: number }[]>;
    }>('GET', `/keys/${key.key.id}/clients`);
    expect(clients.status, clients.text).toBe(200);
    expect(clients.body.slots.primary).toMatchObject([
      { address: '10.1.1.1', userAgent: 'billing-batch/3.2', requests: 2 },
    ]);
    expect(clients.body.slots.secondary).toMatchObject([{ address: '2001:db8::1', requests: 1 }]);
    // Tenancy like every key route: another institution's admin sees nothing.
    expect((await w.adminB.request('GET', `/keys/${key.key.id}/clients`)).status).toBe(404);
  });

  it('lists the keys unused for a while (?unusedFor), by the last use the gateway recorded', async () => {
    const HOUR = 3_600_000;
    const used = await newKey({});
    const idle = await newKey({});
    const unused = async (duration: string) => {
      const res = await w.adminA.request<{ keys: { id: string }[] }>(
        'GET',
        `/institutions/${w.insA}/keys?unusedFor=${duration}`,
      );
      expect(res.status, res.text).toBe(200);
      return res.body.keys.map((k) => k.id).filter((id) => [used.key.id, idle.key.id].includes(id));
    };
    try {
      expect(await unused('1h')).toEqual([]); // both created just now
      offsetMs = 2 * HOUR;
      expect((await call('/open', used.secrets.secondary)).status).toBe(200);
      await kw.running.flushUsage();
      expect(await unused('1h')).toEqual([idle.key.id]);
      offsetMs = 4 * HOUR;
      expect(await unused('1h')).toEqual([used.key.id, idle.key.id]);
      expect(await unused('3h')).toEqual([idle.key.id]);
    } finally {
      offsetMs = 0;
    }
    const bad = await w.adminA.request('GET', `/institutions/${w.insA}/keys?unusedFor=30x`);
    expect(bad.status).toBe(400);
  });

  it('a route scope the key lacks → 403; a route without scope forwards', async () => {
    const key = await newKey({ scopes: ['profiles'] });
    await expectRefused(await call('/messages', key.secrets.primary), 403, 'FORBIDDEN');
    expect((await call('/open/x', key.secrets.primary)).status).toBe(200);
  });

  it('enforces allowed CIDRs, IPv4 and IPv6 (client address from a trusted proxy)', async () => {
    const v4 = await newKey({ allowedCidrs: ['10.0.0.0/8'] });
    await expectRefused(await call('/open', v4.secrets.primary), 403, 'FORBIDDEN');
    expect(
      (await call('/open', v4.secrets.primary, { 'x-forwarded-for': '10.1.2.3' })).status,
    ).toBe(200);
    const v6 = await newKey({ allowedCidrs: ['2001:db8::/32'] });
    expect(
      (await call('/open', v6.secrets.primary, { 'x-forwarded-for': '2001:db8::5' })).status,
    ).toBe(200);
    await expectRefused(
      await call('/open', v6.secrets.primary, { 'x-forwarded-for': '2001:db9::5' }),
      403,
      'FORBIDDEN',
    );
  });

  it('a flood of random well-formed secrets from one IP gets 429; a valid secret from another IP still passes', async () => {
    const key = await newKey({});
    const statuses: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const res = await call('/open', generateSecret('kw_live'), {
        'x-forwarded-for': '198.51.100.1',
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const blocked = await call('/open', key.secrets.primary, { 'x-forwarded-for': '198.51.100.1' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      (await call('/open', key.secrets.primary, { 'x-forwarded-for': '198.51.100.2' })).status,
    ).toBe(200);
  });

  it('per-key and per-institution rate limits, set through the admin API, apply at once', async () => {
    const own = await newKey({ rateLimit: { limit: 2, windowSeconds: 3600 } });
    for (const expected of ['1', '0']) {
      const res = await call('/open', own.secrets.primary);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('2');
      expect(res.headers.get('ratelimit-remaining')).toBe(expected);
    }
    const before = upstream.requests.length;
    const limited = await call('/open', own.secrets.secondary); // one quota for both slots
    await expectRefused(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(upstream.requests.length).toBe(before);

    // Institution B: an aggregate over all its keys and a default for keys without their own.
    const b1 = await w.adminB.request<Created>('POST', `/institutions/${w.insB}/keys`, {
      name: 'b1',
    });
    const b2 = await w.adminB.request<Created>('POST', `/institutions/${w.insB}/keys`, {
      name: 'b2',
    });
    expect(
      (await call('/open', b1.body.secrets.primary)).headers.get('ratelimit-limit'),
    ).toBeNull();
    const patched = await w.adminB.request('PATCH', `/institutions/${w.insB}`, {
      settings: {
        rateLimit: { limit: 3, windowSeconds: 3600 },
        defaultRateLimit: { limit: 2, windowSeconds: 3600 },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ settings: { rateLimit: { limit: 3 } } });
    const statuses: number[] = [];
    for (const secret of [
      b1.body.secrets.primary,
      b1.body.secrets.primary,
      b1.body.secrets.primary,
    ]) {
      statuses.push((await call('/open', secret)).status);
    }
    expect(statuses).toEqual([200, 200, 429]); // the key's default: 2
    expect((await call('/open', b2.body.secrets.primary)).status).toBe(200); // institution: 3rd
    await expectRefused(await call('/open', b2.body.secrets.secondary), 429, 'RATE_LIMITED');
    const lifted = await w.adminB.request('PATCH', `/institutions/${w.insB}`, {
      settings: { rateLimit: null, defaultRateLimit: null },
    });
    expect(lifted.status).toBe(200);
    expect((await call('/open', b2.body.secrets.secondary)).status).toBe(200);
  });

  it('a manage key is for the admin API: the gateway refuses it with 403, never forwards', async () => {
    const manage = await newKey({ kind: 'manage' });
    const before = upstream.requests.length;
    await expectRefused(await call('/open', manage.secrets.primary), 403, 'FORBIDDEN');
    expect(upstream.requests.length).toBe(before);
  });

  it('store unreachable → 503 for an uncached secret, never forwarded', async () => {
    const key = await newKey({});
    expect((await call('/open', key.secrets.primary)).status).toBe(200); // cached answer
    expect((await call('/.well-known/keyward/health', null)).status).toBe(200);
    await kw.running.store.close();
    // Load balancers see the node cannot verify new secrets.
    await expectRefused(await call('/.well-known/keyward/health', null), 503, 'UNAVAILABLE');
    // A secret verified a moment ago is a safe cached answer: it keeps working.
    expect((await call('/open', key.secrets.primary)).status).toBe(200);
    const before = upstream.requests.length;
    await expectRefused(await call('/open', generateSecret('kw_live')), 503, 'UNAVAILABLE');
    await expectRefused(await call('/open', key.secrets.secondary), 503, 'UNAVAILABLE');
    expect(upstream.requests.length).toBe(before);
  });
});

describe('a platform operator can reach the verify API only with a verifier token', () => {
  let kw: TestKeyward;
  beforeAll(async () => {
    kw = await startTestKeyward({ env: { KEYWARD_VERIFIER_TOKENS: 'verifier-token-for-tests' } });
  });
  afterAll(async () => kw?.stop());

  it('answers the decision for a valid secret and refuses other credentials', async () => {
    const w = await buildWorld(kw);
    const verifier = ApiClient.withBearer(kw.url, 'verifier-token-for-tests');
    const ok = await verifier.request('POST', '/verify', { secret: w.keyA.secondary });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      valid: true,
      code: 'VALID',
      keyId: w.keyA.id,
      institutionId: w.insA,
      slot: 'secondary',
    });
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const bad = await verifier.request('POST', '/verify', { secret: generateSecret('kw_live') });
    expect(bad.body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect((await w.adminA.request('POST', '/verify', { secret: w.keyA.primary })).status).toBe(
      401,
    );
    expect((await w.manageA.request('POST', '/verify', { secret: w.keyA.primary })).status).toBe(
      401,
    );
  });
});
