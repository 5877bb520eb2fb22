import { describe, expect, it } from 'vitest';
import { digestSecret } from './digest.js';
import { openSecret } from './envelope.js';
import { AppError } from './errors.js';
import {
  issuePair,
  regenerateSlot,
  retireAllSlots,
  type SecretFactoryContext,
} from './key-pair.js';
import { buildKeyring } from './keyring.js';
import { parseSecret, secretHint } from './secret-format.js';

const keyring = buildKeyring({
  peppers: { 1: Buffer.alloc(32, 1), 2: Buffer.alloc(32, 2) },
  masterKeys: { '1': Buffer.alloc(32, 3) },
});
const KEY = { id: 'key_AAAAAAAAAAAAAAAAAAAAAA', institutionId: 'ins_AAAAAAAAAAAAAAAAAAAAAA' };
const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-02-01T00:00:00Z');
const ctx = (overrides: Partial<SecretFactoryContext> = {}): SecretFactoryContext => ({
  prefix: 'kw_live',
  keyring,
  viewable: true,
  actorId: 'usr_creator',
  now: T0,
  ...overrides,
});

describe('issuePair', () => {
  it('issues two valid, distinct secrets with matching digests and hints', () => {
    const pair = issuePair(KEY, ctx());
    expect(pair.primary.secret).not.toBe(pair.secondary.secret);
    expect(pair.primary.slot.digest).not.toBe(pair.secondary.slot.digest);
    for (const name of ['primary', 'secondary'] as const) {
      const { secret, slot } = pair[name];
      expect(parseSecret(secret, 'kw_live').ok).toBe(true);
      expect(slot).toMatchObject({
        keyId: KEY.id,
        slot: name,
        digest: digestSecret(secret, keyring.currentPepper),
        digestVersion: 2,
        hint: secretHint(secret, 'kw_live'),
        generatedAt: T0,
        generatedBy: 'usr_creator',
        lastUsedAt: null,
        lastUsedFrom: null,
        lastUserAgent: null,
      });
      expect(JSON.stringify(slot)).not.toContain(secret.slice(8));
    }
  });

  it('seals each secret to its own slot when viewable', () => {
    const pair = issuePair(KEY, ctx());
    const context = { institutionId: KEY.institutionId, keyId: KEY.id };
    const sealed = pair.primary.slot.sealed;
    expect(sealed).not.toBeNull();
    if (!sealed) return;
    expect(openSecret(sealed, { ...context, slot: 'primary' }, keyring)).toBe(pair.primary.secret);
    expect(() => openSecret(sealed, { ...context, slot: 'secondary' }, keyring)).toThrow(AppError);
    const secondary = pair.secondary.slot.sealed;
    expect(secondary && openSecret(secondary, { ...context, slot: 'secondary' }, keyring)).toBe(
      pair.secondary.secret,
    );
  });

  it('keeps no ciphertext when not viewable', () => {
    const pair = issuePair(KEY, ctx({ viewable: false }));
    expect(pair.primary.slot.sealed).toBeNull();
    expect(pair.secondary.slot.sealed).toBeNull();
  });

  it('uses the configured prefix', () => {
    const pair = issuePair(KEY, ctx({ prefix: 'acme' }));
    expect(pair.primary.secret.startsWith('acme_')).toBe(true);
    expect(pair.primary.slot.hint).toMatch(/^acme_…[0-9A-Za-z]{4}$/);
  });
});

describe('regenerateSlot', () => {
  it('replaces only the given slot and retires its old digest', () => {
    const pair = issuePair(KEY, ctx());
    const { issued, retired } = regenerateSlot(
      KEY,
      pair.secondary.slot,
      ctx({ actorId: 'usr_admin', now: T1 }),
    );
    expect(issued.slot.slot).toBe('secondary');
    expect(issued.secret).not.toBe(pair.secondary.secret);
    expect(issued.secret).not.toBe(pair.primary.secret);
    expect(issued.slot.digest).toBe(digestSecret(issued.secret, keyring.currentPepper));
    expect(issued.slot).toMatchObject({
      keyId: KEY.id,
      generatedAt: T1,
      generatedBy: 'usr_admin',
      lastUsedAt: null,
    });
    expect(retired).toEqual({
      digest: pair.secondary.slot.digest,
      digestVersion: pair.secondary.slot.digestVersion,
      keyId: KEY.id,
      institutionId: KEY.institutionId,
      slot: 'secondary',
      hint: pair.secondary.slot.hint,
      retiredAt: T1,
      retiredBy: 'usr_admin',
      reason: 'regenerated',
      graceUntil: null,
    });
  });

  it('refuses a slot of another key', () => {
    const pair = issuePair(KEY, ctx());
    expect(() => regenerateSlot({ ...KEY, id: 'key_other' }, pair.primary.slot, ctx())).toThrow(
      AppError,
    );
  });
});

describe('retireAllSlots', () => {
  it('retires every slot with reason deleted', () => {
    const pair = issuePair(KEY, ctx());
    const retired = retireAllSlots(KEY, [pair.primary.slot, pair.secondary.slot], 'usr_admin', T1);
    expect(retired.map((r) => [r.slot, r.digest, r.reason, r.retiredBy, r.retiredAt])).toEqual([
      ['primary', pair.primary.slot.digest, 'deleted', 'usr_admin', T1],
      ['secondary', pair.secondary.slot.digest, 'deleted', 'usr_admin', T1],
    ]);
    expect(retired.every((r) => r.institutionId === KEY.institutionId && r.keyId === KEY.id)).toBe(
      true,
    );
    expect(retireAllSlots(KEY, [], 'usr_admin', T1)).toEqual([]);
  });
});
