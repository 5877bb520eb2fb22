import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import type { Notifier, OutboundEvent } from '../../src/ports/notifier.js';
import type { Store } from '../../src/ports/store.js';
import type { UsageEvent } from '../../src/ports/usage-sink.js';
import { AlertMonitor } from '../../src/services/alert-monitor.js';
import { UsagePipeline } from '../../src/services/usage-pipeline.js';

/**
 * The detectors wired: synthetic event streams through an AlertMonitor in a usage pipeline,
 * alerts stored in a real SQLite store and queued for notification. A normal stream stays
 * silent; each anomaly raises exactly one alert of its type.
 */

const T0 = Date.UTC(2030, 0, 1, 12);
const MINUTE = 60_000;
const INS = 'ins_aaaaaaaaaaaaaaaaaaaaaa';
const KEY = 'key_aaaaaaaaaaaaaaaaaaaaaa';

let dir: string;
let store: Store;
let pipeline: UsagePipeline;
let notified: OutboundEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-alerts-'));
  store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  await store.migrate();
  notified = [];
  const notifier: Notifier = {
    enqueue: async (_tx, event) => {
      notified.push(event);
    },
  };
  const monitor = new AlertMonitor({
    notifier,
    newNetwork: { learningMs: 10 * MINUTE, maxNetworksPerKey: 64, maxKeys: 1000 },
    spike: { alpha: 0.2, factor: 5, minRequests: 50, warmupMinutes: 10, maxKeys: 1000 },
    failureBurst: { threshold: 10, windowMs: MINUTE, maxAddresses: 1000 },
  });
  pipeline = new UsagePipeline(store, { alerts: monitor }, { flushIntervalMs: 60_000 });
});

afterEach(async () => {
  await pipeline.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function event(atMs: number, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at: new Date(atMs),
    requestId: 'req_x',
    keyId: KEY,
    institutionId: INS,
    slot: 'primary',
    retiredAt: null,
    route: '/messages',
    status: 200,
    latencyMs: 2,
    clientIp: '198.51.100.7',
    userAgent: 'billing/1.0',
    outcome: 'OK',
    ...overrides,
  };
}

/** Thirty minutes of ordinary traffic: 20 requests a minute from one network, a few typos. */
function normalTraffic(): void {
  for (let m = 0; m < 30; m++) {
    for (let i = 0; i < 20; i++) {
      pipeline.emit(event(T0 + m * MINUTE + i * 1_000, { clientIp: `198.51.100.${1 + (i % 5)}` }));
    }
    if (m % 10 === 0) {
      pipeline.emit(
        event(T0 + m * MINUTE, {
          keyId: null,
          institutionId: null,
          slot: null,
          outcome: 'NOT_FOUND',
          status: 401,
        }),
      );
    }
  }
}

async function alertTypes(): Promise<[string, number][]> {
  await pipeline.flush();
  const page = await store.alerts.listByInstitution(INS, { limit: 100 });
  return page.alerts.map((a) => [a.type, a.count]);
}

describe('alert monitor', () => {
  it('stays silent on a normal stream', async () => {
    normalTraffic();
    expect(await alertTypes()).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('a retired secret: one alert with its slot and regeneration time, repeats counted', async () => {
    normalTraffic();
    const retiredAt = new Date(T0 - 3_600_000);
    for (let i = 0; i < 3; i++) {
      pipeline.emit(
        event(T0 + 31 * MINUTE + i, {
          slot: 'secondary',
          outcome: 'RETIRED',
          status: 401,
          retiredAt,
        }),
      );
    }
    expect(await alertTypes()).toEqual([['RETIRED_SECRET_USED', 3]]);
    const [alert] = (await store.alerts.listByInstitution(INS, { limit: 1 })).alerts;
    expect(alert).toMatchObject({
      slot: 'secondary',
      evidence: { regeneratedAt: retiredAt.toISOString() },
    });
    expect(notified.map((n) => [n.type, (n.data as { id: string }).id])).toEqual([
      ['alert.raised', alert?.id],
    ]);
  });

  it('a request from outside the allowed CIDRs', async () => {
    normalTraffic();
    pipeline.emit(
      event(T0 + 31 * MINUTE, { outcome: 'IP_NOT_ALLOWED', status: 403, clientIp: '203.0.113.5' }),
    );
    expect(await alertTypes()).toEqual([['IP_NOT_ALLOWED', 1]]);
  });

  it('a new network after the learning period', async () => {
    normalTraffic();
    pipeline.emit(event(T0 + 31 * MINUTE, { clientIp: '203.0.113.5' }));
    pipeline.emit(event(T0 + 31 * MINUTE + 1, { clientIp: '203.0.113.6' })); // same /24: known now
    expect(await alertTypes()).toEqual([['NEW_NETWORK', 1]]);
  });

  it('a volume spike far above the key’s baseline', async () => {
    normalTraffic();
    for (let i = 0; i < 400; i++) pipeline.emit(event(T0 + 31 * MINUTE + i));
    expect(await alertTypes()).toEqual([['VOLUME_SPIKE', 1]]);
  });

  it('a burst of failed authentications from one address (platform-level: no institution)', async () => {
    normalTraffic();
    for (let i = 0; i < 15; i++) {
      pipeline.emit(
        event(T0 + 31 * MINUTE + i, {
          keyId: null,
          institutionId: null,
          slot: null,
          clientIp: '192.0.2.66',
          outcome: 'NOT_FOUND',
          status: 401,
        }),
      );
    }
    await pipeline.flush();
    expect(pipeline.stats().parts.alerts).toEqual({ written: 1, dropped: 0 });
    // Not an institution's alert (the secrets named no key), and nothing to notify.
    expect(await alertTypes()).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('seeding from known clients means a restart does not relearn', async () => {
    const monitor = new AlertMonitor({
      newNetwork: { learningMs: 10 * MINUTE, maxNetworksPerKey: 64, maxKeys: 1000 },
    });
    monitor.seed([
      {
        keyId: KEY,
        slot: 'primary',
        clientIp: '198.51.100.7',
        userAgent: null,
        firstSeenAt: new Date(T0 - 3_600_000),
        lastSeenAt: new Date(T0 - 60_000),
        requests: 10,
      },
    ]);
    const seeded = new UsagePipeline(store, { alerts: monitor }, { flushIntervalMs: 60_000 });
    seeded.emit(event(T0, { clientIp: '198.51.100.9' })); // known /24: silent
    seeded.emit(event(T0 + 1, { clientIp: '203.0.113.9' })); // new /24, learning long over
    await seeded.close();
    expect(await alertTypes()).toEqual([['NEW_NETWORK', 1]]);
  });
});
