import { describe, expect, it } from 'vitest';
import type { SecretSlot, VerifiedSlot } from '../../src/core/model.js';
import type { Store } from '../../src/ports/store.js';
import { aKeyWithSlots, anInstitution, aSlot, at, retiredFrom } from './fixtures.js';
import { expectConflict, seedKey } from './store-contract-support.js';

/** The projection of a slot that `findByDigests` returns. */
function verified(slot: SecretSlot): VerifiedSlot {
  const { keyId, slot: name, digestVersion, hint, generatedAt, imported } = slot;
  return { keyId, slot: name, digestVersion, hint, generatedAt, imported };
}

/** ApiKeyRepo: keys, slots, retired secrets, digest lookup. */
export function describeApiKeyContract(store: () => Store): void {
  describe('api keys', () => {
    it('inserts a key with its slots and reads them back exactly, primary first', async () => {
      const { key, slots } = await seedKey(store());
      expect(await store().keys.get(key.id)).toEqual(key);
      expect(await store().keys.getSlots(key.id)).toEqual(slots);
      expect(await store().keys.getSlot(key.id, 'secondary')).toEqual(slots[1]);
      expect(await store().keys.get(aKeyWithSlots(key.institutionId).key.id)).toBeNull();
    });

    it('reads the slots of many keys at once, primary first within each key', async () => {
      const institution = anInstitution();
      await store().institutions.insert(institution);
      const pairs = Array.from({ length: 3 }, () => aKeyWithSlots(institution.id));
      for (const { key, slots } of pairs) await store().keys.insert(key, slots);
      const ids = pairs.map((p) => p.key.id);
      const found = await store().keys.getSlotsOfKeys(ids);
      expect(found).toHaveLength(6);
      for (const { key, slots } of pairs)
        expect(found.filter((s) => s.keyId === key.id)).toEqual(slots);
      expect(await store().keys.getSlotsOfKeys([ids[0] as string])).toEqual(pairs[0]?.slots);
      expect(await store().keys.getSlotsOfKeys([])).toEqual([]);
    });

    it('round-trips a key without expiry or rate limit', async () => {
      const institution = anInstitution();
      await store().institutions.insert(institution);
      const { key, slots } = aKeyWithSlots(institution.id, {
        kind: 'manage',
        scopes: [],
        allowedCidrs: [],
        expiresAt: null,
        rateLimit: null,
      });
      await store().keys.insert(key, slots);
      expect(await store().keys.get(key.id)).toEqual(key);
    });

    it('lists non-cancelled keys by createdAt then id; get still returns cancelled ones', async () => {
      const institution = anInstitution();
      await store().institutions.insert(institution);
      const k1 = aKeyWithSlots(institution.id, { createdAt: at(300) });
      const k2 = aKeyWithSlots(institution.id, { createdAt: at(100), state: 'suspended' });
      const k3 = aKeyWithSlots(institution.id, { createdAt: at(200) });
      for (const k of [k1, k2, k3]) await store().keys.insert(k.key, k.slots);
      const other = await seedKey(store());

      const listed = await store().keys.listByInstitution(institution.id);
      expect(listed.map((k) => k.id)).toEqual([k2.key.id, k3.key.id, k1.key.id]);
      expect(listed).not.toContainEqual(other.key);

      const deletedAt = at(999);
      await store().keys.update(k3.key.id, {
        state: 'cancelled',
        deletedAt,
        updatedAt: deletedAt,
      });
      const after = await store().keys.listByInstitution(institution.id);
      expect(after.map((k) => k.id)).toEqual([k2.key.id, k1.key.id]);
      expect(await store().keys.get(k3.key.id)).toMatchObject({ state: 'cancelled', deletedAt });
    });

    it('updates the patched fields and updatedAt only', async () => {
      const { key } = await seedKey(store());
      const patch = {
        name: 'renamed',
        scopes: ['x'],
        allowedCidrs: ['192.0.2.0/24'],
        expiresAt: null,
        rateLimit: { limit: 1, windowSeconds: 3600 },
        state: 'suspended' as const,
        updatedAt: at(123_457),
      };
      const updated = await store().keys.update(key.id, patch);
      expect(updated).toEqual({ ...key, ...patch });
      expect(await store().keys.get(key.id)).toEqual(updated);
      const touched = await store().keys.update(key.id, { updatedAt: at(123_999) });
      expect(touched).toEqual({ ...updated, updatedAt: at(123_999) });
      expect(
        await store().keys.update(aKeyWithSlots(key.institutionId).key.id, { updatedAt: at() }),
      ).toBeNull();
    });

    it('updates only while the key is in the expected state: one concurrent caller wins', async () => {
      const { key } = await seedKey(store());
      const suspend = () =>
        store().transaction((tx) =>
          tx.keys.updateIfState(key.id, 'active', { state: 'suspended', updatedAt: at(200_001) }),
        );
      const results = await Promise.all([suspend(), suspend(), suspend()]);
      expect(results.filter((r) => r !== null)).toEqual([
        { ...key, state: 'suspended', updatedAt: at(200_001) },
      ]);
      expect(await store().keys.updateIfState(key.id, 'active', { updatedAt: at() })).toBeNull();
      expect(await store().keys.get(key.id)).toMatchObject({
        state: 'suspended',
        updatedAt: at(200_001),
      });
    });

    it('rejects a duplicate digest with CONFLICT, naming no digest, and inserts nothing', async () => {
      const { key, slots } = await seedKey(store());
      const clash = aKeyWithSlots(key.institutionId);
      const slotsWithClash = [clash.slots[0], { ...clash.slots[1], digest: slots[0].digest }];
      await expectConflict(store().keys.insert(clash.key, slotsWithClash), slots[0].digest);
      expect(await store().keys.get(clash.key.id)).toBeNull();
      expect(await store().keys.findByDigests([clash.slots[0].digest])).toBeNull();
    });

    it('lookups outside a transaction see only committed data', async () => {
      const { key, slots } = await seedKey(store());
      const fresh = aSlot(key.id, 'primary');
      await store()
        .transaction(async (tx) => {
          await tx.keys.replaceSlot(fresh);
          // The verification hot path must not see a change that may still roll back.
          expect(await store().keys.findByDigests([fresh.digest])).toBeNull();
          expect(await store().keys.findByDigests([slots[0].digest])).toMatchObject({
            kind: 'slot',
          });
          throw new Error('roll back');
        })
        .catch(() => {});
      expect(await store().keys.findByDigests([fresh.digest])).toBeNull();
      await store().keys.replaceSlot(fresh);
      expect(await store().keys.findByDigests([fresh.digest])).toEqual({
        kind: 'slot',
        key,
        slot: verified(fresh),
      });
    });

    it('replaces one slot and leaves the other alone', async () => {
      const { key, slots } = await seedKey(store());
      const fresh = aSlot(key.id, 'primary', { digestVersion: 2, generatedAt: at(77_777) });
      await store().keys.replaceSlot(fresh);
      expect(await store().keys.getSlots(key.id)).toEqual([fresh, slots[1]]);
      expect(await store().keys.findByDigests([slots[0].digest])).toBeNull();
    });

    it('keeps the imported flag of each slot; a replacement clears it', async () => {
      const institution = anInstitution();
      await store().institutions.insert(institution);
      const { key, slots } = aKeyWithSlots(institution.id);
      const imported = slots.map((s) => ({ ...s, imported: true, hint: '…9b8c' }));
      await store().keys.insert(key, imported);
      expect(await store().keys.getSlots(key.id)).toEqual(imported);
      expect(await store().keys.getSlotsOfKeys([key.id])).toEqual(imported);
      const [primary, secondary] = imported as [SecretSlot, SecretSlot];
      // The digest lookup carries the flag: it decides whether a legacy-format value may match.
      expect(await store().keys.findByDigests([primary.digest])).toEqual({
        kind: 'slot',
        key,
        slot: { ...verified(primary), imported: true },
      });
      const fresh = aSlot(key.id, 'primary');
      await store().keys.replaceSlot(fresh);
      expect(fresh.imported).toBe(false);
      expect(await store().keys.getSlots(key.id)).toEqual([fresh, secondary]);
      expect(await store().keys.findByDigests([fresh.digest])).toMatchObject({
        slot: { imported: false },
      });
    });

    it('rejects replacing a slot with a digest in use, naming no digest', async () => {
      const { key, slots } = await seedKey(store());
      const taken = slots[1].digest;
      await expectConflict(
        store().keys.replaceSlot(aSlot(key.id, 'primary', { digest: taken })),
        taken,
      );
      expect(await store().keys.getSlots(key.id)).toEqual(slots);
    });

    it('records retired secrets, lists them newest first, rejects duplicates', async () => {
      const { key, slots } = await seedKey(store());
      const older = retiredFrom(slots[0], key.institutionId, { retiredAt: at(10) });
      const newer = retiredFrom(slots[1], key.institutionId, {
        retiredAt: at(20),
        reason: 'deleted',
      });
      await store().keys.insertRetired(older);
      await store().keys.insertRetired(newer);
      expect(await store().keys.listRetired(key.id)).toEqual([newer, older]);
      await expectConflict(
        store().keys.insertRetired({ ...older, retiredAt: at(30) }),
        older.digest,
      );
    });

    it('finds a live slot, a retired secret, or nothing; a live slot wins', async () => {
      const { key, slots } = await seedKey(store());
      const hit = await store().keys.findByDigests([slots[1].digest]);
      // Only what verification reads: never the digest or the sealed secret.
      expect(hit).toEqual({ kind: 'slot', key, slot: verified(slots[1]) });

      const gone = retiredFrom(slots[0], key.institutionId);
      const replacement = aSlot(key.id, 'primary');
      await store().transaction(async (tx) => {
        await tx.keys.replaceSlot(replacement);
        await tx.keys.insertRetired(gone);
      });
      expect(await store().keys.findByDigests([gone.digest])).toEqual({
        kind: 'retired',
        retired: gone,
      });
      // One digest per pepper version: the live one wins over the retired one in any order.
      expect(await store().keys.findByDigests([gone.digest, replacement.digest])).toEqual({
        kind: 'slot',
        key,
        slot: verified(replacement),
      });
      expect(await store().keys.findByDigests([aSlot(key.id, 'primary').digest])).toBeNull();
      expect(await store().keys.findByDigests([])).toBeNull();
    });

    it('records the last use of a slot, never moving it backwards', async () => {
      const { key, slots } = await seedKey(store());
      const touch = (ms: number, from: string | null, userAgent: string | null) =>
        store().keys.touchSlot(key.id, 'secondary', { at: at(ms), from, userAgent });
      await touch(50_001, '198.51.100.7', 'client/2.1');
      expect(await store().keys.getSlot(key.id, 'secondary')).toEqual({
        ...slots[1],
        lastUsedAt: at(50_001),
        lastUsedFrom: '198.51.100.7',
        lastUserAgent: 'client/2.1',
      });
      await touch(40_000, '192.0.2.1', 'old/1.0');
      expect(await store().keys.getSlot(key.id, 'secondary')).toMatchObject({
        lastUsedAt: at(50_001),
        lastUsedFrom: '198.51.100.7',
        lastUserAgent: 'client/2.1',
      });
      await touch(60_000, null, null);
      expect(await store().keys.getSlot(key.id, 'secondary')).toMatchObject({
        lastUsedAt: at(60_000),
        lastUsedFrom: null,
        lastUserAgent: null,
      });
      expect(await store().keys.getSlot(key.id, 'primary')).toEqual(slots[0]);
    });

    it('deletes the slots of a key', async () => {
      const { key, slots } = await seedKey(store());
      const other = await seedKey(store());
      await store().keys.deleteSlots(key.id);
      expect(await store().keys.getSlots(key.id)).toEqual([]);
      expect(await store().keys.getSlot(key.id, 'primary')).toBeNull();
      expect(await store().keys.findByDigests(slots.map((s) => s.digest))).toBeNull();
      expect(await store().keys.getSlots(other.key.id)).toEqual(other.slots);
    });
  });
}
