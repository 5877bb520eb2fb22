import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import { DEFAULT_INSTITUTION_SETTINGS } from '../../src/core/model.js';
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

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-maintenance-'));
  store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  await store.migrate();
  notified = [];
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function maintenance(): UsageMaintenance {
  return new UsageMaintenance({
    store,
    clock: { now: () => NOW },
    notifier: { enqueue: async (_tx, event) => void notified.push(event) },
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
});
