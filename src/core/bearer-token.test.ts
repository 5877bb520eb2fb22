import { describe, expect, it } from 'vitest';
import { bearerMatches, tokenSha256 } from './bearer-token.js';

describe('bearerMatches', () => {
  const digest = tokenSha256('scrape-token-1');

  it('accepts the token as a bearer credential, whatever the scheme case', () => {
    expect(bearerMatches('Bearer scrape-token-1', digest)).toBe(true);
    expect(bearerMatches('bearer  scrape-token-1 ', digest)).toBe(true);
    expect(bearerMatches('Bearer scrape-token-1', digest.toUpperCase())).toBe(true);
  });

  it('refuses another token, another scheme, nothing, and the digest itself', () => {
    expect(bearerMatches('Bearer scrape-token-2', digest)).toBe(false);
    expect(bearerMatches('Basic scrape-token-1', digest)).toBe(false);
    expect(bearerMatches('scrape-token-1', digest)).toBe(false);
    expect(bearerMatches(undefined, digest)).toBe(false);
    expect(bearerMatches('Bearer ', digest)).toBe(false);
    expect(bearerMatches(`Bearer ${digest}`, digest)).toBe(false);
  });
});
