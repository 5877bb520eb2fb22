import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { generateSecret } from '../../src/core/secret-format.js';
import { failureSubject } from '../../src/services/verifier.js';
import { PREFIX, verifierWorldOpener } from './verifier-fixture.js';

/** The verifier's limits (per key, per institution, failures per source address), store faults. */

const open = verifierWorldOpener();

describe('Verifier: rate limits', () => {
  it('per key: RATE_LIMITED with Retry-After beyond the limit; other keys unaffected', async () => {
    const w = await open();
    const limited = await w.newKey({ rateLimit: { limit: 3, windowSeconds: 60 } });
    const other = await w.newKey({ rateLimit: { limit: 3, windowSeconds: 60 } });
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Both slots draw on the key's one quota.
      const secret = i % 2 === 0 ? limited.primary : limited.secondary;
      const result = await w.verifier.verify({ secret });
      if (!result.valid) throw new Error(`refused: ${result.code}`);
      remaining.push(result.rateLimit?.remaining ?? -1);
      expect(result.rateLimit?.limit).toBe(3);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = await w.verifier.verify({ secret: limited.primary });
    expect(refused).toMatchObject({
      valid: false,
      code: 'RATE_LIMITED',
      key: { id: limited.key.id },
      rateLimit: { limit: 3, remaining: 0 },
    });
    const wait = refused.valid ? 0 : (refused.retryAfterSeconds ?? 0);
    expect(wait).toBeGreaterThan(0);
    expect((await w.verifier.verify({ secret: other.primary })).valid).toBe(true);
    w.clock.advance(wait * 1000);
    expect((await w.verifier.verify({ secret: limited.primary })).valid).toBe(true);
  });

  it('a refused secret does not consume quota', async () => {
    const w = await open();
    const { primary } = await w.newKey({
      scopes: ['a'],
      rateLimit: { limit: 1, windowSeconds: 60 },
    });
    for (let i = 0; i < 3; i++) {
      expect(await w.verifier.verify({ secret: primary, scope: 'b' })).toMatchObject({
        code: 'FORBIDDEN_SCOPE',
      });
    }
    expect((await w.verifier.verify({ secret: primary, scope: 'a' })).valid).toBe(true);
  });

  it('per institution: keys of one institution share its limit; the tighter info is reported', async () => {
    const w = await open();
    await w.setInstitutionLimits(w.institutionId, { rateLimit: { limit: 3, windowSeconds: 60 } });
    const a = await w.newKey({ rateLimit: { limit: 100, windowSeconds: 60 } });
    const b = await w.newKey();
    const elsewhere = await w.newKey({}, await w.newInstitution());
    const first = await w.verifier.verify({ secret: a.primary });
    expect(first.valid && first.rateLimit).toEqual({ limit: 3, remaining: 2, resetSeconds: 60 });
    await w.verifier.verify({ secret: b.primary });
    await w.verifier.verify({ secret: a.secondary });
    expect(await w.verifier.verify({ secret: b.secondary })).toMatchObject({
      code: 'RATE_LIMITED',
      rateLimit: { limit: 3, remaining: 0 },
    });
    const other = await w.verifier.verify({ secret: elsewhere.primary });
    expect(other.valid && other.rateLimit).toBeNull();
  });

  it("the institution's default key limit applies to each key without its own", async () => {
    const w = await open();
    await w.setInstitutionLimits(w.institutionId, {
      defaultRateLimit: { limit: 2, windowSeconds: 60 },
    });
    const plain = await w.newKey();
    const otherPlain = await w.newKey();
    const own = await w.newKey({ rateLimit: { limit: 5, windowSeconds: 60 } });
    for (let i = 0; i < 2; i++)
      expect((await w.verifier.verify({ secret: plain.primary })).valid).toBe(true);
    expect(await w.verifier.verify({ secret: plain.secondary })).toMatchObject({
      code: 'RATE_LIMITED',
      rateLimit: { limit: 2, remaining: 0 },
    });
    // Per key, not shared: another key without a limit has its own two.
    expect((await w.verifier.verify({ secret: otherPlain.primary })).valid).toBe(true);
    const result = await w.verifier.verify({ secret: own.primary });
    expect(result.valid && result.rateLimit).toEqual({ limit: 5, remaining: 4, resetSeconds: 60 });
  });

  it('a settings change applies from the very next verification once announced', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    const before = await w.verifier.verify({ secret: primary });
    expect(before.valid && before.rateLimit).toBeNull();
    await w.setInstitutionLimits(w.institutionId, { rateLimit: { limit: 1, windowSeconds: 60 } });
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect(await w.verifier.verify({ secret: primary })).toMatchObject({ code: 'RATE_LIMITED' });
    await w.setInstitutionLimits(w.institutionId, { rateLimit: null });
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
  });

  it('institution settings that cannot be read fail closed (STORE_UNAVAILABLE), never unlimited', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    await w.store.close();
    // The key lookup goes through the fixture (and the closed store): either read refuses.
    await expect(w.verifier.verify({ secret: primary })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});

describe('Verifier: key kinds', () => {
  it('refuses a manage key as FORBIDDEN_SCOPE: it authenticates the admin API, not APIs', async () => {
    const w = await open();
    const manage = await w.newKey({ kind: 'manage', scopes: ['orders'] });
    expect(await w.verifier.verify({ secret: manage.primary })).toMatchObject({
      valid: false,
      code: 'FORBIDDEN_SCOPE',
      key: { id: manage.key.id },
    });
    expect(await w.verifier.verify({ secret: manage.secondary, scope: 'orders' })).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
    });
  });
});

