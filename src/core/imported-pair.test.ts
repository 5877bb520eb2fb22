import { describe, expect, it } from 'vitest';
import { digestSecret } from './digest.js';
import { openSecret } from './envelope.js';
import { AppError } from './errors.js';
import { importPair } from './imported-pair.js';
import type { SecretFactoryContext } from './key-pair.js';
import { buildKeyring } from './keyring.js';

const keyring = buildKeyring({
  peppers: { 1: Buffer.alloc(32, 1), 2: Buffer.alloc(32, 2) },
  masterKeys: { '1': Buffer.alloc(32, 3) },
});
const KEY = { id: 'key_AAAAAAAAAAAAAAAAAAAAAA', institutionId: 'ins_AAAAAAAAAAAAAAAAAAAAAA' };
const T0 = new Date('2025-01-01T00:00:00Z');
const ctx = (overrides: Partial<SecretFactoryContext> = {}): SecretFactoryContext => ({
  prefix: 'kw_live',
  keyring,
  viewable: true,
  actorId: 'usr_importer',
  now: T0,
  ...overrides,
});
const PRIMARY = '3f2a9c4be1d04f7a8b6c5d2e1f0a9b8c';
const SECONDARY = 'c8b9a0f1e2d5c6b8a7f4d01eb4c9a2f3';

describe('importPair', () => {
  it('stores each value as a flagged slot: digest under the current pepper, hint, sealed copy', () => {
    const pair = importPair(KEY, { primary: PRIMARY, secondary: SECONDARY }, ctx());
    for (const [name, value] of [
      ['primary', PRIMARY],
      ['secondary', SECONDARY],
    ] as const) {
      const slot = pair[name];
      expect(slot).toMatchObject({
        keyId: KEY.id,
        slot: name,
        digest: digestSecret(value, keyring.currentPepper),
        digestVersion: 2,
        hint: `…${value.slice(-4)}`,
        generatedAt: T0,
        generatedBy: 'usr_importer',
        lastUsedAt: null,
        imported: true,
      });
      const sealed = slot.sealed;
      expect(sealed).not.toBeNull();
      if (sealed) {
        const context = { institutionId: KEY.institutionId, keyId: KEY.id, slot: name };
        expect(openSecret(sealed, context, keyring)).toBe(value);
      }
      expect(JSON.stringify(slot)).not.toContain(value);
    }
  });

  it('keeps no sealed copy when the deployment keeps no viewable secrets', () => {
    const pair = importPair(
      KEY,
      { primary: PRIMARY, secondary: SECONDARY },
      ctx({ viewable: false }),
    );
    expect(pair.primary.sealed).toBeNull();
    expect(pair.secondary.sealed).toBeNull();
  });

  it.each([
    ['a bad primary', { primary: 'kw_live_nope', secondary: SECONDARY }, 'primary'],
    ['a bad secondary', { primary: PRIMARY, secondary: PRIMARY.toUpperCase() }, 'secondary'],
    ['a weak value', { primary: '0'.repeat(32), secondary: SECONDARY }, 'primary'],
    ['the same value twice', { primary: PRIMARY, secondary: PRIMARY }, 'secondary'],
  ])('refuses %s with VALIDATION_FAILED naming the field, not the value', (_n, values, field) => {
    let caught: unknown;
    try {
      importPair(KEY, values, ctx());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual({ field });
    expect(err.message).not.toContain(values.primary);
    expect(err.message).not.toContain(values.secondary.toLowerCase());
  });
});
