import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { buildKeyring, generateKeyMaterial } from './keyring.js';

const k = (fill: number): Buffer => Buffer.alloc(32, fill);

function configError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    return err as AppError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('buildKeyring', () => {
  it('makes the highest pepper version and master key id current', () => {
    const keyring = buildKeyring({
      peppers: { 1: k(1), 3: k(3), 2: k(2) },
      masterKeys: { '2': k(12), '10': k(20), '9': k(19) },
    });
    expect(keyring.currentPepper.version).toBe(3);
    expect(keyring.currentPepper.key.equals(k(3))).toBe(true);
    expect(keyring.peppers.map((p) => p.version)).toEqual([3, 2, 1]);
    // Numeric, not lexicographic: "10" > "9".
    expect(keyring.currentMasterKey.id).toBe('10');
    expect(keyring.currentMasterKey.key.equals(k(20))).toBe(true);
    expect([...keyring.masterKeys.keys()].sort()).toEqual(['10', '2', '9']);
    expect(keyring.masterKeys.get('2')?.key.equals(k(12))).toBe(true);
  });

  it('copies the material so later changes to the input do not leak in', () => {
    const pepper = k(1);
    const keyring = buildKeyring({ peppers: { 1: pepper }, masterKeys: { '1': k(2) } });
    pepper.fill(0);
    expect(keyring.currentPepper.key.equals(k(1))).toBe(true);
  });

  it('requires at least one pepper and one master key', () => {
    configError(() => buildKeyring({ peppers: {}, masterKeys: { '1': k(1) } }));
    configError(() => buildKeyring({ peppers: { 1: k(1) }, masterKeys: {} }));
  });

  it('requires 32-byte keys and never puts the material in the message', () => {
    const short = Buffer.from('super-secret-material-123');
    const err = configError(() =>
      buildKeyring({ peppers: { 1: short }, masterKeys: { '1': k(1) } }),
    );
    expect(err.message).not.toContain('super-secret');
    expect(err.message).not.toContain(short.toString('base64'));
    expect(err.message).not.toContain(short.toString('hex'));
    configError(() =>
      buildKeyring({ peppers: { 1: k(1) }, masterKeys: { '1': Buffer.alloc(33) } }),
    );
    configError(() =>
      buildKeyring({
        peppers: { 1: k(1) },
        masterKeys: { '1': 'x'.repeat(32) as unknown as Buffer },
      }),
    );
  });

  it('requires positive decimal ids', () => {
    configError(() => buildKeyring({ peppers: { 0: k(1) }, masterKeys: { '1': k(1) } }));
    configError(() => buildKeyring({ peppers: { 1: k(1) }, masterKeys: { a: k(1) } }));
    configError(() => buildKeyring({ peppers: { 1: k(1) }, masterKeys: { '01': k(1) } }));
    configError(() => buildKeyring({ peppers: { 1: k(1) }, masterKeys: { '-1': k(1) } }));
  });
});

describe('generateKeyMaterial', () => {
  it('returns 32 fresh random bytes', () => {
    const a = generateKeyMaterial();
    const b = generateKeyMaterial();
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });
});
