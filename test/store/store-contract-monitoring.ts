import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/detectors.js';
import { newId } from '../../src/core/ids.js';
import { countRequest, emptyCounts, type UsageRollup } from '../../src/core/usage-rollup.js';
import type { Store } from '../../src/ports/store.js';
import type { UsageEvent } from '../../src/ports/usage-sink.js';
import { at } from './fixtures.js';
import { seedKey } from './store-contract-support.js';

const MINUTE = 60_000;

function rollup(
  keyId: string,
  institutionId: string,
  minuteMs: number,
  requests: { status: number; latencyMs: number }[],
  overrides: Partial<UsageRollup> = {},
): UsageRollup {
  const counts = emptyCounts();
  for (const r of requests) countRequest(counts, r.status, r.latencyMs);
  return {
    minute: at(minuteMs),
    keyId,
    institutionId,
    slot: 'primary',
    outcome: 'OK',
    counts,
    ...overrides,
  };
}

function event(
  keyId: string | null,
  atMs: number,
  overrides: Partial<UsageEvent> = {},
): UsageEvent {
  return {
    at: at(atMs),
    requestId: newId('req'),
    keyId,
    institutionId: null,
    slot: 'primary',
    retiredAt: null,
    route: '/messages',
    status: 200,
    latencyMs: 1.25,
    clientIp: '198.51.100.7',
    userAgent: 'billing/1.0',
    outcome: 'OK',
    ...overrides,
  };
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    type: 'RETIRED_SECRET_USED',
    severity: 'high',
    institutionId: 'ins_a',
    keyId: 'key_a',
    slot: 'secondary',
    subject: null,
    at: at(1_000),
    evidence: { clientIp: '198.51.100.7' },
    ...overrides,
  };
}

