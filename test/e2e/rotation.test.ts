import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.js';
import { type GatewayWorld, startGatewayWorld } from '../support/gateway-world.js';
import { type TestKeyward, testStores } from '../support/harness.js';
import type { World } from '../support/world.js';

/**
 * Rotation without interruption (issue 5): safe regenerate refuses a slot in use with the
 * evidence, and the guided four-step rotation walks a client from primary to secondary and back
 * to a new primary through the real gateway without one failed request, refusing each premature
 * step with the client still on the slot. Time moves with an injected clock.
 */

type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };
type Evidence = {
  quiet: boolean;
  lastUsedAt: string | null;
  requestsInPeriod: number;
  clients: { address: string; userAgent: string }[];
};
type RotationView = {
  step: string;
  state: string;
  waitingFor: string[];
  evidence: { primary: Evidence; secondary: Evidence };
};

const QUIET_MS = 600_000;

describe.each(testStores())('rotation on %s', (store) => {
  let kw: TestKeyward;
  let w: World;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

  let world: GatewayWorld | undefined;

  beforeAll(async () => {
    world = await startGatewayWorld({ store, clock });
    ({ kw, w } = world);
  });
  afterAll(async () => world?.stop());

  async function newKey(): Promise<Created> {
    const res = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, {
      name: 'rotated',
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  /** A client of the key: sends its current secret and counts what failed. */
  function client(address: string, userAgent: string) {
    const state = { secret: '', sent: 0, failed: 0 };
    const once = async () => {
      const res = await fetch(`${kw.gatewayUrl}/api/work`, {
        headers: { 'x-api-key': state.secret, 'x-forwarded-for': address, 'user-agent': userAgent },
      });
      await res.arrayBuffer();
      state.sent += 1;
      if (res.status !== 200) state.failed += 1;
    };
    return Object.assign(state, {
      /** A few requests, then the usage is written (what the checks read). */
      async send(times = 3) {
        for (let i = 0; i < times; i++) await once();
        await kw.running.flushUsage();
      },
      /** Continuous traffic in the background until the returned function is called. */
      continuous(): () => Promise<void> {
        let stopped = false;
        const loop = (async () => {
          while (!stopped) {
            await once();
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
        return async () => {
          stopped = true;
          await loop;
        };
      },
    });
  }

  it('safe regenerate: 409 SLOT_IN_USE with the evidence, allowed once quiet, force audited', async () => {
    const key = await newKey();
    const billing = client('198.51.100.5', 'billing/1.0');
    billing.secret = key.secrets.primary;
    await billing.send();

    const refused = await w.adminA.request<{ code: string; evidence: Evidence }>(
      'POST',
      `/keys/${key.key.id}/regenerate`,
      { slot: 'primary' },
    );
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.code).toBe('SLOT_IN_USE');
    expect(refused.body.evidence).toMatchObject({
      quiet: false,
      requestsInPeriod: 3,
      clients: [{ address: '198.51.100.5', userAgent: 'billing/1.0' }],
    });
    // The other slot is free to regenerate.
    const other = await w.adminA.request('POST', `/keys/${key.key.id}/regenerate`, {
      slot: 'secondary',
    });
    expect(other.status).toBe(200);

    offsetMs += QUIET_MS + 1_000;
    try {
      const quiet = await w.adminA.request('POST', `/keys/${key.key.id}/regenerate`, {
        slot: 'primary',
      });
      expect(quiet.status, quiet.text).toBe(200);
    } finally {
      offsetMs = 0;
    }

    const busy = await newKey();
    billing.secret = busy.secrets.secondary;
    await billing.send(1);
    const forced = await w.adminA.request('POST', `/keys/${busy.key.id}/regenerate`, {
      slot: 'secondary',
      force: true,
    });
    expect(forced.status).toBe(200);
    const audit = await w.adminA.request<{
      events: { action: string; target: string; details: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/audit`);
    const event = audit.body.events.find(
      (e) => e.action === 'key.regenerate' && e.target === busy.key.id,
    );
    expect(event?.details).toMatchObject({ slot: 'secondary', force: true, inUse: { clients: 1 } });
  });

  it('guided rotation: a client that follows the steps never fails; premature steps are refused', async () => {
    const key = await newKey();
    const keyPath = `/keys/${key.key.id}/rotations`;
    const app = client('203.0.113.40', 'orders/3.1');
    app.secret = key.secrets.primary;
    await app.send();
    const stopTraffic = app.continuous();

    const started = await w.adminA.request<RotationView>('POST', keyPath);
    expect(started.status, started.text).toBe(201);
    expect(started.body).toMatchObject({
      step: 'move-to-secondary',
      waitingFor: ['PRIMARY_IN_USE'],
    });
    expect((await w.adminA.request('POST', keyPath)).status).toBe(409); // one at a time

    // Premature: the client is still on the primary, and the refusal names it.
    const early = await w.adminA.request<{ code: string; evidence: { primary: Evidence } }>(
      'POST',
      `${keyPath}/current/advance`,
      {},
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('ROTATION_BLOCKED');
    expect(early.body.evidence.primary.clients).toMatchObject([
      { address: '203.0.113.40', userAgent: 'orders/3.1' },
    ]);

    // Step 1: the client moves to the secondary; the primary goes quiet.
    app.secret = key.secrets.secondary;
    await app.send();
    offsetMs += QUIET_MS + 1_000;
    await app.send();
    const advance = (body: Record<string, unknown> = {}) =>
      w.adminA.request<{ rotation: RotationView; secret: string | null }>(
        'POST',
        `${keyPath}/current/advance`,
        body,
      );
    expect((await advance()).body.rotation.step).toBe('regenerate-primary');
    // Step 2: regenerate the primary (the secret is shown once, here).
    const step2 = await advance();
    expect(step2.body.rotation.step).toBe('move-to-primary');
    const newPrimary = step2.body.secret as string;
    expect(newPrimary).toMatch(/^kw_live_/);
    await app.send(); // still on the secondary: fine

    // Premature: the secondary is in use and nobody uses the new primary yet.
    const blocked = await advance();
    expect(blocked.status).toBe(409);
    const current = await w.operatorA.request<RotationView>('GET', `${keyPath}/current`);
    expect(current.body.waitingFor).toEqual(['SECONDARY_IN_USE', 'NEW_PRIMARY_UNUSED']);

    // Step 3: the client moves to the new primary; the secondary goes quiet.
    app.secret = newPrimary;
    await app.send();
    offsetMs += QUIET_MS + 1_000;
    await app.send();
    expect((await advance()).body.rotation.step).toBe('regenerate-secondary');
    // Step 4: regenerate the secondary.
    const step4 = await advance();
    expect(step4.body.rotation).toMatchObject({ step: 'done', state: 'done' });
    expect(step4.body.secret).toMatch(/^kw_live_/);
    await app.send();

    await stopTraffic();
    expect(app.failed).toBe(0);
    expect(app.sent).toBeGreaterThan(21);
    // Both old secrets are refused now; the rotation is over.
    for (const old of [key.secrets.primary, key.secrets.secondary]) {
      const res = await fetch(`${kw.gatewayUrl}/api/x`, { headers: { 'x-api-key': old } });
      expect(res.status).toBe(401);
    }
    expect((await w.adminA.request('GET', `${keyPath}/current`)).status).toBe(404);
    offsetMs = 0;
  });

  it('force takes a blocked step (audited); abandon ends the rotation', async () => {
    const key = await newKey();
    const keyPath = `/keys/${key.key.id}/rotations`;
    const app = client('203.0.113.41', 'batch/1.0');
    app.secret = key.secrets.primary;
    await app.send(1);
    await w.adminA.request('POST', keyPath);
    const forced = await w.adminA.request<{ rotation: RotationView }>(
      'POST',
      `${keyPath}/current/advance`,
      { force: true },
    );
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body.rotation.step).toBe('regenerate-primary');
    const audit = await w.adminA.request<{
      events: { action: string; details: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/audit`);
    expect(audit.body.events.find((e) => e.action === 'rotation.advance')?.details).toMatchObject({
      forced: ['PRIMARY_IN_USE'],
    });
    expect((await w.adminA.request('DELETE', `${keyPath}/current`)).status).toBe(204);
    expect((await w.adminA.request('GET', `${keyPath}/current`)).status).toBe(404);
    // A new rotation may start after an abandoned one.
    expect((await w.adminA.request('POST', keyPath)).status).toBe(201);
  });

  it('regenerate with a grace window: the old secret works to the second, reported as retiring', async () => {
    const key = await newKey();
    const regen = await w.adminA.request<{ secret: string }>(
      'POST',
      `/keys/${key.key.id}/regenerate`,
      {
        slot: 'secondary',
        graceSeconds: 60,
      },
    );
    expect(regen.status, regen.text).toBe(200);
    const call = (secret: string) =>
      fetch(`${kw.gatewayUrl}/api/x`, {
        headers: {
          'x-api-key': secret,
          'x-forwarded-for': '198.51.100.77',
          'user-agent': 'late/1.0',
        },
      });
    try {
      offsetMs = 59_000;
      expect((await call(key.secrets.secondary)).status).toBe(200);
      expect((await call(regen.body.secret)).status).toBe(200);
      offsetMs = 60_000;
      expect((await call(key.secrets.secondary)).status).toBe(401);
      expect((await call(regen.body.secret)).status).toBe(200);
    } finally {
      offsetMs = 0;
    }
    await kw.running.flushUsage();
    const alerts = await w.adminA.request<{
      alerts: { type: string; keyId: string; slot: string; count: number; severity: string }[];
    }>('GET', `/institutions/${w.insA}/alerts`);
    expect(alerts.body.alerts.filter((a) => a.keyId === key.key.id)).toMatchObject([
      { type: 'RETIRED_SECRET_USED', slot: 'secondary', count: 2 },
    ]);
    // The retiring use is not a use of the slot's new secret.
    const meta = await w.adminA.request<{ slots: { secondary: { lastUsedAt: string | null } } }>(
      'GET',
      `/keys/${key.key.id}`,
    );
    expect(meta.body.slots.secondary.lastUsedAt).not.toBeNull(); // the new secret's use
    const audit = await w.adminA.request<{
      events: { action: string; target: string; details: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/audit`);
    expect(
      audit.body.events.find((e) => e.action === 'key.regenerate' && e.target === key.key.id)
        ?.details,
    ).toHaveProperty('graceUntil');
  });

  it('time-boxed sharing: the secondary is regenerated at `until` by the system, then its use is flagged', async () => {
    const key = await newKey();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const shared = await w.adminA.request<{ share: { id: string; state: string } }>(
      'POST',
      `/keys/${key.key.id}/share`,
      { until, note: 'vendor debugging session' },
    );
    expect(shared.status, shared.text).toBe(201);
    // One share of a slot at a time; `until` must be ahead.
    expect((await w.adminA.request('POST', `/keys/${key.key.id}/share`, { until })).status).toBe(
      409,
    );
    const past = new Date(Date.now() - 1_000).toISOString();
    expect(
      (await w.adminA.request('POST', `/keys/${key.key.id}/share`, { until: past })).status,
    ).toBe(422);

    await kw.running.revokeDueShares(); // not due yet
    const call = () =>
      fetch(`${kw.gatewayUrl}/api/x`, {
        headers: { 'x-api-key': key.secrets.secondary, 'x-forwarded-for': '192.0.2.50' },
      });
    expect((await call()).status).toBe(200);
    try {
      offsetMs = 3_600_000 + 1_000;
      await kw.running.revokeDueShares();
      await kw.running.revokeDueShares(); // idempotent
      expect((await call()).status).toBe(401);
    } finally {
      offsetMs = 0;
    }
    const shares = await w.operatorA.request<{ shares: { state: string }[] }>(
      'GET',
      `/keys/${key.key.id}/shares`,
    );
    expect(shares.body.shares.map((s) => s.state)).toEqual(['revoked']);
    const audit = await w.adminA.request<{
      events: {
        action: string;
        target: string;
        actor: { type: string };
        details: Record<string, unknown>;
      }[];
    }>('GET', `/institutions/${w.insA}/audit?limit=200`);
    const regenerations = audit.body.events.filter(
      (e) => e.action === 'key.regenerate' && e.target === key.key.id,
    );
    expect(regenerations).toHaveLength(1);
    expect(regenerations[0]).toMatchObject({
      actor: { type: 'system' },
      details: { slot: 'secondary', shareId: shared.body.share.id },
    });
    await kw.running.flushUsage();
    const alerts = await w.adminA.request<{
      alerts: { type: string; keyId: string; evidence: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/alerts`);
    const mine = alerts.body.alerts.filter((a) => a.keyId === key.key.id);
    expect(mine.map((a) => a.type).sort()).toEqual(['RETIRED_SECRET_USED', 'SHARE_EXPIRED']);
    expect(mine.find((a) => a.type === 'SHARE_EXPIRED')?.evidence).toMatchObject({
      note: 'vendor debugging session',
    });
  });
});
