import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = ['ins', 'usr', 'key', 'aud', 'req', 'ses'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_BODY_LENGTH = 22; // ≈131 bits

/** A new random id such as `key_3kTMd…` (prefix, underscore, 22 base62 chars). */
export function newId(prefix: IdPrefix): string {
  // Rejection sampling keeps the characters uniform: 248 = 4 * 62.
  let out = '';
  while (out.length < ID_BODY_LENGTH) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && out.length < ID_BODY_LENGTH) out += ALPHABET[byte % 62];
    }
  }
  return `${prefix}_${out}`;
}

const ID_PATTERN = /^[a-z]{3}_[0-9A-Za-z]{22}$/;

/** True when `value` is a well-formed id with the given prefix. */
export function isId(value: string, prefix: IdPrefix): boolean {
  return ID_PATTERN.test(value) && value.startsWith(`${prefix}_`);
}

/** The JSON-schema pattern for an id with the given prefix (used by the HTTP layer). */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}_[0-9A-Za-z]{22}$`;
}