/** Rollups, raw events with pruning, and deduplicated alerts. */
export function describeMonitoringContract(store: () => Store): void {
  describe('usage: rollups and raw events', () => {
    it('sums rollups of the same key × minute × slot × outcome, keeping the largest latency', async () => {
      const { key, institution } = await seedKey(store());
      const fast = { status: 200, latencyMs: 0.5 };
      await store().usage.recordRollups([rollup(key.id, institution.id, 0, [fast, fast])]);
      await store().usage.recordRollups([
        rollup(key.id, institution.id, 0, [{ status: 502, latencyMs: 30 }, fast]),
        rollup(key.id, institution.id, 0, [fast], { slot: 'secondary' }),
        rollup(key.id, institution.id, MINUTE, [fast], { outcome: 'RATE_LIMITED' }),
      ]);
      const listed = await store().usage.listRollups(key.id, at(0), at(2 * MINUTE));
      const primary = listed.find((r) => r.slot === 'primary' && r.outcome === 'OK');
      expect(primary?.counts).toEqual({
        requests: 4,
        statuses: [0, 3, 0, 0, 1],
        latencySumMs: 31.5,
        latencyMaxMs: 30,
        buckets: [3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
      });
      expect(listed).toHaveLength(3);
      expect(await store().usage.listRollups(key.id, at(MINUTE), at(2 * MINUTE))).toHaveLength(1);

      const totals = await store().usage.institutionTotals(institution.id, at(0), at(2 * MINUTE));
      expect(totals).toEqual([
        { keyId: key.id, slot: 'primary', requests: 5, errors: 1 },
        { keyId: key.id, slot: 'secondary', requests: 1, errors: 0 },
      ]);
    });

    it('stores raw events, lists a key’s newest first, and prunes by age', async () => {
      const { key } = await seedKey(store());
      await store().usage.recordEvents([
        event(key.id, 1_000),
        event(key.id, 3_000, { outcome: 'IP_NOT_ALLOWED', status: 403, userAgent: null }),
        event(null, 2_000, { slot: null, outcome: 'NOT_FOUND', status: 401 }),
      ]);
      const listed = await store().usage.listEvents(key.id, at(0), at(10_000), 10);
      expect(listed.map((e) => [e.outcome, e.status, e.userAgent])).toEqual([
        ['IP_NOT_ALLOWED', 403, null],
        ['OK', 200, 'billing/1.0'],
      ]);
      expect(listed[1]).toEqual(event(key.id, 1_000, { requestId: listed[1]?.requestId }));

      await store().usage.recordRollups([
        rollup(key.id, 'ins_x', 0, [{ status: 200, latencyMs: 1 }]),
      ]);
      const pruned = await store().usage.prune(at(2_500), at(MINUTE));
      expect(pruned.events).toBeGreaterThanOrEqual(2);
      expect(pruned.rollups).toBeGreaterThanOrEqual(1);
      expect(await store().usage.listEvents(key.id, at(0), at(10_000), 10)).toHaveLength(1);
      expect(await store().usage.listRollups(key.id, at(0), at(MINUTE))).toEqual([]);
    });

    it('writes a large batch of events in one call', async () => {
      const { key } = await seedKey(store());
      const many = Array.from({ length: 1_234 }, (_, i) => event(key.id, 20_000 + i));
      await store().usage.recordEvents(many);
      expect(await store().usage.listEvents(key.id, at(20_000), at(30_000), 5_000)).toHaveLength(
        1_234,
      );
    });
  });

  describe('alerts', () => {
    it('opens one alert per institution × type × key × subject; repeats add to its count', async () => {
      const institutionId = newId('ins');
      const first = await store().alerts.raise({
        id: newId('alr'),
        finding: finding({ institutionId }),
        firstSeenAt: finding({ institutionId }).at,
        count: 1,
      });
      expect(first.opened).toBe(true);
      expect(first.alert).toMatchObject({ count: 1, state: 'open', institutionId });

      const repeat = await store().alerts.raise({
        id: newId('alr'),
        finding: finding({ institutionId, at: at(5_000), evidence: { clientIp: '203.0.113.9' } }),
        firstSeenAt: finding({
          institutionId,
          at: at(5_000),
          evidence: { clientIp: '203.0.113.9' },
        }).at,
        count: 3,
      });
      expect(repeat.opened).toBe(false);
      expect(repeat.alert).toMatchObject({
        id: first.alert.id,
        count: 4,
        firstSeenAt: at(1_000),
        lastSeenAt: at(5_000),
        evidence: { clientIp: '203.0.113.9' },
      });

      // Another type, key or subject is another alert.
      const other = await store().alerts.raise({
        id: newId('alr'),
        finding: finding({ institutionId, type: 'IP_NOT_ALLOWED' }),
        firstSeenAt: finding({ institutionId, type: 'IP_NOT_ALLOWED' }).at,
        count: 1,
      });
      expect(other.opened).toBe(true);
      const page = await store().alerts.listByInstitution(institutionId, { limit: 10 });
      expect(page.alerts.map((a) => a.id)).toEqual([first.alert.id, other.alert.id]);
      expect(page.next).toBeNull();
    });

    it('acknowledging closes the alert: the next repeat opens a new one', async () => {
      const institutionId = newId('ins');
      const raised = await store().alerts.raise({
        id: newId('alr'),
        finding: finding({ institutionId }),
        firstSeenAt: finding({ institutionId }).at,
        count: 1,
      });
      const acked = await store().alerts.acknowledge(raised.alert.id, 'usr_x', at(2_000));
      expect(acked).toMatchObject({
        state: 'acknowledged',
        acknowledgedBy: 'usr_x',
        acknowledgedAt: at(2_000),
      });
      // Acknowledging again changes nothing.
      expect(await store().alerts.acknowledge(raised.alert.id, 'usr_y', at(3_000))).toEqual(acked);
      expect(await store().alerts.acknowledge('alr_missing', 'usr_y', at(3_000))).toBeNull();

      const again = await store().alerts.raise({
        id: newId('alr'),
        finding: finding({ institutionId, at: at(4_000) }),
        firstSeenAt: finding({ institutionId, at: at(4_000) }).at,
        count: 1,
      });
      expect(again.opened).toBe(true);
      const open = await store().alerts.listByInstitution(institutionId, {
        state: 'open',
        limit: 10,
      });
      expect(open.alerts.map((a) => a.id)).toEqual([again.alert.id]);
    });

    it('pages newest first', async () => {
      const institutionId = newId('ins');
      for (let i = 0; i < 5; i += 1) {
        await store().alerts.raise({
          id: newId('alr'),
          finding: finding({ institutionId, subject: `s${i}`, at: at(i * 1_000) }),
          firstSeenAt: finding({ institutionId, subject: `s${i}`, at: at(i * 1_000) }).at,
          count: 1,
        });
      }
      const first = await store().alerts.listByInstitution(institutionId, { limit: 3 });
      expect(first.alerts.map((a) => a.subject)).toEqual(['s4', 's3', 's2']);
      const second = await store().alerts.listByInstitution(institutionId, {
        limit: 3,
        before: first.next ?? undefined,
      });
      expect(second.alerts.map((a) => a.subject)).toEqual(['s1', 's0']);
      expect(second.next).toBeNull();
    });
  });
}
