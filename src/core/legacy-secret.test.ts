import { describe, expect, it } from 'vitest';
import {
  importProblem,
  LEGACY_SECRET_FORMATS,
  legacyFormatOf,
  legacyMatch,
  legacySecretHint,
} from './legacy-secret.js';
import type { ApiKey, RetiredSecret } from './model.js';
import { generateSecret } from './secret-format.js';
import type { DigestMatchLike } from './verify-types.js';

/** An Azure API Management subscription key as the portal shows one. */
const APIM_KEY = '3f2a9c4be1d04f7a8b6c5d2e1f0a9b8c';
const HEX64 = `${APIM_KEY}0123456789abcdef0123456789abcdef`;

describe('legacyFormatOf', () => {
  it('recognises exactly 32 or 64 lower-case hex characters', () => {
    expect(legacyFormatOf(APIM_KEY)).toBe('hex32');
    expect(legacyFormatOf(HEX64)).toBe('hex64');
    expect(LEGACY_SECRET_FORMATS.hex32.length).toBe(32);
    expect(LEGACY_SECRET_FORMATS.hex64.length).toBe(64);
  });

  it.each([
    ['31 characters', APIM_KEY.slice(1)],
    ['33 characters', `${APIM_KEY}a`],
    ['48 characters', `${APIM_KEY}0123456789abcdef`],
    ['65 characters', `${HEX64}a`],
    ['upper case', APIM_KEY.toUpperCase()],
    ['one upper-case letter', `A${APIM_KEY.slice(1)}`],
    ['a non-hex letter', `g${APIM_KEY.slice(1)}`],
    ['dashes (a GUID)', '3f2a9c4b-e1d0-4f7a-8b6c-5d2e1f0a9b8c'],
    ['a space', ` ${APIM_KEY.slice(1)}`],
    ['non-ASCII', `é${APIM_KEY.slice(1)}`],
    ['empty', ''],
    ['a Keyward secret', generateSecret('kw_live')],
  ])('refuses %s', (_name, value) => {
    expect(legacyFormatOf(value)).toBeNull();
  });

  it('never takes a Keyward-format secret (they contain an underscore)', () => {
    for (let i = 0; i < 50; i++) expect(legacyFormatOf(generateSecret('kw'))).toBeNull();
  });
});

describe('importProblem', () => {
  it('accepts a random-looking value of an accepted format', () => {
    expect(importProblem(APIM_KEY)).toBeNull();
    expect(importProblem(HEX64)).toBeNull();
  });

  it('refuses other formats and values too regular to be random, without echoing them', () => {
    for (const value of [
      'not-a-key',
      '0'.repeat(32),
      'ab'.repeat(16),
      '0123456'.repeat(5).slice(0, 32),
    ]) {
      const problem = importProblem(value);
      expect(problem).not.toBeNull();
      expect(problem).not.toContain(value);
    }
  });
});

describe('legacySecretHint', () => {
  it('shows the last 4 characters and no prefix', () => {
    expect(legacySecretHint(APIM_KEY)).toBe('…9b8c');
  });
});

describe('legacyMatch', () => {
  const key = { id: 'key_1' } as ApiKey;
  const slot = (imported?: boolean): DigestMatchLike => ({
    kind: 'slot',
    key,
    slot: {
      keyId: 'key_1',
      slot: 'primary',
      digestVersion: 1,
      hint: '…9b8c',
      generatedAt: new Date(0),
      ...(imported !== undefined && { imported }),
    },
  });

  it('keeps an imported slot and a retired secret', () => {
    const imported = slot(true);
    expect(legacyMatch(imported)).toBe(imported);
    const retired: DigestMatchLike = { kind: 'retired', retired: {} as RetiredSecret };
    expect(legacyMatch(retired)).toBe(retired);
    expect(legacyMatch(null)).toBeNull();
  });

  it('drops a live slot not flagged imported (fails closed when the flag is absent)', () => {
    expect(legacyMatch(slot(false))).toBeNull();
    expect(legacyMatch(slot())).toBeNull();
  });
});
