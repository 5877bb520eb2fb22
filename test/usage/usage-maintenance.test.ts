import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import {
  type ApiKey,
  DEFAULT_INSTITUTION_SETTINGS,
  type InstitutionSettings,
} from '../../src/core/model.js';
import type { OutboundEvent } from '../../src/ports/notifier.js';
import type { Store } from '../../src/ports/store.js';
import { UsageMaintenance } from '../../src/services/usage-maintenance.js';
import { aKeyWithSlots, anInstitution, at } from '../store/fixtures.js';

/** Pruning and the daily unused-slot check, on a real SQLite store with an injected clock. */

const DAY = 86_400_000;
const NOW = at(100 * DAY);

let dir: string;
let store: Store;
let notified: OutboundEvent[];
let invalidated: string[];
let now: Date;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-maintenance-'));
  store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  await store.migrate();
  notified = [];
  invalidated = [];
  now = NOW;
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function maintenance(onError?: (err: unknown) => void): UsageMaintenance {
  return new UsageMaintenance({
    store,
    clock: { now: () => now },
    notifier: { enqueue: async (_tx, event) => void notified.push(event) },
    invalidation: {
      keyChanged: async (keyId) => void invalidated.push(keyId),
      institutionChanged: async () => {},
    },
    ...(onError && { onError }),
    retentionDays: 7,
    rollupRetentionDays: 90,
  });
}

