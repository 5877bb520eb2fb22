import { describe, expect, it } from 'vitest';
import {
  type Extraction,
  extractSecret,
  MAX_SECRET_LENGTH,
  type SecretLocation,
} from './extract-secret.js';

const SECRET = 'kw_live_3kTMd8QzR1xYp0aB4cD5eF6gH7iJ8k';

const HEADER_ONLY: SecretLocation = { header: 'x-api-key', queryParam: null, acceptQuery: false };
const QUERY_OK: SecretLocation = {
  header: 'ocp-apim-subscription-key',
  queryParam: 'subscription-key',
  acceptQuery: true,
};
const QUERY_STRIPPED: SecretLocation = { ...QUERY_OK, acceptQuery: false };

interface Case {
  readonly name: string;
  readonly location: SecretLocation;
  readonly raw: readonly string[];
  readonly url?: string;
  readonly expected: Extraction;
}

const ok = (secret: string, url: string): Extraction => ({ ok: true, secret, url });
const fail = (code: 'MISSING' | 'DUPLICATE' | 'INVALID'): Extraction => ({ ok: false, code });

const CASES: readonly Case[] = [
  { name: 'header', location: HEADER_ONLY, raw: ['X-API-Key', SECRET], expected: ok(SECRET, '/a') },
  {
    name: 'header name in any case',
    location: HEADER_ONLY,
    raw: ['Host', 'h', 'x-API-KEY', SECRET],
    expected: ok(SECRET, '/a'),
  },
  { name: 'no header', location: HEADER_ONLY, raw: ['Host', 'h'], expected: fail('MISSING') },
  {
    name: 'empty header',
    location: HEADER_ONLY,
    raw: ['X-API-Key', ''],
    expected: fail('MISSING'),
  },
  {
    name: 'whitespace-only header',
    location: HEADER_ONLY,
    raw: ['X-API-Key', ' \t '],
    expected: fail('MISSING'),
  },
  {
    name: 'two header lines',
    location: HEADER_ONLY,
    raw: ['X-API-Key', SECRET, 'x-api-key', SECRET],
    expected: fail('DUPLICATE'),
  },
  {
    name: 'two header lines, one empty',
    location: HEADER_ONLY,
    raw: ['X-API-Key', SECRET, 'X-API-Key', ''],
    expected: fail('DUPLICATE'),
  },
  {
    name: 'comma-joined value',
    location: HEADER_ONLY,
    raw: ['X-API-Key', `${SECRET}, ${SECRET}`],
    expected: fail('DUPLICATE'),
  },
  {
    name: 'comma without space',
    location: HEADER_ONLY,
    raw: ['X-API-Key', `${SECRET},x`],
    expected: fail('DUPLICATE'),
  },
  {
    name: 'oversized',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'a'.repeat(MAX_SECRET_LENGTH + 1)],
    expected: fail('INVALID'),
  },
  {
    name: 'longest allowed',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'a'.repeat(MAX_SECRET_LENGTH)],
    expected: ok('a'.repeat(MAX_SECRET_LENGTH), '/a'),
  },
  {
    name: 'control character',
    location: HEADER_ONLY,
    raw: ['X-API-Key', `${SECRET}\u0001`],
    expected: fail('INVALID'),
  },
  {
    name: 'NUL',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'kw\u0000x'],
    expected: fail('INVALID'),
  },
  {
    name: 'DEL',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'kw\u007fx'],
    expected: fail('INVALID'),
  },
  {
    name: 'non-ASCII',
    location: HEADER_ONLY,
    raw: ['X-API-Key', `${SECRET}\u00ff`],
    expected: fail('INVALID'),
  },
  {
    name: 'internal space',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'kw_live abc'],
    expected: fail('INVALID'),
  },
  {
    name: 'internal tab',
    location: HEADER_ONLY,
    raw: ['X-API-Key', 'kw_live\tabc'],
    expected: fail('INVALID'),
  },
  {
    name: 'query ignored where not enabled',
    location: HEADER_ONLY,
    raw: [],
    url: `/a?subscription-key=${SECRET}`,
    expected: fail('MISSING'),
  },
  {
    name: 'query on an enabled route, removed from the URL',
    location: QUERY_OK,
    raw: [],
    url: `/a?x=1&subscription-key=${SECRET}&y=%20`,
    expected: ok(SECRET, '/a?x=1&y=%20'),
  },
  {
    name: 'query as the only parameter',
    location: QUERY_OK,
    raw: [],
    url: `/a?subscription-key=${SECRET}`,
    expected: ok(SECRET, '/a'),
  },
  {
    name: 'query with a percent-encoded name',
    location: QUERY_OK,
    raw: [],
    url: `/a?subscription%2Dkey=${SECRET}`,
    expected: ok(SECRET, '/a'),
  },
  {
    name: 'header and query both present',
    location: QUERY_OK,
    raw: ['Ocp-Apim-Subscription-Key', 'wrong'],
    url: `/a?subscription-key=${SECRET}`,
    expected: fail('DUPLICATE'),
  },
  {
    name: 'header and an empty query parameter',
    location: QUERY_OK,
    raw: ['Ocp-Apim-Subscription-Key', SECRET],
    url: '/a?subscription-key=',
    expected: fail('DUPLICATE'),
  },
  {
    name: 'query twice',
    location: QUERY_OK,
    raw: [],
    url: `/a?subscription-key=${SECRET}&subscription-key=${SECRET}`,
    expected: fail('DUPLICATE'),
  },
  {
    name: 'empty query value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key=',
    expected: fail('MISSING'),
  },
  {
    name: 'query without a value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key',
    expected: fail('MISSING'),
  },
  {
    name: 'whitespace-only query value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key=+%20',
    expected: fail('MISSING'),
  },
  {
    name: 'encoded comma in the query value',
    location: QUERY_OK,
    raw: [],
    url: `/a?subscription-key=${SECRET}%2C${SECRET}`,
    expected: fail('DUPLICATE'),
  },
  {
    name: 'malformed escape in the query value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key=kw_%zz',
    expected: fail('INVALID'),
  },
  {
    name: 'encoded control character in the query value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key=kw_%0Ax',
    expected: fail('INVALID'),
  },
  {
    name: 'encoded space inside the query value',
    location: QUERY_OK,
    raw: [],
    url: '/a?subscription-key=kw+live',
    expected: fail('INVALID'),
  },
  {
    name: 'oversized query value',
    location: QUERY_OK,
    raw: [],
    url: `/a?subscription-key=${'%41'.repeat(MAX_SECRET_LENGTH + 1)}`,
    expected: fail('INVALID'),
  },
  {
    name: 'APIM route without query: parameter stripped, header used',
    location: QUERY_STRIPPED,
    raw: ['Ocp-Apim-Subscription-Key', SECRET],
    url: '/a?subscription-key=other&z=2',
    expected: ok(SECRET, '/a?z=2'),
  },
  {
    name: 'APIM route without query: parameter alone is not a secret',
    location: QUERY_STRIPPED,
    raw: [],
    url: `/a?subscription-key=${SECRET}`,
    expected: fail('MISSING'),
  },
];

describe('extractSecret', () => {
  it.each(CASES)('$name', ({ location, raw, url, expected }) => {
    expect(extractSecret(raw, url ?? '/a', location)).toEqual(expected);
  });

  it('leaves other query parameters and their encoding untouched', () => {
    const kept = extractSecret(
      ['Ocp-Apim-Subscription-Key', SECRET],
      '/a?b=%2F&subscription-keyx=1&c',
      QUERY_STRIPPED,
    );
    expect(kept).toEqual(ok(SECRET, '/a?b=%2F&subscription-keyx=1&c'));
  });

  it('works on the query part alone', () => {
    expect(extractSecret([], `?subscription-key=${SECRET}&q=1`, QUERY_OK)).toEqual(
      ok(SECRET, '?q=1'),
    );
    expect(extractSecret([], `?subscription-key=${SECRET}`, QUERY_OK)).toEqual(ok(SECRET, ''));
  });
});
