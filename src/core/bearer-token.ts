import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Static bearer tokens (the metrics scrape token): configured tokens are kept only as SHA-256
 * digests, and a presented token is compared by its digest, so both sides have the same length
 * and the comparison takes the same time whatever the token.
 */

/** SHA-256 (hex) of a token. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** True when `authorization` is `Bearer <token>` for the token whose SHA-256 (hex) is given. */
export function bearerMatches(authorization: string | undefined, expectedSha256: string): boolean {
  if (authorization === undefined) return false;
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) return false;
  const presented = Buffer.from(tokenSha256(token), 'utf8');
  const expected = Buffer.from(expectedSha256.toLowerCase(), 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
