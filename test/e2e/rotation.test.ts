import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.js';
import { startTestKeyward, type TestKeyward, testStores } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

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
          routes: [{ path: '/api', upstream: upstream.url }],
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
    return Object.assign(state, {
      async send(times = 3) {
        for (let i = 0; i < times; i++) {
          const res = await fetch(`${kw.gatewayUrl}/api/work`, {
            headers: {
              'x-api-key': state.secret,
              'x-forwarded-for': address,
              'user-agent': userAgent,
            },
          });
          await res.arrayBuffer();
          state.sent += 1;
          if (res.status !== 200) state.failed += 1;
        }
        await kw.running.flushUsage();
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

    expect(app.failed).toBe(0);
    expect(app.sent).toBe(21);
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
});
