import type { DigestMatchLike } from './verify-types.js';

/**
 * Secret formats of other gateways, accepted only for **imported** slots (`POST
 * /institutions/{id}/keys/import`), so an institution can move its clients to Keyward without
 * handing them new keys.
 *
 * They carry no prefix and no checksum, so the gateway cannot tell a real one from junk without a
 * lookup: exact length and alphabet are the whole pre-filter (anything else is still refused
 * before hashing), and a lookup that finds a slot counts only when that slot is flagged imported.
 * Keyward-format secrets (`<prefix>_…`) contain `_`, which no legacy format does: the two sets
 * are disjoint, so a string is never checked as both.
 *
 * The set is deliberately small and strict: lower-case hexadecimal of two exact lengths.
 * - `hex32`: 32 characters, 128 bits — Azure API Management subscription keys.
 * - `hex64`: 64 characters, 256 bits — the hex-encoded 32-byte keys other gateways issue.
 */
export const LEGACY_SECRET_FORMATS = Object.freeze({
  hex32: Object.freeze({
    length: 32,
    description: '32 lower-case hexadecimal characters (Azure API Management subscription keys)',
  }),
  hex64: Object.freeze({
    length: 64,
    description: '64 lower-case hexadecimal characters (hex-encoded 256-bit keys)',
  }),
});
export type LegacySecretFormat = keyof typeof LEGACY_SECRET_FORMATS;

/**
 * Fewest distinct characters an imported value must hold. A random 32-hex value has fewer than 8
 * with probability ≈ 4·10⁻⁸; `000…0` or `abab…ab` are typed, not generated, and would be guessed.
 */
export const MIN_DISTINCT_CHARACTERS = 8;

function isLowerHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102); // 0-9, a-f
}

/**
 * The legacy format of `input`, or null. Runs on the verification hot path (only after the
 * Keyward format was refused): one scan, no allocation, never throws.
 */
export function legacyFormatOf(input: string): LegacySecretFormat | null {
  if (typeof input !== 'string') return null;
  const length = input.length;
  if (
    length !== LEGACY_SECRET_FORMATS.hex32.length &&
    length !== LEGACY_SECRET_FORMATS.hex64.length
  )
    return null;
  for (let i = 0; i < length; i++) {
    if (!isLowerHex(input.charCodeAt(i))) return null;
  }
  return length === LEGACY_SECRET_FORMATS.hex32.length ? 'hex32' : 'hex64';
}

/**
 * Why `value` cannot be imported, in words that never repeat the value; null when it can.
 * Stricter than `legacyFormatOf`: it also refuses values too regular to be random keys.
 */
export function importProblem(value: string): string | null {
  if (legacyFormatOf(value) === null) {
    return 'is not an accepted format (32 or 64 lower-case hexadecimal characters)';
  }
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `has fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters: not a random key`;
  }
  return null;
}

/**
 * `…` and the last 4 characters, e.g. `…9f0a`. No prefix: an imported secret has none, and a
 * `kw_live_…` hint would send people looking for a string that does not exist.
 */
export function legacySecretHint(secret: string): string {
  return `\u2026${secret.slice(-4)}`;
}

/**
 * What a legacy-format secret may match: an imported slot, or a retired secret (it was an
 * imported slot's, since no other slot can hold such a value; it is refused or in its grace
 * window like any retired secret). A live slot not flagged imported cannot hold a legacy value —
 * stated anyway, failing closed: that match is dropped, as if nothing was found.
 */
export function legacyMatch<M extends DigestMatchLike>(match: M | null): M | null {
  if (match !== null && match.kind === 'slot' && match.slot.imported !== true) return null;
  return match;
}
