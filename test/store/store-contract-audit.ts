import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import { aKeyWithSlots, anAuditInput, anInstitution, aSlot, at, retiredFrom } from './fixtures.js';
import { expectConflict, lastSeq, seedKey, wholeChain } from './store-contract-support.js';

/** AuditRepo (the hash chain, paging, concurrency) and Store.transaction. */
export function describeAuditContract(store: () => Store): void {
  describe('audit log', () => {
    it('appends to a gapless, verifiable chain that round-trips exactly', async () => {
      const before = await lastSeq(store());
      const input = anAuditInput({
        at: new Date(Date.UTC(2031, 5, 6, 7, 8, 9, 987)),
        details: {
          ünïcode: 'ç∂ 🔑',
          when: new Date(Date.UTC(2031, 0, 1, 0, 0, 0, 1)),
          n: [0, -1.5, 1e21, null, false],
          z: { b: 2, a: 1 },
        },
      });
      const event = await store().audit.append(input);
      expect(event.seq).toBe(before + 1);
      const second = await store().audit.append(anAuditInput());
      expect(second).toMatchObject({ seq: before + 2, prevHash: event.hash });

      const stored = await store().audit.scan(before, 10);
      expect(stored).toEqual([event, second]);
      expect(stored[0]?.at.toISOString()).toBe('2031-06-06T07:08:09.987Z');
      expect(stored[0]?.details).toMatchObject({ when: '2031-01-01T00:00:00.001Z' });
      expect(await wholeChain(store())).toMatchObject({ ok: true });
    });

    it('scans ascending after a seq, at most limit', async () => {
      await store().audit.append(anAuditInput());
      await store().audit.append(anAuditInput());
      await store().audit.append(anAuditInput());
      const last = await lastSeq(store());
      const page = await store().audit.scan(last - 3, 2);
      expect(page.map((e) => e.seq)).toEqual([last - 2, last - 1]);
      expect(await store().audit.scan(last, 10)).toEqual([]);
    });

    it('pages an institution newest first with beforeSeq', async () => {
      const mine = anInstitution().id;
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) {
        seqs.push((await store().audit.append(anAuditInput({ institutionId: mine }))).seq);
        await store().audit.append(anAuditInput({ institutionId: anInstitution().id }));
      }
      const newestFirst = [...seqs].reverse();

      const p1 = await store().audit.listByInstitution(mine, { limit: 2 });
      expect(p1.events.map((e) => e.seq)).toEqual(newestFirst.slice(0, 2));
      expect(p1.events.every((e) => e.institutionId === mine)).toBe(true);
      expect(p1.nextBeforeSeq).toBe(newestFirst[1]);
      const p2 = await store().audit.listByInstitution(mine, {
        limit: 2,
        beforeSeq: p1.nextBeforeSeq ?? 0,
      });
      expect(p2.events.map((e) => e.seq)).toEqual(newestFirst.slice(2, 4));
      const p3 = await store().audit.listByInstitution(mine, {
        limit: 2,
        beforeSeq: p2.nextBeforeSeq ?? 0,
      });
      expect(p3.events.map((e) => e.seq)).toEqual(newestFirst.slice(4));
      expect(p3.nextBeforeSeq).toBeNull();

      const exact = await store().audit.listByInstitution(mine, { limit: 5 });
      expect(exact.events).toHaveLength(5);
      expect(exact.nextBeforeSeq).toBeNull();
    });

    it('rejects a duplicate event id with CONFLICT and keeps the chain intact', async () => {
      const input = anAuditInput();
      await store().audit.append(input);
      const before = await lastSeq(store());
      await expectConflict(store().audit.append({ ...input, at: at(1) }));
      expect(await lastSeq(store())).toBe(before);
    });

    it('keeps the chain gapless under 20 concurrent appending transactions', async () => {
      const before = await lastSeq(store());
      const events = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().transaction(async (tx) => {
            const institution = anInstitution();
            await tx.institutions.insert(institution);
            return tx.audit.append(anAuditInput({ institutionId: institution.id, details: { i } }));
          }),
        ),
      );
      expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => before + i + 1),
      );
      const chain = await wholeChain(store());
      expect(chain.ok).toBe(true);
      expect(chain.events.at(-1)?.seq).toBe(before + 20);
    });

    it('keeps the chain gapless under concurrent appends outside a transaction', async () => {
      const before = await lastSeq(store());
      await Promise.all(Array.from({ length: 10 }, () => store().audit.append(anAuditInput())));
      const chain = await wholeChain(store());
      expect(chain.ok).toBe(true);
      expect(chain.events.at(-1)?.seq).toBe(before + 10);
    });
  });

  describe('transactions', () => {
    it('commits every write together and returns the result', async () => {
      const institution = anInstitution();
      const result = await store().transaction(async (tx) => {
        await tx.institutions.insert(institution);
        const { key, slots } = aKeyWithSlots(institution.id);
        await tx.keys.insert(key, slots);
        // Reads inside the transaction see its own writes.
        expect(await tx.keys.get(key.id)).toEqual(key);
        return key.id;
      });
      expect(await store().keys.get(result)).not.toBeNull();
      expect(await store().institutions.get(institution.id)).toEqual(institution);
    });

    it('rolls back everything on throw and rethrows the same error', async () => {
      const { key, slots } = await seedKey(store());
      const seqBefore = await lastSeq(store());
      const boom = new Error('boom');
      const failed = store().transaction(async (tx) => {
        await tx.keys.replaceSlot(aSlot(key.id, 'primary'));
        await tx.keys.insertRetired(retiredFrom(slots[0], key.institutionId));
        await tx.keys.update(key.id, { name: 'changed', updatedAt: at(1) });
        await tx.audit.append(anAuditInput({ institutionId: key.institutionId }));
        throw boom;
      });
      await expect(failed).rejects.toBe(boom);

      expect(await store().keys.getSlots(key.id)).toEqual(slots);
      expect(await store().keys.listRetired(key.id)).toEqual([]);
      expect(await store().keys.get(key.id)).toEqual(key);
      expect(await lastSeq(store())).toBe(seqBefore);
      expect(await store().audit.listByInstitution(key.institutionId, { limit: 5 })).toEqual({
        events: [],
        nextBeforeSeq: null,
      });
      // The next append continues the chain without a gap.
      const next = await store().audit.append(anAuditInput());
      expect(next.seq).toBe(seqBefore + 1);
      expect((await wholeChain(store())).ok).toBe(true);
    });

    it('rolls back on a CONFLICT inside the transaction', async () => {
      const { key, slots } = await seedKey(store());
      const institution = anInstitution();
      const failed = store().transaction(async (tx) => {
        await tx.institutions.insert(institution);
        await tx.keys.insertRetired(retiredFrom(slots[0], key.institutionId));
        await tx.keys.insertRetired(retiredFrom(slots[0], key.institutionId));
      });
      await expectConflict(failed, slots[0].digest);
      expect(await store().institutions.get(institution.id)).toBeNull();
      expect(await store().keys.listRetired(key.id)).toEqual([]);
    });
  });
}
