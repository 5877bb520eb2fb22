import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.js';
import { startTestKeyward, type TestKeyward, testStores } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * Issue 5, "Import": an institution moves its Azure API Management subscription keys behind
 * Keyward. Both imported values work through the APIM-profile gateway (header and query key), a
 * legacy-format value Keyward does not hold is refused, the key is flagged imported, and a guided
 * rotation — driven by real traffic — leaves Keyward-format secrets and refuses the old values.
 */

type SlotView = { hint: string; imported: boolean; lastUsedAt: string | null };
type KeyView = { id: string; kind: string; slots: { primary: SlotView; secondary: SlotView } };
type RotationView = { step: string; state: string };

const QUIET_MS = 600_000;
/** An APIM subscription key: 32 lower-case hex characters. */
const apimKey = () => randomBytes(16).toString('hex');

describe.each(testStores())('importing existing keys on %s', (store) => {
  let upstream: TestUpstream;
  let kw: TestKeyward;
  let w: World;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  /** Every value imported here, for the canary check at the end. */
  const imported: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream();
    kw = await startTestKeyward({
      store,
      clock,
      config: {
        gateway: {
          profile: 'apim',
          trustedProxies: ['127.0.0.1/32'],
          routes: [
            { path: '/legacy', upstream: upstream.url, allowQueryKey: true },
            { path: '/api', upstream: upstream.url },
          ],
        },
        usage: { flushIntervalMs: 60_000 },
      },
    });
    w = await buildWorld(kw);
  });
  afterAll(async () => {
    await kw?.stop();
    await upstream?.close();
  });

  async function importPair(body: Record<string, unknown> = {}) {
    const values = { primary: apimKey(), secondary: apimKey() };
    imported.push(values.primary, values.secondary);
    const res = await w.adminA.request<{ key: KeyView }>(
      'POST',
      `/institutions/${w.insA}/keys/import`,
      { name: 'from APIM', ...values, ...body },
    );
    bodies.push(res.text);
    expect(res.status, res.text).toBe(201);
    return { key: res.body.key, ...values };
  }

  /** A request through the gateway the way an APIM client sends it. */
  function call(secret: string, from = '198.51.100.20', path = '/api/work') {
    return fetch(`${kw.gatewayUrl}${path}`, {
      headers: {
        'ocp-apim-subscription-key': secret,
        'x-forwarded-for': from,
        'user-agent': 'apim-client/1.0',
      },
    });
  }

  async function code(res: Response): Promise<string> {
    const text = await res.text();
    bodies.push(text);
    return res.status === 200 ? 'OK' : (JSON.parse(text) as { code: string }).code;
  }

  it('both imported values work through the gateway; the key is flagged imported', async () => {
    const pair = await importPair({ scopes: ['messages'] });
    expect(pair.key.kind).toBe('use');
    for (const slot of ['primary', 'secondary'] as const) {
      expect(pair.key.slots[slot]).toMatchObject({
        imported: true,
        hint: `…${pair[slot].slice(-4)}`,
        lastUsedAt: null,
      });
    }

    const byHeader = await call(pair.primary);
    expect(byHeader.status, await byHeader.clone().text()).toBe(200);
    const seen = upstream.requests.at(-1);
    expect(seen?.headers['x-subscription-id']).toBe(pair.key.id);
    expect(seen?.headers['x-user-id']).toBe(w.insA);
    expect(seen?.headers['ocp-apim-subscription-key']).toBeUndefined();

    const byQuery = await fetch(`${kw.gatewayUrl}/legacy/b?subscription-key=${pair.secondary}&q=1`);
    expect(byQuery.status).toBe(200);
    expect(upstream.requests.at(-1)?.url).toBe('/legacy/b?q=1');
    expect(upstream.requests.at(-1)?.headers['x-subscription-id']).toBe(pair.key.id);

    // Legacy-format values Keyward does not hold, and near misses of a real one: one answer.
    for (const value of [
      apimKey(),
      randomBytes(32).toString('hex'),
      pair.primary.toUpperCase(),
      pair.primary.slice(1),
      `${pair.primary}0`,
    ]) {
      expect(await code(await call(value, '198.51.100.21')), value.length.toString()).toBe(
        'INVALID',
      );
    }

    const meta = await w.operatorA.request<KeyView>('GET', `/keys/${pair.key.id}`);
    expect(meta.body.slots.primary).toMatchObject({ imported: true });
    expect(meta.body.slots.secondary).toMatchObject({ imported: true });
    const listed = await w.adminA.request<{ keys: KeyView[] }>(
      'GET',
      `/institutions/${w.insA}/keys`,
    );
    expect(listed.body.keys.find((k) => k.id === pair.key.id)?.slots.primary.imported).toBe(true);
    expect(listed.body.keys.find((k) => k.id === w.keyA.id)?.slots.primary.imported).toBe(false);

    // Viewable like an issued secret (the deployment keeps sealed copies by default).
    const secrets = await w.adminA.request<{ primary: string; secondary: string }>(
      'GET',
      `/keys/${pair.key.id}/secrets`,
    );
    expect(secrets.body).toEqual({ primary: pair.primary, secondary: pair.secondary });

    const audit = await w.adminA.request<{
      events: { action: string; target: string; details: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/audit`);
    const event = audit.body.events.find((e) => e.action === 'key.import');
    expect(event?.target).toBe(pair.key.id);
    expect(event?.details).toMatchObject({
      primary: { hint: pair.key.slots.primary.hint, format: 'hex32' },
      secondary: { hint: pair.key.slots.secondary.hint, format: 'hex32' },
    });
    bodies.push(audit.text);
  });

  it('answers 201 without the secrets and no-store; refuses bad or known values', async () => {
    const primary = apimKey();
    const secondary = randomBytes(32).toString('hex'); // 64 hex is accepted too
    imported.push(primary, secondary);
    const res = await w.manageA.request<{ key: KeyView }>(
      'POST',
      `/institutions/${w.insA}/keys/import`,
      { name: 'by automation', primary, secondary },
    );
    bodies.push(res.text);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body)).toEqual(['key']);

    const attempt = async (body: Record<string, unknown>) => {
      const r = await w.adminA.request<{ code: string; errors?: { path: string }[] }>(
        'POST',
        `/institutions/${w.insA}/keys/import`,
        { name: 'refused', ...body },
      );
      bodies.push(r.text);
      return { status: r.status, code: r.body.code, path: r.body.errors?.[0]?.path };
    };
    const fresh = apimKey();
    imported.push(fresh);
    // Held by a key already (either slot), or equal to each other.
    expect(await attempt({ primary, secondary: fresh })).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
    expect(await attempt({ primary: fresh, secondary })).toMatchObject({ status: 409 });
    expect(await attempt({ primary: fresh, secondary: fresh })).toMatchObject({
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    // Not an accepted format, or not random.
    expect(await attempt({ primary: fresh.toUpperCase(), secondary: apimKey() })).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
      path: 'body/primary',
    });
    expect(await attempt({ primary: fresh, secondary: `kw_live_${fresh}` })).toMatchObject({
      status: 400,
      path: 'body/secondary',
    });
    expect(await attempt({ primary: '0'.repeat(32), secondary: fresh })).toMatchObject({
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    expect(await attempt({ primary: fresh })).toMatchObject({ status: 400 });
    expect(await attempt({ primary: fresh, secondary: apimKey(), kind: 'manage' })).toMatchObject({
      status: 400,
    });
    // Nothing of the refused attempts was created.
    const listed = await w.adminA.request<{ keys: { name: string }[] }>(
      'GET',
      `/institutions/${w.insA}/keys`,
    );
    expect(listed.body.keys.filter((k) => k.name === 'refused')).toEqual([]);
  });

  it('regenerating an imported slot issues a Keyward secret for that slot only; its old value is refused and cannot be imported again', async () => {
    const pair = await importPair();
    const regen = await w.adminA.request<{ key: KeyView; secret: string }>(
      'POST',
      `/keys/${pair.key.id}/regenerate`,
      { slot: 'secondary' },
    );
    expect(regen.status, regen.text).toBe(200);
    expect(regen.body.secret).toMatch(/^kw_live_/);
    expect(regen.body.key.slots.secondary).toMatchObject({ imported: false });
    expect(regen.body.key.slots.secondary.hint).toMatch(/^kw_live_…/);
    expect(regen.body.key.slots.primary).toMatchObject({ imported: true });

    expect(await code(await call(pair.secondary, '198.51.100.22'))).toBe('INVALID');
    expect(await code(await call(regen.body.secret))).toBe('OK');
    expect(await code(await call(pair.primary))).toBe('OK');

    const again = await w.adminA.request('POST', `/institutions/${w.insA}/keys/import`, {
      name: 'resurrected',
      primary: pair.secondary,
      secondary: apimKey(),
    });
    bodies.push(again.text);
    expect(again.status).toBe(409);
  });

  it('a guided rotation driven by real traffic moves the key to the new format, never failing the client', async () => {
    const pair = await importPair();
    const keyPath = `/keys/${pair.key.id}/rotations`;
    const app = { secret: pair.primary, sent: 0, failed: 0 };
    const send = async (times = 3) => {
      for (let i = 0; i < times; i++) {
        const res = await call(app.secret, '203.0.113.50');
        await res.arrayBuffer();
        app.sent += 1;
        if (res.status !== 200) app.failed += 1;
      }
      await kw.running.flushUsage();
    };
    const advance = () =>
      w.adminA.request<{ rotation: RotationView; secret: string | null }>(
        'POST',
        `${keyPath}/current/advance`,
        {},
      );
    try {
      await send();
      const started = await w.adminA.request<RotationView>('POST', keyPath);
      expect(started.status, started.text).toBe(201);
      expect((await advance()).status).toBe(409); // the client is still on the primary

      // The client moves to the (imported) secondary; the primary goes quiet.
      app.secret = pair.secondary;
      await send();
      offsetMs += QUIET_MS + 1_000;
      await send();
      expect((await advance()).body.rotation.step).toBe('regenerate-primary');
      const step2 = await advance();
      expect(step2.body.rotation.step).toBe('move-to-primary');
      const newPrimary = step2.body.secret as string;
      expect(newPrimary).toMatch(/^kw_live_/);

      // The client moves to the new primary; the imported secondary goes quiet.
      app.secret = newPrimary;
      await send();
      offsetMs += QUIET_MS + 1_000;
      await send();
      expect((await advance()).body.rotation.step).toBe('regenerate-secondary');
      const step4 = await advance();
      expect(step4.body.rotation).toMatchObject({ step: 'done', state: 'done' });
      expect(step4.body.secret).toMatch(/^kw_live_/);
      await send();
    } finally {
      offsetMs = 0;
    }
    expect(app.failed).toBe(0);
    expect(app.sent).toBe(18);

    const meta = await w.adminA.request<KeyView>('GET', `/keys/${pair.key.id}`);
    for (const slot of ['primary', 'secondary'] as const) {
      expect(meta.body.slots[slot].imported).toBe(false);
      expect(meta.body.slots[slot].hint).toMatch(/^kw_live_…/);
    }
    for (const old of [pair.primary, pair.secondary]) {
      expect(await code(await call(old, '198.51.100.23'))).toBe('INVALID');
    }
  });

  it('no imported value appears in a log line or a response body', () => {
    const logs = kw.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    expect(imported.length).toBeGreaterThan(8);
    for (const value of imported) {
      expect(
        kw.logs.filter((l) => l.includes(value)),
        'logs',
      ).toEqual([]);
      for (const body of bodies) expect(body.includes(value), body).toBe(false);
    }
  });
});
