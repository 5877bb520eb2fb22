import { describe, expect, it } from 'vitest';
import type { SlotClient, Store } from '../../src/ports/store.js';
import { at } from './fixtures.js';
import { seedKey } from './store-contract-support.js';

/** The per-slot client list (`slot_clients`). */
export function describeUsageContract(store: () => Store): void {
  describe('usage: clients per slot', () => {
    const client = (keyId: string, overrides: Partial<SlotClient> = {}): SlotClient => ({
      keyId,
      slot: 'primary',
      clientIp: '198.51.100.7',
      userAgent: 'billing/1.0',
      firstSeenAt: at(1_000),
      lastSeenAt: at(2_000),
      requests: 3,
      ...overrides,
    });

    it('merges observations: first/last seen widen, requests add up, in any order', async () => {
      const { key } = await seedKey(store());
      await store().usage.recordClients([client(key.id)]);
      await store().usage.recordClients([
        client(key.id, { firstSeenAt: at(500), lastSeenAt: at(1_500), requests: 2 }),
      ]);
      await store().usage.recordClients([
        client(key.id, { firstSeenAt: at(3_000), lastSeenAt: at(4_000), requests: 5 }),
      ]);
      expect(await store().usage.listClients(key.id, 10)).toEqual([
        client(key.id, { firstSeenAt: at(500), lastSeenAt: at(4_000), requests: 10 }),
      ]);
    });

    it('keeps slots, addresses and user agents apart; unknown ones are null; newest first', async () => {
      const { key } = await seedKey(store());
      const other = await seedKey(store());
      await store().usage.recordClients([
        client(key.id, { lastSeenAt: at(2_000) }),
        client(key.id, { slot: 'secondary', lastSeenAt: at(3_000) }),
        client(key.id, { userAgent: null, lastSeenAt: at(1_500) }),
        client(key.id, { clientIp: '2001:db8::1', lastSeenAt: at(2_500) }),
        client(key.id, { clientIp: null, userAgent: null, lastSeenAt: at(1_200) }),
        client(other.key.id, { lastSeenAt: at(9_000) }),
      ]);
      const listed = await store().usage.listClients(key.id, 10);
      expect(listed.map((c) => [c.slot, c.clientIp, c.userAgent])).toEqual([
        ['secondary', '198.51.100.7', 'billing/1.0'],
        ['primary', '2001:db8::1', 'billing/1.0'],
        ['primary', '198.51.100.7', 'billing/1.0'],
        ['primary', '198.51.100.7', null],
        ['primary', null, null],
      ]);
      expect(await store().usage.listClients(key.id, 2)).toHaveLength(2);
    });

    it('records inside a transaction, and a rollback records nothing', async () => {
      const { key } = await seedKey(store());
      await store()
        .transaction(async (tx) => {
          await tx.usage.recordClients([client(key.id)]);
          throw new Error('roll back');
        })
        .catch(() => {});
      expect(await store().usage.listClients(key.id, 10)).toEqual([]);
    });

    it('writes a large batch in one call', async () => {
      const { key } = await seedKey(store());
      const many = Array.from({ length: 1_234 }, (_, i) =>
        client(key.id, { clientIp: `10.0.${i >> 8}.${i & 255}` }),
      );
      await store().usage.recordClients(many);
      expect(await store().usage.listClients(key.id, 2_000)).toHaveLength(1_234);
    });
  });
}
