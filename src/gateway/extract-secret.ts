/**
 * Finds the secret in a gateway request, before any hashing or lookup.
 *
 * Invariants:
 * - The secret comes from exactly one place. Two header lines, a comma-joined value, a header and
 *   a query parameter, or the parameter twice are all DUPLICATE: a wrong secret in the header is
 *   never rescued by a right one in the query (or the other way round).
 * - Only visible ASCII up to MAX_SECRET_LENGTH characters reaches the verifier; anything else is
 *   INVALID, and an absent, empty or whitespace-only value is MISSING.
 * - The query parameter is read only where a route accepts it; it is removed from the forwarded
 *   URL wherever it is named, so the upstream never sees a secret.
 * - Nothing here echoes or logs the value.
 */

export const MAX_SECRET_LENGTH = 256;

export type ExtractFailure = 'MISSING' | 'DUPLICATE' | 'INVALID';

/** Where a route expects the secret. Build once per route, not per request. */
export interface SecretLocation {
  /** Header name, lower-case. */
  readonly header: string;
  /** Query parameter that may carry a secret, or null when the URL is left untouched. */
  readonly queryParam: string | null;
  /** Whether `queryParam` is accepted as the secret (routes with `allowQueryKey`); when false it is only removed. */
  readonly acceptQuery: boolean;
}

export type Extraction =
  | { readonly ok: true; readonly secret: string; readonly url: string }
  | { readonly ok: false; readonly code: ExtractFailure };

const MISSING: Extraction = Object.freeze({ ok: false, code: 'MISSING' });
const DUPLICATE: Extraction = Object.freeze({ ok: false, code: 'DUPLICATE' });
const INVALID: Extraction = Object.freeze({ ok: false, code: 'INVALID' });

const COMMA = 44;

/** MISSING, DUPLICATE or INVALID for a bad value; null when it may be a secret. */
function classify(value: string): ExtractFailure | null {
  let visible = false;
  let whitespace = false;
  let bad = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === COMMA) return 'DUPLICATE';
    if (c > 0x20 && c < 0x7f) visible = true;
    else if (c === 0x20 || c === 0x09) whitespace = true;
    else bad = true; // control characters, DEL, anything beyond ASCII
  }
  if (!visible && !bad) return 'MISSING';
  if (bad || whitespace || value.length > MAX_SECRET_LENGTH) return 'INVALID';
  return null;
}

/** `application/x-www-form-urlencoded` decoding of one component; null when malformed. */
function decodeComponent(raw: string): string | null {
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) return raw;
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

interface QueryScan {
  /** Occurrences of the parameter (with or without a value). */
  count: number;
  /** The last occurrence's decoded value; null when undecodable or far too long. */
  value: string | null;
  /** The URL without the parameter. */
  url: string;
}

/**
 * Scans the query of `url` (everything after the first `?`) for `param`, whose name may be
 * percent-encoded. Other parameters keep their original encoding and order.
 */
function scanQuery(url: string, questionMark: number, param: string): QueryScan {
  const query = url.slice(questionMark + 1);
  const scan: QueryScan = { count: 0, value: null, url };
  if (query.indexOf(param) < 0 && query.indexOf('%') < 0 && query.indexOf('+') < 0) return scan;
  const kept: string[] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    if (name !== param) {
      kept.push(part);
      continue;
    }
    scan.count++;
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    // Percent-encoding at most triples a character: longer cannot decode to a valid secret.
    scan.value = rawValue.length > MAX_SECRET_LENGTH * 3 ? null : decodeComponent(rawValue);
  }
  if (scan.count > 0) {
    const rest = kept.join('&');
    scan.url =
      rest === '' ? url.slice(0, questionMark) : `${url.slice(0, questionMark + 1)}${rest}`;
  }
  return scan;
}

/**
 * Extracts the secret from raw request headers (`IncomingMessage.rawHeaders`: name, value, name,
 * value …, so duplicate lines stay visible) and the request target `url` (or just its `?query`).
 * On success returns the secret and `url` with the query parameter removed.
 */
export function extractSecret(
  rawHeaders: readonly string[],
  url: string,
  location: SecretLocation,
): Extraction {
  const name = location.header;
  const nameLength = name.length;
  let headerCount = 0;
  let headerValue = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const k = rawHeaders[i] as string;
    if (k.length === nameLength && (k === name || k.toLowerCase() === name)) {
      headerCount++;
      headerValue = rawHeaders[i + 1] as string;
    }
  }
  if (headerCount > 1) return DUPLICATE;

  let forwardUrl = url;
  let queryCount = 0;
  let queryValue: string | null = null;
  const param = location.queryParam;
  if (param !== null) {
    const questionMark = url.indexOf('?');
    if (questionMark >= 0) {
      const scan = scanQuery(url, questionMark, param);
      forwardUrl = scan.url;
      if (location.acceptQuery) {
        queryCount = scan.count;
        queryValue = scan.value;
      }
    }
  }

  if (headerCount + queryCount > 1) return DUPLICATE;
  if (headerCount === 0 && queryCount === 0) return MISSING;
  const value = headerCount === 1 ? headerValue : queryValue;
  if (value === null) return INVALID;
  const failure = classify(value);
  if (failure === 'MISSING') return MISSING;
  if (failure === 'DUPLICATE') return DUPLICATE;
  if (failure === 'INVALID') return INVALID;
  return { ok: true, secret: value, url: forwardUrl };
}
