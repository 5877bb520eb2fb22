import { describe, expect, it } from 'vitest';
import {
  BASE62_ALPHABET,
  crc32,
  encodeChecksum,
  formatSecret,
  generateSecret,
  isValidPrefix,
  parseSecret,
  RANDOM_LENGTH,
  randomBase62,
  secretHint,
} from './secret-format.js';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));

const VECTORS = [
  {
    random: '000000000000000000000000000000',
    crc: 2011552642,
    secret: 'kw_live_0000000000000000000000000000002C8GjS',
  },
  {
    random: 'abcdefghijklmnopqrstuvwxyzABCD',
    crc: 4246480780,
    secret: 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU',
  },
  {
    random: 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0',
    crc: 2353176657,
    secret: 'kw_live_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq02ZFgkD',
  },
];

describe('crc32', () => {
  it('matches the IEEE check value and the empty input', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it.each(VECTORS)('matches the design test vector for $random', ({ random, crc }) => {
    expect(crc32(ascii(random))).toBe(crc);
  });
});

describe('encodeChecksum', () => {
  it('writes base62 most significant digit first, padded to 6', () => {
    expect(encodeChecksum(0)).toBe('000000');
    expect(encodeChecksum(61)).toBe('00000z');
    expect(encodeChecksum(62)).toBe('000010');
    expect(encodeChecksum(0xffffffff)).toBe('4gfFC3');
  });
});

describe('formatSecret', () => {
  it.each(VECTORS)('produces the design test vector for $random', ({ random, secret }) => {
    expect(formatSecret('kw_live', random)).toBe(secret);
  });

  it('refuses a random part that is not 30 base62 characters', () => {
    expect(() => formatSecret('kw_live', 'abc')).toThrow();
    expect(() => formatSecret('kw_live', `${'a'.repeat(29)}-`)).toThrow();
  });
});

describe('parseSecret', () => {
  it.each(VECTORS)('accepts the design test vector $secret', ({ random, secret }) => {
    expect(parseSecret(secret, 'kw_live')).toEqual({
      ok: true,
      prefix: 'kw_live',
      random,
      checksum: secret.slice(-6),
    });
  });

  it('reports PREFIX for another or missing prefix', () => {
    const secret = VECTORS[0]?.secret as string;
    expect(parseSecret(secret, 'kw_test')).toEqual({ ok: false, reason: 'PREFIX' });
    expect(parseSecret(secret.replace('kw_live_', 'kw_live-'), 'kw_live')).toMatchObject({
      reason: 'PREFIX',
    });
    expect(parseSecret('', 'kw_live')).toMatchObject({ reason: 'PREFIX' });
    expect(parseSecret('kw_live', 'kw_live')).toMatchObject({ reason: 'PREFIX' });
    expect(parseSecret(secret.slice(8), 'kw_live')).toMatchObject({ reason: 'PREFIX' });
  });

  it('reports LENGTH when the body is not 36 characters', () => {
    const secret = VECTORS[1]?.secret as string;
    expect(parseSecret(secret.slice(0, -1), 'kw_live')).toMatchObject({ reason: 'LENGTH' });
    expect(parseSecret(`${secret}a`, 'kw_live')).toMatchObject({ reason: 'LENGTH' });
    expect(parseSecret('kw_live_', 'kw_live')).toMatchObject({ reason: 'LENGTH' });
  });

  it('reports ALPHABET for a character outside base62', () => {
    const secret = VECTORS[1]?.secret as string;
    for (const bad of ['-', '_', ' ', '+', '/', '=', 'é', '\u0000']) {
      const tampered = `${secret.slice(0, 12)}${bad}${secret.slice(13)}`;
      expect(parseSecret(tampered, 'kw_live')).toMatchObject({ reason: 'ALPHABET' });
    }
    expect(parseSecret(`${secret.slice(0, -1)}!`, 'kw_live')).toMatchObject({ reason: 'ALPHABET' });
  });

  it('reports CHECKSUM for any single changed character', () => {
    const secret = VECTORS[2]?.secret as string;
    for (let i = 8; i < secret.length; i++) {
      const replacement = secret[i] === 'A' ? 'B' : 'A';
      const tampered = `${secret.slice(0, i)}${replacement}${secret.slice(i + 1)}`;
      expect(parseSecret(tampered, 'kw_live')).toEqual({ ok: false, reason: 'CHECKSUM' });
    }
  });

  it('reports CHECKSUM for swapped random characters and for an over-large checksum', () => {
    const secret = VECTORS[1]?.secret as string;
    const swapped = `${secret.slice(0, 8)}ba${secret.slice(10)}`;
    expect(parseSecret(swapped, 'kw_live')).toMatchObject({ reason: 'CHECKSUM' });
    expect(parseSecret(`${secret.slice(0, -6)}zzzzzz`, 'kw_live')).toMatchObject({
      reason: 'CHECKSUM',
    });
  });

  it('never throws on odd input', () => {
    for (const input of [undefined, null, 42, {}] as unknown as string[]) {
      expect(parseSecret(input, 'kw_live')).toMatchObject({ ok: false });
    }
  });
});

describe('generateSecret', () => {
  it('produces secrets that parse, with the given prefix', () => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret('kw_live');
      expect(secret).toMatch(/^kw_live_[0-9A-Za-z]{36}$/);
      expect(parseSecret(secret, 'kw_live').ok).toBe(true);
    }
  });

  it('produces distinct secrets', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateSecret('acme')));
    expect(seen.size).toBe(1000);
  });

  it('refuses an invalid prefix', () => {
    expect(() => generateSecret('KW')).toThrow(/prefix/);
  });
});

describe('randomBase62', () => {
  it('returns the requested length from the alphabet', () => {
    expect(randomBase62(0)).toBe('');
    expect(randomBase62(RANDOM_LENGTH)).toMatch(/^[0-9A-Za-z]{30}$/);
    expect(randomBase62(1000)).toHaveLength(1000);
  });

  it('uses every character roughly uniformly', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62 * 2000);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const c of BASE62_ALPHABET) {
      // Expected 2000 each; σ ≈ 44. Modulo bias without rejection would push 0-7 to ≈ 2060.
      expect(counts.get(c)).toBeGreaterThan(1750);
      expect(counts.get(c)).toBeLessThan(2250);
    }
  });
});

describe('isValidPrefix', () => {
  it.each(['kw_live', 'kw', 'a1', 'acme_prod_2', 'a'.repeat(32)])('accepts %s', (prefix) => {
    expect(isValidPrefix(prefix)).toBe(true);
  });

  it.each([
    '',
    'k',
    'kw_',
    '_kw',
    '1kw',
    'KW_live',
    'kw-live',
    'kw live',
    'a'.repeat(33),
    'kw_lïve',
  ])('rejects "%s"', (prefix) => {
    expect(isValidPrefix(prefix)).toBe(false);
  });
});

describe('secretHint', () => {
  it('is prefix, underscore, ellipsis and the last 4 characters', () => {
    expect(secretHint('kw_live_0000000000000000000000000000002C8GjS', 'kw_live')).toBe(
      'kw_live_…8GjS',
    );
    expect(secretHint(VECTORS[1]?.secret as string, 'kw_live')).toBe('kw_live_\u2026NndU');
    expect('kw_live_…8GjS').toHaveLength(13); // the ellipsis is one character
  });
});