describe('Verifier: failed authentications per source address', () => {
  const FLOODER = '203.0.113.66';
  const HONEST = '198.51.100.10';

  it('blocks an address flooding unknown secrets, without touching a valid secret from another address', async () => {
    const w = await open({ failures: { maxFailures: 5, windowSeconds: 60 } });
    const { primary } = await w.newKey();
    for (let i = 0; i < 5; i++) {
      expect(
        await w.verifier.verify({ secret: generateSecret(PREFIX), clientIp: FLOODER }),
      ).toMatchObject({ code: 'NOT_FOUND' });
    }
    const lookups = w.lookups();
    const cached = w.cache.negativeSize;
    for (let i = 0; i < 50; i++) {
      const blocked = await w.verifier.verify({
        secret: generateSecret(PREFIX),
        clientIp: FLOODER,
      });
      expect(blocked).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
      expect(blocked.valid ? 0 : blocked.retryAfterSeconds).toBeGreaterThan(0);
      expect((await w.verifier.verify({ secret: primary, clientIp: HONEST })).valid).toBe(true);
    }
    // Refused before hashing: no store read, nothing cached for the flood.
    expect(w.lookups()).toBe(lookups + 1);
    expect(w.cache.negativeSize).toBe(cached);
    // The block applies to everything from that address, and ends with the window.
    expect(await w.verifier.verify({ secret: primary, clientIp: FLOODER })).toMatchObject({
      code: 'RATE_LIMITED',
    });
    w.clock.advance(60_000);
    expect((await w.verifier.verify({ secret: primary, clientIp: FLOODER })).valid).toBe(true);
  });

  it('counts malformed and retired secrets as failures, but not refusals of a live key', async () => {
    const w = await open({ failures: { maxFailures: 3, windowSeconds: 60 } });
    const { key, primary, secondary } = await w.newKey({ scopes: ['a'] });
    for (let i = 0; i < 10; i++) {
      expect(
        await w.verifier.verify({ secret: primary, scope: 'b', clientIp: FLOODER }),
      ).toMatchObject({ code: 'FORBIDDEN_SCOPE' });
    }
    expect((await w.verifier.verify({ secret: primary, clientIp: FLOODER })).valid).toBe(true);
    await w.regenerate(key.id, 'secondary');
    await w.events.keyChanged(key.id);
    await w.verifier.verify({ secret: 'junk', clientIp: FLOODER });
    await w.verifier.verify({ secret: secondary, clientIp: FLOODER });
    expect(await w.verifier.verify({ secret: secondary, clientIp: FLOODER })).toMatchObject({
      code: 'RETIRED',
    });
    expect(await w.verifier.verify({ secret: primary, clientIp: FLOODER })).toMatchObject({
      code: 'RATE_LIMITED',
    });
  });

  it('limits IPv6 per /64 and IPv4-mapped addresses as IPv4', async () => {
    const w = await open({ failures: { maxFailures: 2, windowSeconds: 60 } });
    const { primary } = await w.newKey();
    await w.verifier.verify({ secret: 'junk', clientIp: '2001:db8:1:2::1' });
    await w.verifier.verify({ secret: 'junk', clientIp: '2001:db8:1:2:ffff::9' });
    expect(
      await w.verifier.verify({ secret: primary, clientIp: '2001:db8:1:2::abc' }),
    ).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await w.verifier.verify({ secret: primary, clientIp: '2001:db8:1:3::1' })).valid).toBe(
      true,
    );
    expect(failureSubject('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(failureSubject('192.0.2.1')).toBe('192.0.2.1');
    expect(failureSubject('2001:DB8:1:2:0:0:0:1')).toBe('2001:db8:1:2::/64');
  });

  it('without a client address there is nothing to limit by', async () => {
    const w = await open({ failures: { maxFailures: 1, windowSeconds: 60 } });
    const { primary } = await w.newKey();
    for (let i = 0; i < 5; i++) await w.verifier.verify({ secret: generateSecret(PREFIX) });
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
  });
});

describe('Verifier: store faults', () => {
  it('store down: STORE_UNAVAILABLE for uncached secrets; cached answers still served', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    const known = await w.newKey();
    const unknown = generateSecret(PREFIX);
    await w.verifier.verify({ secret: primary });
    await w.verifier.verify({ secret: unknown });
    w.storeDown = true;
    const fault = await w.verifier.verify({ secret: known.primary }).catch((err: unknown) => err);
    expect(fault).toBeInstanceOf(AppError);
    expect((fault as AppError).code).toBe('STORE_UNAVAILABLE');
    // The fault names no secret.
    expect((fault as AppError).message).not.toContain(known.primary);
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect(await w.verifier.verify({ secret: unknown })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('does not cache the fault: once the store is back the secret verifies', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    w.storeDown = true;
    await expect(w.verifier.verify({ secret: primary })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    await expect(w.verifier.verify({ secret: primary })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    w.storeDown = false;
    expect((await w.verifier.verify({ secret: primary })).valid).toBe(true);
    expect(w.lookups()).toBe(3);
  });

  it('a store fault is not counted as a failed authentication', async () => {
    const w = await open({ failures: { maxFailures: 1, windowSeconds: 60 } });
    const { primary } = await w.newKey();
    w.storeDown = true;
    for (let i = 0; i < 3; i++) {
      await w.verifier.verify({ secret: primary, clientIp: '192.0.2.5' }).catch(() => {});
    }
    w.storeDown = false;
    expect((await w.verifier.verify({ secret: primary, clientIp: '192.0.2.5' })).valid).toBe(true);
  });

  it('a closed SQLite store becomes STORE_UNAVAILABLE, never a verdict', async () => {
    const w = await open();
    const { primary } = await w.newKey();
    await w.store.close();
    await expect(w.verifier.verify({ secret: primary })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
