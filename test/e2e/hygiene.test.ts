import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { Clock } from '../../src/ports/clock.js';
import { noKeyInvalidation } from '../../src/ports/key-invalidation.js';
import { UsageMaintenance } from '../../src/services/usage-maintenance.js';
import { aKeyWithSlots } from '../store/fixtures.js';
import { type GatewayWorld, startGatewayWorld } from '../support/gateway-world.js';
import { ApiClient, type TestKeyward, testStores } from '../support/harness.js';
import { MEMBER_PASSWORD, type World } from '../support/world.js';

/**
 * Hygiene policies (issue 5): the settings, the report of `GET /institutions/{id}/hygiene` over
 * keys used through the real gateway, and the daily job's SECRET_AGE alerts and policy
 * suspension, on each store. Time moves with an injected clock.
 */

const DAY = 86_400_000;
const SUMMARY_KINDS = {
  overdue: 'overdue',
  dueSoon: 'due-soon',
  unused: 'unused',
  sharedExpiring: 'shared-expiring',
  unrestricted: 'unrestricted',
  legacyFormat: 'legacy-format',
};

type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };
type Finding = {
  kind: string;
  keyId: string;
  keyName: string;
  slot: string | null;
  action: string;
  detail: string;
  since: string | null;
  dueAt: string | null;
  ageDays: number | null;
  idleDays: number | null;
};
type Report = {
  institutionId: string;
  generatedAt: string;
  policy: Record<string, unknown>;
  findings: Finding[];
  summary: Record<string, number>;
};

