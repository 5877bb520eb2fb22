import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import type { SlotName } from '../../src/core/model.js';
import type { Store } from '../../src/ports/store.js';
import type { UsageEvent } from '../../src/ports/usage-sink.js';
import { SlotUsageRecorder } from '../../src/services/slot-usage-recorder.js';
import { UsagePipeline, type UsagePipelineOptions } from '../../src/services/usage-pipeline.js';
import { seedKey } from '../store/store-contract-support.js';

/** Per-slot last use and clients from usage events, written in batches to a real SQLite store. */

const T0 = Date.UTC(2030, 0, 1, 12);

let dir: string;
let store: Store;
const recorders: UsagePipeline[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-last-use-'));
  store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  await store.migrate();
});

afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close().catch(() => {});
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The recorder as the only part of a usage pipeline (which owns flushing). */
function recorder(
  options: UsagePipelineOptions & { maxPendingClients?: number } = {},
  target: Pick<Store, 'transaction'> = store,
) {
  const part = new SlotUsageRecorder(
    options.maxPendingClients === undefined ? {} : { maxPendingClients: options.maxPendingClients },
  );
  const pipeline = new UsagePipeline(
    target,
    { clients: part },
    { flushIntervalMs: 60_000, ...options },
  );
  recorders.push(pipeline);
  return pipeline;
}

function use(
  keyId: string,
  slot: SlotName | null,
  atMs: number,
  clientIp: string,
  outcome = 'OK',
  userAgent = `agent-of-${clientIp}`,
): UsageEvent {
  return {
    at: new Date(atMs),
    requestId: 'req_test',
    retiredAt: null,
    keyId,
    institutionId: 'ins_x',
    slot,
    route: '/api',
    status: 200,
    latencyMs: 1,
    clientIp,
    userAgent,
    outcome,
  };
}

async function lastUses(keyId: string) {
  const slots = await store.keys.getSlots(keyId);
  return Object.fromEntries(
    slots.map((s) => [s.slot, [s.lastUsedAt?.getTime() ?? null, s.lastUsedFrom, s.lastUserAgent]]),
  );
}

describe('SlotUsageRecorder', () => {
  it('lists each client of each slot: first and last seen, requests', async () => {
    const { key } = await seedKey(store);
    const r = recorder();
    r.emit(use(key.id, 'primary', T0 + 1_000, '198.51.100.1'));
    r.emit(use(key.id, 'primary', T0, '198.51.100.1'));
    r.emit(use(key.id, 'primary', T0 + 500, '198.51.100.1', 'OK', 'other/2.0'));
    r.emit(use(key.id, 'secondary', T0 + 2_000, '198.51.100.1'));
    await r.flush();
    r.emit(use(key.id, 'primary', T0 + 9_000, '198.51.100.1'));
    await r.flush();
    const clients = await store.usage.listClients(key.id, 10);
    expect(
      clients.map((c) => [
        c.slot,
        c.userAgent,
        c.firstSeenAt.getTime(),
        c.lastSeenAt.getTime(),
        c.requests,
      ]),
    ).toEqual([
      ['primary', 'agent-of-198.51.100.1', T0, T0 + 9_000, 3],
      ['secondary', 'agent-of-198.51.100.1', T0 + 2_000, T0 + 2_000, 1],
      ['primary', 'other/2.0', T0 + 500, T0 + 500, 1],
    ]);
  });

  it('records the newest use of each slot, with its source address, at the flush', async () => {
    const { key } = await seedKey(store);
    const r = recorder();
    r.emit(use(key.id, 'primary', T0, '198.51.100.1'));
    r.emit(use(key.id, 'primary', T0 + 2_000, '198.51.100.2'));
    r.emit(use(key.id, 'primary', T0 + 1_000, '198.51.100.3')); // late: older than what is pending
    r.emit(use(key.id, 'secondary', T0 + 500, '2001:db8::7'));
    expect(await lastUses(key.id)).toEqual({
      primary: [null, null, null],
      secondary: [null, null, null],
    });
    await r.flush();
    expect(await lastUses(key.id)).toEqual({
      primary: [T0 + 2_000, '198.51.100.2', 'agent-of-198.51.100.2'],
      secondary: [T0 + 500, '2001:db8::7', 'agent-of-2001:db8::7'],
    });
    // Never backwards, even from another node's older batch.
    r.emit(use(key.id, 'primary', T0 + 1_500, '198.51.100.9'));
    await r.flush();
    expect((await lastUses(key.id)).primary).toEqual([
      T0 + 2_000,
      '198.51.100.2',
      'agent-of-198.51.100.2',
    ]);
  });

  it('ignores refused requests and events that name no slot', async () => {
    const { key } = await seedKey(store);
    const r = recorder();
    r.emit(use(key.id, 'secondary', T0, '203.0.113.9', 'RETIRED'));
    r.emit(use(key.id, 'primary', T0, '203.0.113.9', 'RATE_LIMITED'));
    r.emit(use(key.id, 'primary', T0, '203.0.113.9', 'IP_NOT_ALLOWED'));
    r.emit(use(key.id, null, T0, '203.0.113.9', 'UPSTREAM_TIMEOUT'));
    await r.flush();
    expect(await lastUses(key.id)).toEqual({
      primary: [null, null, null],
      secondary: [null, null, null],
    });
  });

  it('writes on close and on its timer', async () => {
    const { key } = await seedKey(store);
    const closing = recorder();
    closing.emit(use(key.id, 'primary', T0, '198.51.100.1'));
    await closing.close();
    expect((await lastUses(key.id)).primary).toEqual([T0, '198.51.100.1', 'agent-of-198.51.100.1']);

    const timed = recorder({ flushIntervalMs: 20 });
    timed.emit(use(key.id, 'secondary', T0, '198.51.100.4'));
    await expect
      .poll(async () => (await lastUses(key.id)).secondary, { timeout: 2_000 })
      .toEqual([T0, '198.51.100.4', 'agent-of-198.51.100.4']);
  });

  it('keeps a batch the store refused and writes it with the next flush', async () => {
    const { key } = await seedKey(store);
    let fail = true;
    const errors: unknown[] = [];
    const flaky: Pick<Store, 'transaction'> = {
      transaction: (fn) =>
        fail ? Promise.reject(new Error('database is locked')) : store.transaction(fn),
    };
    const r = recorder({ onFlushError: (e) => errors.push(e) }, flaky);
    r.emit(use(key.id, 'primary', T0, '198.51.100.1'));
    await r.flush();
    expect(errors).toHaveLength(1);
    r.emit(use(key.id, 'secondary', T0 + 1, '198.51.100.2'));
    r.emit(use(key.id, 'primary', T0 + 2, '198.51.100.1'));
    fail = false;
    await r.flush();
    expect((await store.usage.listClients(key.id, 10)).map((c) => [c.slot, c.requests])).toEqual([
      ['primary', 2],
      ['secondary', 1],
    ]);
    expect(await lastUses(key.id)).toEqual({
      primary: [T0 + 2, '198.51.100.1', 'agent-of-198.51.100.1'],
      secondary: [T0 + 1, '198.51.100.2', 'agent-of-198.51.100.2'],
    });
  });

  it('bounds what is pending and counts what it had to drop', async () => {
    const r = recorder({ maxPendingClients: 3 });
    for (let i = 0; i < 5; i++) r.emit(use(`key_${i}`, 'primary', T0, '198.51.100.1'));
    r.emit(use('key_0', 'primary', T0 + 1, '198.51.100.1')); // pending already: an update
    expect(r.stats().dropped).toBe(2);
  });
});
