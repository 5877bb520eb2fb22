import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestSecret } from '../../src/core/digest.js';
import { importPair } from '../../src/core/imported-pair.js';
import { regenerateSlot } from '../../src/core/key-pair.js';
import { anApiKey } from '../store/fixtures.js';
import { PREFIX, type VerifierWorld, verifierWorldOpener } from './verifier-fixture.js';

/**
 * Legacy-format (imported) secrets on the verification hot path: exact length and alphabet are
 * the pre-filter, the lookup goes through the same cache, and only an imported slot accepts one.
 */

const open = verifierWorldOpener();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function importedKey(w: VerifierWorld) {
  const key = anApiKey(w.institutionId, {
    scopes: [],
    allowedCidrs: [],
    expiresAt: null,
    rateLimit: null,
  });
  const values = { primary: hex(16), secondary: hex(32) };
  const pair = importPair(key, values, {
    prefix: PREFIX,
    keyring: w.keyring,
    viewable: false,
    actorId: 'usr_importer',
    now: w.clock.now(),
  });
  await w.store.keys.insert(key, [pair.primary, pair.secondary]);
  return { key, pair, ...values };
}

describe('Verifier: imported legacy-format secrets', () => {
  it('accepts both values of an imported key (32 and 64 hex), flagged imported, then from the cache', async () => {
    const w = await open();
    const { key, primary, secondary } = await importedKey(w);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({
      valid: true,
      key: { id: key.id },
      slot: { slot: 'primary', imported: true },
    });
    expect(await w.verifier.verify({ secret: secondary })).toMatchObject({
      valid: true,
      slot: { slot: 'secondary', imported: true },
    });
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect(w.lookups()).toBe(2);
  });

  it('looks up an unknown legacy-format value once (then the negative cache) and counts it as a failure', async () => {
    const w = await open({ failures: { maxFailures: 2, windowSeconds: 60 } });
    const unknown = hex(16);
    const input = { secret: unknown, clientIp: '192.0.2.9' };
    expect(await w.verifier.verify(input)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await w.verifier.verify(input)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(w.lookups()).toBe(1);
    expect(await w.verifier.verify(input)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('refuses anything else before hashing: no lookup', async () => {
    const w = await open();
    const { primary } = await importedKey(w);
    for (const secret of [
      primary.toUpperCase(),
      primary.slice(1),
      `${primary}0`,
      hex(24),
      `${primary.slice(0, 31)}g`,
      `${primary.slice(0, 8)}-${primary.slice(8)}`,
    ]) {
      expect(await w.verifier.verify({ secret })).toEqual({ valid: false, code: 'MALFORMED' });
    }
    expect(w.lookups()).toBe(0);
  });

  it('a legacy-format value matching a slot not flagged imported is refused (fails closed)', async () => {
    const w = await open();
    const { key } = await w.newKey();
    const value = hex(16);
    // Cannot happen through the services (only an import stores such a value); forced here.
    const slot = (await w.store.keys.getSlot(key.id, 'primary')) ?? undefined;
    if (!slot) throw new Error('no primary slot');
    await w.store.keys.replaceSlot({
      ...slot,
      digest: digestSecret(value, w.keyring.currentPepper),
      imported: false,
    });
    expect(await w.verifier.verify({ secret: value })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('an imported value is RETIRED once its slot is regenerated; the other imported value still works', async () => {
    const w = await open();
    const { key, pair, primary, secondary } = await importedKey(w);
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    const { issued, retired } = regenerateSlot(key, pair.primary, {
      prefix: PREFIX,
      keyring: w.keyring,
      viewable: false,
      actorId: 'usr_x',
      now: w.clock.now(),
    });
    await w.store.transaction(async (tx) => {
      await tx.keys.insertRetired(retired);
      await tx.keys.replaceSlot(issued.slot);
    });
    await w.events.keyChanged(key.id);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({
      valid: false,
      code: 'RETIRED',
    });
    expect(await w.verifier.verify({ secret: issued.secret })).toMatchObject({
      valid: true,
      slot: { slot: 'primary', imported: false },
    });
    expect((await w.verifier.verify({ secret: secondary })).valid).toBe(true);
  });
});