describe.each(testStores())('hygiene on %s', (store) => {
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

  /** Signs in again: sessions expire while the clock jumps by days. */
  const signIn = (who: 'admin' | 'operator') =>
    ApiClient.login(kw.url, `${who}-a@example.test`, MEMBER_PASSWORD);
  const report = async (query = '') =>
    (await signIn('operator')).request<Report>('GET', `/institutions/${w.insA}/hygiene${query}`);

  it('validates the policy settings: ranges, and reminders shorter than the max age', async () => {
    const patch = (settings: Record<string, unknown>) =>
      w.adminA.request<{ code: string; detail: string }>('PATCH', `/institutions/${w.insA}`, {
        settings,
      });
    const contradictory = await patch({ maxSecretAgeDays: 10 });
    expect(contradictory.status, contradictory.text).toBe(422);
    expect(contradictory.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(contradictory.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(contradictory.body.detail).toMatch(/ageReminderDays: 14/);
    for (const bad of [
      { maxSecretAgeDays: 0 },
      { ageReminderDays: [3, 3] },
      { ageReminderDays: ['14'] },
      { suspendUnusedAfterDays: 3651 },
    ]) {
      const res = await patch(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.code).toBe('INVALID_REQUEST');
    }
    const defaults = await w.operatorA.request<{ settings: Record<string, unknown> }>(
      'GET',
      `/institutions/${w.insA}`,
    );
    expect(defaults.body.settings).toMatchObject({
      maxSecretAgeDays: null,
      ageReminderDays: [14, 3],
      suspendUnusedAfterDays: null,
    });
  });

  it('reports overdue, due-soon, unused, shared-expiring, unrestricted and legacy-format keys', async () => {
    const set = await w.adminA.request<{ settings: Record<string, unknown> }>(
      'PATCH',
      `/institutions/${w.insA}`,
      {
        settings: {
          maxSecretAgeDays: 90,
          ageReminderDays: [14, 3],
          unusedAlertDays: 30,
          suspendUnusedAfterDays: 60,
        },
      },
    );
    expect(set.status, set.text).toBe(200);
    expect(set.body.settings).toMatchObject({ maxSecretAgeDays: 90, suspendUnusedAfterDays: 60 });

    const create = async (body: Record<string, unknown>) => {
      const res = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, body);
      expect(res.status, res.text).toBe(201);
      return res.body;
    };
    const busy = await create({ name: 'busy', scopes: ['messages'] });
    const idle = await create({ name: 'idle', allowedCidrs: ['10.0.0.0/8'] });
    const open = await create({ name: 'open' });
    const legacy = aKeyWithSlots(w.insA, { name: 'legacy' });
    await kw.running.store.keys.insert(legacy.key, [
      { ...legacy.slots[0], imported: true, generatedAt: clock.now() },
      { ...legacy.slots[1], generatedAt: clock.now() },
    ]);

    // 80 days on, the busy key's primary carries traffic through the gateway.
    offsetMs = 80 * DAY;
    const sent = await fetch(`${kw.gatewayUrl}/api/work`, {
      headers: { 'x-api-key': busy.secrets.primary, 'x-forwarded-for': '198.51.100.9' },
    });
    expect(sent.status).toBe(200);
    await kw.running.flushUsage();
    const until = new Date(clock.now().getTime() + 12 * 3_600_000);
    await kw.running.store.shares.insert({
      id: newId('shr'),
      keyId: busy.key.id,
      institutionId: w.insA,
      slot: 'secondary',
      until,
      note: null,
      sharedBy: w.adminAUserId,
      createdAt: clock.now(),
      state: 'active',
      revokedAt: null,
    });

    const res = await report();
    expect(res.status, res.text).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({
      institutionId: w.insA,
      policy: {
        maxSecretAgeDays: 90,
        ageReminderDays: [14, 3],
        unusedAlertDays: 30,
        suspendUnusedAfterDays: 60,
        shareWindowHours: 24,
      },
    });
    expect(Math.abs(Date.parse(r.generatedAt) - clock.now().getTime())).toBeLessThan(60_000);
    const of = (keyId: string) =>
      r.findings.filter((f) => f.keyId === keyId).map((f) => [f.kind, f.slot, f.action]);
    expect(of(busy.key.id)).toEqual([
      ['due-soon', 'primary', 'rotate'],
      ['due-soon', 'secondary', 'regenerate-secondary'],
      ['unused', 'secondary', 'regenerate-secondary'],
      ['shared-expiring', 'secondary', 'review-share'],
    ]);
    expect(of(idle.key.id)).toEqual([
      ['due-soon', 'primary', 'regenerate-primary'],
      ['due-soon', 'secondary', 'regenerate-secondary'],
      ['unused', null, 'delete-or-suspend'],
    ]);
    expect(of(open.key.id)).toContainEqual(['unrestricted', null, 'restrict']);
    expect(of(legacy.key.id)).toContainEqual(['legacy-format', 'primary', 'regenerate-primary']);
    const idleKey = r.findings.find((f) => f.keyId === idle.key.id && f.kind === 'unused');
    expect(idleKey).toMatchObject({ keyName: 'idle', idleDays: 80 });
    expect(idleKey?.detail).toMatch(/policy suspends it at the next daily check/);
    const share = r.findings.find((f) => f.kind === 'shared-expiring');
    expect(share?.dueAt).toBe(until.toISOString());
    for (const [field, kind] of Object.entries(SUMMARY_KINDS)) {
      expect(r.summary[field], field).toBe(r.findings.filter((f) => f.kind === kind).length);
    }
    expect(r.summary.sharedExpiring).toBe(1);

    // A shorter share window leaves the share out; an invalid one is a 400 problem.
    const narrow = await report('?shareWindowHours=6');
    expect(narrow.body.summary.sharedExpiring).toBe(0);
    expect((await report('?shareWindowHours=0')).status).toBe(400);
    // Tenancy: another institution's admin learns nothing.
    const adminB = await ApiClient.login(kw.url, 'admin-b@example.test', MEMBER_PASSWORD);
    expect((await adminB.request('GET', `/institutions/${w.insA}/hygiene`)).status).toBe(404);

    // Revoked without regenerating, so the share scheduler leaves the slot alone from here on.
    const shareId = (await kw.running.store.shares.listActive(w.insA))[0]?.id ?? '';
    expect(await kw.running.store.shares.markRevoked(shareId, clock.now())).toBe(true);

    // Eleven days later the secrets are overdue; the busy key's primary is still in use.
    offsetMs = 91 * DAY;
    const later = (await report()).body;
    expect(
      later.findings.filter((f) => f.keyId === busy.key.id && f.kind === 'overdue'),
    ).toMatchObject([
      { slot: 'primary', action: 'rotate', ageDays: 91 },
      { slot: 'secondary', action: 'regenerate-secondary', ageDays: 91 },
    ]);
  });

  it('the daily job raises SECRET_AGE alerts and suspends unused keys, audited as the system', async () => {
    offsetMs = 91 * DAY;
    const job = new UsageMaintenance({
      store: kw.running.store,
      clock,
      notifier: kw.running.notifier,
      invalidation: noKeyInvalidation,
      retentionDays: 7,
      rollupRetentionDays: 90,
    });
    const { alertsOpened, suspended } = await job.checkHygiene();
    expect(alertsOpened).toBeGreaterThan(0);
    const admin = await signIn('admin');
    const suspendedKeys = await Promise.all(
      suspended.map(
        async (id) =>
          (await admin.request<{ name: string; state: string }>('GET', `/keys/${id}`)).body,
      ),
    );
    // Every use key idle 60 days (the world's never-used `app` too); `busy` was used on day 80,
    // and manage keys are never suspended.
    expect(suspendedKeys.map((k) => k.name).sort()).toEqual(['app', 'idle', 'legacy', 'open']);
    expect(suspendedKeys.map((k) => k.state)).toEqual(suspended.map(() => 'suspended'));
    // Twice the same day: nothing new (alerts repeat, suspended keys stay suspended).
    expect((await job.checkHygiene()).suspended).toEqual([]);

    const alerts = await admin.request<{
      alerts: { type: string; severity: string; slot: string; evidence: Record<string, unknown> }[];
    }>('GET', `/institutions/${w.insA}/alerts?limit=100`);
    const age = alerts.body.alerts.filter((a) => a.type === 'SECRET_AGE');
    expect(age.length).toBeGreaterThan(0);
    expect(age.every((a) => a.severity === 'medium' && a.evidence.stage === 'overdue')).toBe(true);

    const audit = await admin.request<{
      events: { action: string; actor: { type: string; id: string }; target: string }[];
    }>('GET', `/institutions/${w.insA}/audit?limit=100`);
    const bySystem = audit.body.events.filter((e) => e.action === 'key.suspend');
    expect(bySystem.map((e) => e.target).sort()).toEqual([...suspended].sort());
    expect(bySystem.every((e) => e.actor.type === 'system')).toBe(true);
  });
});
