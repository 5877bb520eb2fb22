import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './password.js';

describe('hashPassword / verifyPassword', () => {
  it('hashes in the self-describing scrypt format and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same password!'),
      hashPassword('same password!'),
    ]);
    expect(a).not.toBe(b);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const stored = await hashPassword('caf\u00e9-password');
    expect(await verifyPassword('cafe\u0301-password', stored)).toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const hash = scryptSync('older password', salt, 32, { N: 1024, r: 4, p: 2 });
    const stored = `scrypt$1024$4$2$${salt.toString('base64url')}$${hash.toString('base64url')}`;
    expect(await verifyPassword('older password', stored)).toBe(true);
    expect(await verifyPassword('older passwort', stored)).toBe(false);
    expect(await verifyPassword('older password', stored.replace('$1024$', '$2048$'))).toBe(false);
  });

  it.each([
    '',
    'scrypt',
    'bcrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$32767$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$32768$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$32768$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA',
    'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!',
    'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$extra',
    'scrypt$ 32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ])('returns false for malformed stored hash %#', async (stored) => {
    expect(await verifyPassword('whatever password', stored)).toBe(false);
  });

  it('returns false for non-string input instead of throwing', async () => {
    expect(await verifyPassword('x', null as unknown as string)).toBe(false);
    const stored = await hashPassword('long enough password');
    expect(await verifyPassword(undefined as unknown as string, stored)).toBe(false);
  });
});

describe('generatePassword', () => {
  it('returns 20 base62 characters, different each time, that pass the policy', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[0-9A-Za-z]{20}$/);
    expect(generatePassword()).not.toBe(a);
    expect(passwordProblem(a)).toBeNull();
  });
});

describe('passwordProblem', () => {
  it('accepts 12 to 1024 characters', () => {
    expect(passwordProblem('a'.repeat(12))).toBeNull();
    expect(passwordProblem('a'.repeat(1024))).toBeNull();
  });

  it('refuses too short and too long passwords with a reason', () => {
    expect(passwordProblem('a'.repeat(11))).toMatch(/at least 12/);
    expect(passwordProblem('')).toMatch(/at least 12/);
    expect(passwordProblem('a'.repeat(1025))).toMatch(/at most 1024/);
  });

  it('counts characters as the user sees them, not UTF-16 units', () => {
    // 6 emoji are 12 UTF-16 units but 6 characters.
    expect(passwordProblem('😀'.repeat(6))).toMatch(/at least 12/);
    expect(passwordProblem('😀'.repeat(12))).toBeNull();
  });
});
