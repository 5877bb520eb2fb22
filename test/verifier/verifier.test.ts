import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestSecret } from '../../src/core/digest.js';
import { newId } from '../../src/core/ids.js';
import { issuePair } from '../../src/core/key-pair.js';
import { buildKeyring } from '../../src/core/keyring.js';
import { generateSecret } from '../../src/core/secret-format.js';
import { PREFIX, verifierWorldOpener } from './verifier-fixture.js';

/**
 * The verification hot path on a real SQLite store: outcomes, the cache, and invalidation.
 * (Limits and store faults: verifier-limits.test.ts.)
 */

const open = verifierWorldOpener();

describe('Verifier: outcomes', () => {
  it('accepts both secrets of an active key, naming the slot each one used', async () => {
    const w = await open();
    const { key, primary, secondary } = await w.newKey();
    const a = await w.verifier.verify({ secret: primary });
    const b = await w.verifier.verify({ secret: secondary });
    expect(a).toMatchObject({ valid: true, key: { id: key.id }, slot: { slot: 'primary' } });
    expect(b).toMatchObject({ valid: true, key: { id: key.id }, slot: { slot: 'secondary' } });
    expect(a.valid && a.rateLimit).toBeNull();
  });

  it('refuses a well-formed secret nobody issued as NOT_FOUND', async () => {
    const w = await open();
    expect(await w.verifier.verify({ secret: generateSecret(PREFIX) })).toEqual({
      valid: false,
      code: 'NOT_FOUND',
    });
  });

  it('EXPIRED once the injected clock passes expiresAt — decided per request, not cached', async () => {
    const w = await open();
    const { primary } = await w.newKey({ expiresAt: new Date(w.clock.ms + 10_000) });
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    w.clock.advance(9_999);
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    w.clock.advance(1);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({
      valid: false,
      code: 'EXPIRED',
    });
    // The cached match served all three: the verdict was re-decided against the clock.
    expect(w.lookups()).toBe(1);
  });

  it('checks the scope the caller requires against the same cached match', async () => {
    const w = await open();
    const { primary } = await w.newKey({ scopes: ['messages', 'billing:read'] });
    expect((await w.verifier.verify({ secret: primary, scope: 'messages' })).valid).toBe(true);
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect(await w.verifier.verify({ secret: primary, scope: 'billing:write' })).toMatchObject({
      valid: false,
      code: 'FORBIDDEN_SCOPE',
    });
    expect(w.lookups()).toBe(1);
  });

  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['192.0.2.1', false],
    ['2001:db8::1', true],
    ['2001:db8:ffff::1', true],
    ['2001:db9::1', false],
    ['::1', false],
    [undefined, false],
  ])('allowed CIDRs 10.0.0.0/8 and 2001:db8::/32: client %s → valid %s', async (ip, ok) => {
    const w = await open();
    const { primary } = await w.newKey({ allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    const result = await w.verifier.verify({ secret: primary, clientIp: ip });
    if (ok) expect(result.valid).toBe(true);
    else expect(result).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED' });
  });

  it.each([
    ['empty', ''],
    ['another prefix', () => generateSecret('kw_other')],
    ['bad checksum', (s: string) => `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`],
    ['one character short', (s: string) => s.slice(0, -1)],
    ['one character long', (s: string) => `${s}0`],
    ['non-base62 character', (s: string) => `${s.slice(0, 12)}-${s.slice(13)}`],
    ['surrounding space', (s: string) => ` ${s}`],
    ['not a string', () => 42 as unknown as string],
  ])('junk (%s) is MALFORMED and reaches neither the cache nor the store', async (_n, make) => {
    const w = await open();
    const { primary } = await w.newKey();
    const secret = typeof make === 'function' ? make(primary) : make;
    expect(await w.verifier.verify({ secret, clientIp: '198.51.100.7' })).toEqual({
      valid: false,
      code: 'MALFORMED',
    });
    expect(w.lookups()).toBe(0);
    expect(w.cache.positiveSize + w.cache.negativeSize).toBe(0);
  });

  it('finds secrets issued under an older pepper after a rotation, and caches them', async () => {
    const pepper1 = randomBytes(32);
    const masterKeys = { 1: randomBytes(32) };
    const before = buildKeyring({ peppers: { 1: pepper1 }, masterKeys });
    const after = buildKeyring({ peppers: { 1: pepper1, 2: randomBytes(32) }, masterKeys });
    const w = await open({ keyring: after });
    const key = { id: newId('key'), institutionId: w.institutionId };
    // Issue under the old keyring, as the key service did before the rotation.
    const { key: stored } = await w.newKey({ id: key.id });
    const old = issuePair(key, {
      prefix: PREFIX,
      keyring: before,
      viewable: false,
      actorId: 'usr_x',
      now: w.clock.now(),
    });
    await w.store.keys.replaceSlot(old.primary.slot);
    const first = await w.verifier.verify({ secret: old.primary.secret });
    expect(first).toMatchObject({ valid: true, key: { id: stored.id } });
    expect(first.valid && first.slot.digestVersion).toBe(1);
    await w.verifier.verify({ secret: old.primary.secret });
    expect(w.lookups()).toBe(1);
  });
});

