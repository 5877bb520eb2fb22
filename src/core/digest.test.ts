import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestSecret, digestsEqual, lookupDigests } from './digest.js';
import { buildKeyring } from './keyring.js';

const keyring = buildKeyring({
  peppers: { 1: Buffer.alloc(32, 1), 2: Buffer.alloc(32, 2), 3: Buffer.alloc(32, 3) },
  masterKeys: { '1': Buffer.alloc(32, 9) },
});
const SECRET = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';

describe('digestSecret', () => {
  it('is HMAC-SHA256 of the secret under the pepper, lower-case hex', () => {
    const digest = digestSecret(SECRET, keyring.currentPepper);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(createHmac('sha256', Buffer.alloc(32, 3)).update(SECRET).digest('hex'));
  });

  it('matches the RFC 4231 test case 2 vector', () => {
    const pepper = { version: 1, key: Buffer.from('Jefe') };
    expect(digestSecret('what do ya want for nothing?', pepper)).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('differs per pepper and per secret', () => {
    const p2 = { version: 2, key: Buffer.alloc(32, 2) };
    expect(digestSecret(SECRET, keyring.currentPepper)).not.toBe(digestSecret(SECRET, p2));
    expect(digestSecret(SECRET, keyring.currentPepper)).not.toBe(
      digestSecret(`${SECRET.slice(0, -1)}V`, keyring.currentPepper),
    );
  });
});

describe('lookupDigests', () => {
  it('lists the current pepper first, then every other pepper once', () => {
    const digests = lookupDigests(SECRET, keyring);
    expect(digests).toEqual(
      [3, 2, 1].map((v) => digestSecret(SECRET, { version: v, key: Buffer.alloc(32, v) })),
    );
  });

  it('returns one digest for a single-pepper keyring', () => {
    const single = buildKeyring({
      peppers: { 7: Buffer.alloc(32, 7) },
      masterKeys: { '1': Buffer.alloc(32) },
    });
    expect(lookupDigests(SECRET, single)).toHaveLength(1);
  });
});

describe('digestsEqual', () => {
  const a = digestSecret(SECRET, keyring.currentPepper);

  it('is true only for identical digests', () => {
    expect(digestsEqual(a, `${a}`)).toBe(true);
    expect(digestsEqual(a, `${a.slice(0, -1)}${a.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(digestsEqual('abcdef', 'ABCDEF')).toBe(false);
  });

  it('is false on a length mismatch instead of throwing', () => {
    expect(digestsEqual(a, a.slice(1))).toBe(false);
    expect(digestsEqual('', a)).toBe(false);
  });

  it('does not confuse non-ASCII characters with ASCII ones', () => {
    // latin1 encoding would truncate U+0161 to 0x61 ('a').
    expect(digestsEqual('\u0161', 'a')).toBe(false);
    // Same UTF-16 length, different UTF-8 length: must not throw.
    expect(digestsEqual('éa', 'ab')).toBe(false);
  });
});
