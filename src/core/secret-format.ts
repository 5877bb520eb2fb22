import { randomBytes } from 'node:crypto';
import { AppError } from './errors.js';

/**
 * The secret format (DESIGN.md §2):
 * `<prefix>_<30 base62 CSPRNG chars><6 base62 chars of CRC-32 of the random part>`.
 * The checksum lets the gateway drop junk before any lookup and lets scanners find leaked secrets
 * with almost no false positives. It is not a security control: the 30 random characters
 * (≈178.6 bits) are.
 */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;
/** Characters after `<prefix>_`. */
export const BODY_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH;

export type SecretParseFailure = 'PREFIX' | 'LENGTH' | 'ALPHABET' | 'CHECKSUM';
export type ParsedSecret =
  | {
      readonly ok: true;
      readonly prefix: string;
      readonly random: string;
      readonly checksum: string;
    }
  | { readonly ok: false; readonly reason: SecretParseFailure };

/** Lower-case letters, digits and underscores, 2..32 chars, starting with a letter, not ending in `_`. */
const PREFIX_PATTERN = /^[a-z][a-z0-9_]{0,30}[a-z0-9]$/;

/** True when `prefix` is usable as a secret prefix (e.g. `kw_live`). */
export function isValidPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && PREFIX_PATTERN.test(prefix);
}

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (CRC_TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * CRC-32 of the low byte of each UTF-16 code unit in `s[start, end)`: equals `crc32` of the ASCII
 * bytes when the range is ASCII. Lets `parseSecret` checksum without allocating a buffer.
 */
function crc32OfAscii(s: string, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = (CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** `value` (0..2^32-1) in base62, most significant digit first, left-padded with `0` to 6 chars. */
export function encodeChecksum(value: number): string {
  let out = '';
  let rest = value >>> 0;
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** Value of a base62 digit, or -1. */
function base62Value(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 90) return code - 55; // A-Z → 10..35
  if (code >= 97 && code <= 122) return code - 61; // a-z → 36..61
  return -1;
}

/**
 * `length` characters drawn uniformly from the base62 alphabet with a CSPRNG. Rejection sampling:
 * bytes ≥ 248 (= 4 × 62) are dropped so `byte % 62` has no bias.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // 1.1× headroom: on average 3% of bytes are rejected, so one round is almost always enough.
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 4);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i] as number;
      if (byte < 248) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}

const RANDOM_PATTERN = /^[0-9A-Za-z]{30}$/;

/**
 * The full secret for a given random part (exported for test vectors and tooling).
 * Throws VALIDATION_FAILED unless `random` is 30 base62 characters.
 */
export function formatSecret(prefix: string, random: string): string {
  if (!RANDOM_PATTERN.test(random)) {
    throw new AppError('VALIDATION_FAILED', 'The random part must be 30 base62 characters');
  }
  return `${prefix}_${random}${encodeChecksum(crc32OfAscii(random, 0, random.length))}`;
}

/** `<prefix>_<30 base62 CSPRNG chars><6 base62 chars of CRC32>`. Throws CONFIG_INVALID for a bad prefix. */
export function generateSecret(prefix: string): string {
  if (!isValidPrefix(prefix)) throw new AppError('CONFIG_INVALID', 'Invalid secret prefix');
  return formatSecret(prefix, randomBase62(RANDOM_LENGTH));
}

const FAIL_PREFIX: ParsedSecret = Object.freeze({ ok: false, reason: 'PREFIX' });
const FAIL_LENGTH: ParsedSecret = Object.freeze({ ok: false, reason: 'LENGTH' });
const FAIL_ALPHABET: ParsedSecret = Object.freeze({ ok: false, reason: 'ALPHABET' });
const FAIL_CHECKSUM: ParsedSecret = Object.freeze({ ok: false, reason: 'CHECKSUM' });

/**
 * Validates prefix, length, alphabet and checksum; no I/O, never throws. Runs on every gateway
 * request before any lookup, so it scans the string once and allocates only on success.
 */
export function parseSecret(input: string, prefix: string): ParsedSecret {
  if (typeof input !== 'string' || typeof prefix !== 'string') return FAIL_PREFIX;
  const p = prefix.length;
  if (input.length <= p || !input.startsWith(prefix) || input.charCodeAt(p) !== 95 /* _ */) {
    return FAIL_PREFIX;
  }
  const start = p + 1;
  if (input.length - start !== BODY_LENGTH) return FAIL_LENGTH;
  const checksumStart = start + RANDOM_LENGTH;
  let checksum = 0;
  for (let i = start; i < input.length; i++) {
    const v = base62Value(input.charCodeAt(i));
    if (v < 0) return FAIL_ALPHABET;
    if (i >= checksumStart) checksum = checksum * 62 + v;
  }
  // 62^6 > 2^32, so an over-large checksum simply never matches: the encoding is canonical.
  if (checksum !== crc32OfAscii(input, start, checksumStart)) return FAIL_CHECKSUM;
  return {
    ok: true,
    prefix,
    random: input.slice(start, checksumStart),
    checksum: input.slice(checksumStart),
  };
}

/** `kw_live_…9fQa`: prefix, underscore, ellipsis, last 4 characters. */
export function secretHint(secret: string, prefix: string): string {
  return `${prefix}_\u2026${secret.slice(-4)}`;
}