describe('Verifier: cache and invalidation', () => {
  it('serves repeated verifications from the cache, and remembers "not found" briefly', async () => {
    const w = await open({ cache: { negativeTtlMs: 5_000 } });
    const { primary } = await w.newKey();
    const unknown = generateSecret(PREFIX);
    for (let i = 0; i < 5; i++) {
      expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
      expect(await w.verifier.verify({ secret: unknown })).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(w.lookups()).toBe(2);
    w.clock.advance(5_000);
    await w.verifier.verify({ secret: unknown });
    expect(w.lookups()).toBe(3);
  });

  it('keys the cache by a salted digest, never by the secret', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    await w.verifier.verify({ secret: primary });
    const cacheKey = w.cache.keyOf(primary);
    expect(cacheKey).not.toContain(primary.slice(8));
    expect(cacheKey).not.toBe(digestSecret(primary, w.keyring.currentPepper));
    expect(w.cache.get(cacheKey, w.clock.ms)).toMatchObject({ kind: 'slot' });
    expect(w.cache.get(primary, w.clock.ms)).toBeUndefined();
  });

  it('regenerate + keyChanged: the old secret is RETIRED on the very next verify, though it was cached', async () => {
    const w = await open();
    const { key, primary, secondary } = await w.newKey();
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect((await w.verifier.verify({ secret: secondary })).valid).toBe(true);
    const newPrimary = await w.regenerate(key.id, 'primary');
    // Without the announcement the cache still holds the old match (the TTL is only a backstop)…
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    // …with it, the very next request sees the change.
    await w.events.keyChanged(key.id);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({
      valid: false,
      code: 'RETIRED',
      retired: { keyId: key.id, slot: 'primary', reason: 'regenerated' },
    });
    expect(await w.verifier.verify({ secret: newPrimary })).toMatchObject({
      valid: true,
      slot: { slot: 'primary' },
    });
    expect(await w.verifier.verify({ secret: secondary })).toMatchObject({
      valid: true,
      slot: { slot: 'secondary' },
    });
  });

  it('suspend + keyChanged → SUSPENDED on the next verify; reactivate → valid again', async () => {
    const w = await open();
    const { key, primary } = await w.newKey();
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    await w.store.keys.update(key.id, { state: 'suspended', updatedAt: w.clock.now() });
    await w.events.keyChanged(key.id);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({
      valid: false,
      code: 'SUSPENDED',
      key: { id: key.id },
    });
    await w.store.keys.update(key.id, { state: 'active', updatedAt: w.clock.now() });
    await w.events.keyChanged(key.id);
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
  });

  it('a restriction edit + keyChanged applies on the next verify', async () => {
    const w = await open();
    const { key, primary } = await w.newKey({ scopes: ['messages'] });
    expect((await w.verifier.verify({ secret: primary, scope: 'messages' })).valid).toBe(true);
    await w.store.keys.update(key.id, { scopes: ['other'], updatedAt: w.clock.now() });
    await w.events.keyChanged(key.id);
    expect(await w.verifier.verify({ secret: primary, scope: 'messages' })).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
    });
  });

  it('delete + keyChanged: both secrets are RETIRED (reason deleted)', async () => {
    const w = await open();
    const { key, primary, secondary } = await w.newKey();
    await w.verifier.verify({ secret: primary });
    await w.verifier.verify({ secret: secondary });
    await w.deleteKey(key.id);
    await w.events.keyChanged(key.id);
    for (const secret of [primary, secondary]) {
      expect(await w.verifier.verify({ secret })).toMatchObject({
        code: 'RETIRED',
        retired: { reason: 'deleted' },
      });
    }
  });

  it('a change during an in-flight store read is not re-inserted into the cache', async () => {
    const w = await open();
    const { key, primary } = await w.newKey();
    let release: () => void = () => {};
    w.holdReads = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The store read happens now, before the change commits…
    const inFlight = w.verifier.verify({ secret: primary });
    while (w.readsHeld === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await w.store.keys.update(key.id, { state: 'suspended', updatedAt: w.clock.now() });
    await w.events.keyChanged(key.id);
    release();
    // …so that request still saw the key active (it began before the change)…
    expect((await inFlight).valid).toBe(true);
    w.holdReads = null;
    // …the admin API has answered: the next request must see the suspension.
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({ code: 'SUSPENDED' });
  });

  it('the positive TTL is a backstop: an unannounced change is seen once it lapses', async () => {
    const w = await open({ cache: { positiveTtlMs: 30_000 } });
    const { key, primary } = await w.newKey();
    await w.verifier.verify({ secret: primary });
    await w.store.keys.update(key.id, { state: 'suspended', updatedAt: w.clock.now() });
    w.clock.advance(30_000);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({ code: 'SUSPENDED' });
  });

  it('close() stops listening to key changes', async () => {
    const w = await open();
    expect(w.events.listenerCount).toBe(1);
    w.verifier.close();
    expect(w.events.listenerCount).toBe(0);
  });
});