describe('usage maintenance', () => {
  it('raises one UNUSED alert per idle slot of an active key, by the institution’s threshold', async () => {
    const strict = anInstitution({
      settings: { ...DEFAULT_INSTITUTION_SETTINGS, unusedAlertDays: 30 },
    });
    const relaxed = anInstitution({
      settings: { ...DEFAULT_INSTITUTION_SETTINGS, unusedAlertDays: null },
    });
    for (const i of [strict, relaxed]) await store.institutions.insert(i);
    const used = aKeyWithSlots(strict.id);
    const suspended = aKeyWithSlots(strict.id, { state: 'suspended' });
    const elsewhere = aKeyWithSlots(relaxed.id);
    for (const k of [used, suspended, elsewhere]) await store.keys.insert(k.key, k.slots);
    // The primary was used 10 days ago; the secondary never (generated 100 days ago).
    await store.keys.touchSlot(used.key.id, 'primary', {
      at: new Date(NOW.getTime() - 10 * DAY),
      from: '198.51.100.7',
      userAgent: null,
    });

    expect(await maintenance().checkUnused()).toBe(1);
    const alerts = (await store.alerts.listByInstitution(strict.id, { limit: 10 })).alerts;
    expect(alerts).toMatchObject([
      { type: 'UNUSED', severity: 'low', keyId: used.key.id, slot: 'secondary', count: 1 },
    ]);
    expect(alerts[0]?.evidence).toMatchObject({ lastUsedAt: null, idleDays: 99 });
    expect(notified.map((n) => n.type)).toEqual(['alert.raised']);
    expect((await store.alerts.listByInstitution(relaxed.id, { limit: 10 })).alerts).toEqual([]);

    // The next day's check repeats the open alert instead of opening another.
    expect(await maintenance().checkUnused()).toBe(0);
    const again = (await store.alerts.listByInstitution(strict.id, { limit: 10 })).alerts;
    expect(again.map((a) => [a.id, a.count])).toEqual([[alerts[0]?.id, 2]]);
  });

  it('prunes raw events and rollups past their retention', async () => {
    const event = (atMs: number) => ({
      at: new Date(atMs),
      requestId: 'req_x',
      keyId: 'key_x',
      institutionId: 'ins_x',
      slot: 'primary' as const,
      retiredAt: null,
      route: '/api',
      status: 401,
      latencyMs: 1,
      clientIp: null,
      userAgent: null,
      outcome: 'NOT_FOUND',
    });
    await store.usage.recordEvents([event(NOW.getTime() - 8 * DAY), event(NOW.getTime() - DAY)]);
    expect(await maintenance().prune()).toEqual({ events: 1, rollups: 0 });
    const left = await store.usage.listEvents('key_x', at(0), NOW, 10);
    expect(left.map((e) => e.at)).toEqual([new Date(NOW.getTime() - DAY)]);
  });
  describe('hygiene policy', () => {
    const withPolicy = (settings: Partial<InstitutionSettings>) =>
      anInstitution({ settings: { ...DEFAULT_INSTITUTION_SETTINGS, ...settings } });

    /** A key whose primary was generated on day `primaryDay`, its secondary on `secondaryDay`. */
    async function seedKey(
      institutionId: string,
      primaryDay: number,
      secondaryDay: number,
      overrides: Partial<ApiKey> = {},
    ) {
      const k = aKeyWithSlots(institutionId, overrides);
      await store.keys.insert(k.key, [
        { ...k.slots[0], generatedAt: at(primaryDay * DAY) },
        { ...k.slots[1], generatedAt: at(secondaryDay * DAY) },
      ]);
      return k.key;
    }

    const ageAlerts = async (institutionId: string) =>
      (await store.alerts.listByInstitution(institutionId, { limit: 50 })).alerts
        .filter((a) => a.type === 'SECRET_AGE')
        .sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime());

    it('raises a SECRET_AGE reminder at each lead time, then an overdue alert, day by day', async () => {
      const ins = withPolicy({ maxSecretAgeDays: 90, ageReminderDays: [14, 3] });
      const none = withPolicy({});
      for (const i of [ins, none]) await store.institutions.insert(i);
      const key = await seedKey(ins.id, 0, 50);
      await seedKey(ins.id, 0, 0, { state: 'suspended' });
      await seedKey(none.id, 0, 0);

      const day = async (n: number) => {
        now = at(n * DAY);
        return (await maintenance().checkHygiene()).alertsOpened;
      };
      expect(await day(75)).toBe(0);
      expect(await day(76)).toBe(1);
      expect(await day(77)).toBe(0);
      expect(await day(86)).toBe(0);
      expect(await day(87)).toBe(1);
      expect(await day(89)).toBe(0);
      expect(await day(90)).toBe(1);
      expect(await day(91)).toBe(0);

      const alerts = await ageAlerts(ins.id);
      expect(alerts.map((a) => [a.severity, a.keyId, a.slot, a.evidence.stage, a.count])).toEqual([
        ['low', key.id, 'primary', 'due-in-14d', 3],
        ['low', key.id, 'primary', 'due-in-3d', 2],
        ['medium', key.id, 'primary', 'overdue', 2],
      ]);
      expect(alerts[2]?.evidence).toMatchObject({
        ageDays: 91,
        maxAgeDays: 90,
        dueAt: at(90 * DAY).toISOString(),
      });
      expect(notified.map((n) => [n.type, n.data.type])).toEqual([
        ['alert.raised', 'SECRET_AGE'],
        ['alert.raised', 'SECRET_AGE'],
        ['alert.raised', 'SECRET_AGE'],
      ]);
      expect(await ageAlerts(none.id)).toEqual([]);
      expect(invalidated).toEqual([]);
    });

    it('suspends a use key unused past the policy once, audited as the system, and announces it', async () => {
      const ins = withPolicy({ suspendUnusedAfterDays: 60, unusedAlertDays: null });
      const none = withPolicy({ unusedAlertDays: null });
      for (const i of [ins, none]) await store.institutions.insert(i);
      const idle = await seedKey(ins.id, 0, 0);
      const used = await seedKey(ins.id, 0, 0);
      await store.keys.touchSlot(used.id, 'secondary', {
        at: at(41 * DAY),
        from: '198.51.100.7',
        userAgent: null,
      });
      const automation = await seedKey(ins.id, 0, 0, { kind: 'manage' });
      const elsewhere = await seedKey(none.id, 0, 0);
      const errors: unknown[] = [];

      // The daily round runs it; two processes at once suspend the key once.
      await Promise.all([
        maintenance((err) => errors.push(err)).run(),
        maintenance((err) => errors.push(err)).run(),
      ]);
      expect(errors).toEqual([]);
      expect((await store.keys.get(idle.id))?.state).toBe('suspended');
      for (const id of [used.id, automation.id, elsewhere.id]) {
        expect((await store.keys.get(id))?.state).toBe('active');
      }
      expect(invalidated).toEqual([idle.id]);
      const audit = (await store.audit.listByInstitution(ins.id, { limit: 10 })).events;
      expect(audit).toMatchObject([
        {
          action: 'key.suspend',
          actor: { type: 'system', id: 'keyward' },
          target: idle.id,
          sourceIp: null,
          at: NOW,
          details: {
            changes: { state: 'suspended' },
            reason: 'unused',
            suspendUnusedAfterDays: 60,
            lastActiveAt: at(0).toISOString(),
          },
        },
      ]);

      // A day later the used key has crossed the threshold too; the suspended one is not redone.
      now = at(101 * DAY);
      expect((await maintenance().checkHygiene()).suspended).toEqual([used.id]);
      expect((await store.audit.listByInstitution(ins.id, { limit: 10 })).events).toHaveLength(2);
    });

    it('never suspends without the policy, however long a key is unused', async () => {
      const ins = withPolicy({ maxSecretAgeDays: 3650, ageReminderDays: [] });
      await store.institutions.insert(ins);
      const key = await seedKey(ins.id, 0, 0);
      now = at(3000 * DAY);
      expect(await maintenance().checkHygiene()).toEqual({ alertsOpened: 0, suspended: [] });
      expect((await store.keys.get(key.id))?.state).toBe('active');
      expect((await store.audit.listByInstitution(ins.id, { limit: 10 })).events).toEqual([]);
    });
  });
});
