import { describe, expect, it } from 'vitest';
import { openSecret, openValue, type SecretContext, sealSecret, sealValue } from './envelope.js';
import { AppError } from './errors.js';
import { buildKeyring } from './keyring.js';
import type { SealedSecret } from './model.js';

const M1 = Buffer.alloc(32, 0x11);
const M2 = Buffer.alloc(32, 0x22);
const PEPPER = { 1: Buffer.alloc(32, 1) };
const keyring1 = buildKeyring({ peppers: PEPPER, masterKeys: { '1': M1 } });
const keyring12 = buildKeyring({ peppers: PEPPER, masterKeys: { '1': M1, '2': M2 } });

const SECRET = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
const CTX: SecretContext = { institutionId: 'ins_A', keyId: 'key_1', slot: 'primary' };

function expectDecryptFailed(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('DECRYPT_FAILED');
    expect((err as AppError).message).toBe('Secret could not be decrypted');
    return;
  }
  throw new Error('expected DECRYPT_FAILED');
}

function flipByte(sealed: SealedSecret, index: number): SealedSecret {
  const raw = Buffer.from(sealed.ciphertext, 'base64url');
  raw[index] = (raw[index] as number) ^ 0x01;
  return { ...sealed, ciphertext: raw.toString('base64url') };
}

describe('sealSecret / openSecret', () => {
  it('round-trips and names the current master key', () => {
    const sealed = sealSecret(SECRET, CTX, keyring12);
    expect(sealed.masterKeyId).toBe('2');
    expect(sealed.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed.ciphertext).not.toContain(SECRET.slice(8));
    expect(openSecret(sealed, CTX, keyring12)).toBe(SECRET);
  });

  it('round-trips non-ASCII text', () => {
    const sealed = sealSecret('pässwörd-✓', CTX, keyring1);
    expect(openSecret(sealed, CTX, keyring1)).toBe('pässwörd-✓');
  });

  it('has a version byte and a fixed overhead', () => {
    const raw = Buffer.from(sealSecret(SECRET, CTX, keyring1).ciphertext, 'base64url');
    expect(raw[0]).toBe(1);
    // version + wrap nonce + wrapped key + tag + nonce + plaintext + tag
    expect(raw.length).toBe(1 + 12 + 32 + 16 + 12 + SECRET.length + 16);
  });

  it('uses fresh nonces and data keys for every seal', () => {
    const a = Buffer.from(sealSecret(SECRET, CTX, keyring1).ciphertext, 'base64url');
    const b = Buffer.from(sealSecret(SECRET, CTX, keyring1).ciphertext, 'base64url');
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false); // wrap nonce
    expect(a.subarray(13, 45).equals(b.subarray(13, 45))).toBe(false); // wrapped data key
    expect(a.subarray(61, 73).equals(b.subarray(61, 73))).toBe(false); // nonce
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    ['slot', { ...CTX, slot: 'secondary' as const }],
    ['key', { ...CTX, keyId: 'key_2' }],
    ['institution', { ...CTX, institutionId: 'ins_B' }],
    ['shifted separator', { institutionId: 'ins_A|key_1', keyId: '', slot: 'primary' as const }],
  ])('refuses another %s context', (_name, other) => {
    const sealed = sealSecret(SECRET, CTX, keyring1);
    expectDecryptFailed(() => openSecret(sealed, other as SecretContext, keyring1));
  });

  it('refuses any altered byte', () => {
    const sealed = sealSecret(SECRET, CTX, keyring1);
    const length = Buffer.from(sealed.ciphertext, 'base64url').length;
    for (let i = 0; i < length; i++) {
      expectDecryptFailed(() => openSecret(flipByte(sealed, i), CTX, keyring1));
    }
  });

  it('refuses truncated, extended, non-canonical or garbage ciphertext', () => {
    const sealed = sealSecret(SECRET, CTX, keyring1);
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    const variants = [
      raw.subarray(0, raw.length - 1).toString('base64url'),
      Buffer.concat([raw, Buffer.of(0)]).toString('base64url'),
      `${sealed.ciphertext}!`,
      `${sealed.ciphertext.slice(0, 10)}=${sealed.ciphertext.slice(10)}`,
      '',
      'AQ',
    ];
    for (const ciphertext of variants) {
      expectDecryptFailed(() => openSecret({ ...sealed, ciphertext }, CTX, keyring1));
    }
  });

  it('refuses an unknown master key id and a swapped master key id', () => {
    const sealed = sealSecret(SECRET, CTX, keyring1);
    expectDecryptFailed(() => openSecret({ ...sealed, masterKeyId: '3' }, CTX, keyring12));
    expectDecryptFailed(() => openSecret({ ...sealed, masterKeyId: '2' }, CTX, keyring12));
    const other = buildKeyring({ peppers: PEPPER, masterKeys: { '1': M2 } });
    expectDecryptFailed(() => openSecret(sealed, CTX, other));
  });

  it('still opens secrets sealed under an older master key after rotation', () => {
    const old = sealSecret(SECRET, CTX, keyring1);
    expect(old.masterKeyId).toBe('1');
    expect(openSecret(old, CTX, keyring12)).toBe(SECRET);
    const fresh = sealSecret(SECRET, CTX, keyring12);
    expect(fresh.masterKeyId).toBe('2');
    expectDecryptFailed(() => openSecret(fresh, CTX, keyring1));
  });

  it('refuses to seal under an ambiguous context', () => {
    expect(() => sealSecret(SECRET, { ...CTX, keyId: 'key|1' }, keyring1)).toThrow(AppError);
  });
});

describe('sealValue / openValue (any recoverable secret, e.g. a webhook signing secret)', () => {
  const WEBHOOK_AAD = ['webhook', 'ins_A', 'whk_1'];

  it('round-trips under its AAD parts, and a key slot context is the same as its parts', () => {
    const sealed = sealValue('whsec_abc', WEBHOOK_AAD, keyring1);
    expect(openValue(sealed, WEBHOOK_AAD, keyring1)).toBe('whsec_abc');
    const slot = sealSecret(SECRET, CTX, keyring1);
    expect(openValue(slot, ['ins_A', 'key_1', 'primary'], keyring1)).toBe(SECRET);
  });

  it('opens for no other row, tenant or kind of secret', () => {
    const sealed = sealValue('whsec_abc', WEBHOOK_AAD, keyring1);
    for (const aad of [
      ['webhook', 'ins_B', 'whk_1'],
      ['webhook', 'ins_A', 'whk_2'],
      ['ins_A', 'whk_1', 'primary'],
    ]) {
      expectDecryptFailed(() => openValue(sealed, aad, keyring1));
    }
  });

  it('refuses empty or ambiguous AAD parts', () => {
    expect(() => sealValue('x', [], keyring1)).toThrow(AppError);
    expect(() => sealValue('x', ['webhook', 'ins|A', 'whk_1'], keyring1)).toThrow(AppError);
  });
});
