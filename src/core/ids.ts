import { randomBase62 } from './secret-format.js';

export const ID_PREFIXES = [
  'ins',
  'usr',
  'key',
  'aud',
  'req',
  'whk',
  'dlv',
  'evt',
  'alr',
  'rot',
  'shr',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ID_BODY_LENGTH = 22; // ≈131 bits

/** A new random id such as `key_3kTMd…` (prefix, underscore, 22 base62 chars). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(ID_BODY_LENGTH)}`;
}

/** The JSON-schema pattern for an id with the given prefix (used by the HTTP layer). */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}_[0-9A-Za-z]{${ID_BODY_LENGTH}}$`;
}
