import { AppError } from './errors.js';

/**
 * IPv4 and IPv6 CIDR parsing and matching, without node:net.
 *
 * Matching happens in one 128-bit space: an IPv4 address a.b.c.d is `::ffff:a.b.c.d` and an IPv4
 * CIDR a.b.c.d/n is `::ffff:a.b.c.d/(96+n)`. So an IPv4-mapped client (what a dual-stack socket
 * reports for an IPv4 peer) matches IPv4 CIDRs, and `::/0` matches every client, IPv4 included.
 * For the same reason an IPv4-mapped CIDR with prefix ≥ 96 is canonicalised to IPv4 notation
 * (`::ffff:10.0.0.0/104` → `10.0.0.0/8`): one set of clients, one canonical string.
 */
export type CidrParse =
  | { readonly ok: true; readonly cidr: string }
  | { readonly ok: false; readonly reason: string };

const DOT = 46;
const COLON = 58;
const ZERO = 48;
const NINE = 57;

/** Parses `s[start, end)` as dotted-quad IPv4 (strict: 4 decimal octets, no leading zeros); -1 if invalid. */
function parseIPv4(s: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  for (;;) {
    const first = i;
    let octet = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      octet = octet * 10 + (c - ZERO);
      i++;
      if (i - first > 3) return -1;
    }
    const digits = i - first;
    // `010` is octal to some parsers and decimal to others: refuse the ambiguity.
    if (digits === 0 || octet > 255 || (digits > 1 && s.charCodeAt(first) === ZERO)) return -1;
    value = value * 256 + octet;
    parts++;
    if (parts === 4) return i === end ? value : -1;
    if (i >= end || s.charCodeAt(i) !== DOT) return -1;
    i++;
  }
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Parses `s[0, end)` as IPv6 (RFC 4291 text forms: `::` compression, embedded IPv4 in the last
 * 32 bits) into 8 groups. No zone ids. Returns false when invalid.
 */
function parseIPv6(s: string, end: number, out: Uint16Array): boolean {
  // The longest valid form is 6 full groups plus a dotted quad: 45 characters.
  if (end < 2 || end > 45) return false;
  let groups = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === COLON) {
    if (s.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (groups === 8) return false;
    const start = i;
    let value = 0;
    while (i < end) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
      if (i - start > 4) return false;
    }
    if (i < end && s.charCodeAt(i) === DOT) {
      // A dotted quad ends the address and fills two groups.
      if (groups > 6) return false;
      const v4 = parseIPv4(s, start, end);
      if (v4 < 0) return false;
      out[groups++] = Math.floor(v4 / 65536);
      out[groups++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (i === start) return false;
    out[groups++] = value;
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return false;
    i++;
    if (i < end && s.charCodeAt(i) === COLON) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === end) {
      return false; // a single trailing colon
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false; // `::` stands for at least one group
  const tail = groups - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[groups - 1 - k] as number;
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

/** Scratch space for the hot path (JavaScript is single-threaded; nothing here re-enters). */
const scratch = new Uint16Array(8);

/** Writes the 128-bit form of `s[0, end)` into `words` (4 × uint32); false when not an address. */
function parseAddressInto(s: string, end: number, words: Uint32Array): boolean {
  let colon = false;
  for (let i = 0; i < end; i++) {
    if (s.charCodeAt(i) === COLON) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    const v4 = parseIPv4(s, 0, end);
    if (v4 < 0) return false;
    words[0] = 0;
    words[1] = 0;
    words[2] = 0xffff;
    words[3] = v4;
    return true;
  }
  if (!parseIPv6(s, end, scratch)) return false;
  for (let w = 0; w < 4; w++) {
    words[w] = (scratch[2 * w] as number) * 65536 + (scratch[2 * w + 1] as number);
  }
  return true;
}

/** Mask word `w` (0..3) for a 128-bit prefix length. */
function maskWord(prefix: number, w: number): number {
  const bits = Math.min(32, Math.max(0, prefix - 32 * w));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function isMappedV4(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** RFC 5952: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::` (first on a tie). */
function formatIPv6(words: Uint32Array): string {
  const groups: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = words[w] as number;
    groups.push(word >>> 16, word & 0xffff);
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

interface ParsedCidr {
  /** Network address, host bits cleared, 128-bit space. */
  readonly words: Uint32Array;
  /** Prefix length in the 128-bit space. */
  readonly prefix: number;
}

function parseCidrInternal(input: string): ParsedCidr | string {
  if (typeof input !== 'string') return 'not a string';
  const text = input.trim();
  if (text === '') return 'empty';
  if (text.includes('%')) return 'zone ids are not allowed';
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  if (addressEnd === 0) return 'missing address';
  const isV4 = !text.slice(0, addressEnd).includes(':');
  const words = new Uint32Array(4);
  if (!parseAddressInto(text, addressEnd, words)) {
    return isV4
      ? 'invalid IPv4 address (four decimal octets 0-255, without leading zeros)'
      : 'invalid IPv6 address';
  }
  const max = isV4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(digits)) return 'invalid prefix length';
    prefix = Number(digits);
    if (prefix > max) return `prefix length must be 0-${max}`;
  }
  const prefix128 = isV4 ? prefix + 96 : prefix;
  for (let w = 0; w < 4; w++) words[w] = ((words[w] as number) & maskWord(prefix128, w)) >>> 0;
  return { words, prefix: prefix128 };
}

function formatCidr(parsed: ParsedCidr): string {
  if (parsed.prefix >= 96 && isMappedV4(parsed.words)) {
    return `${formatIPv4(parsed.words[3] as number)}/${parsed.prefix - 96}`;
  }
  return `${formatIPv6(parsed.words)}/${parsed.prefix}`;
}

/**
 * Parses IPv4/IPv6 CIDR (a bare address means /32 or /128); returns the canonical form (host bits
 * cleared, IPv6 compressed lower-case; IPv4-mapped IPv6 with prefix ≥ 96 as IPv4).
 */
export function parseCidr(input: string): CidrParse {
  const parsed = parseCidrInternal(input);
  if (typeof parsed === 'string') return { ok: false, reason: parsed };
  return { ok: true, cidr: formatCidr(parsed) };
}

/** Canonical form of a client address (`::ffff:10.0.0.1` → `10.0.0.1`), or null when invalid. */
export function canonicalIp(ip: string): string | null {
  if (typeof ip !== 'string') return null;
  const words = new Uint32Array(4);
  if (!parseAddressInto(ip, ip.length, words)) return null;
  return isMappedV4(words) ? formatIPv4(words[3] as number) : formatIPv6(words);
}

/** A compiled allow-list: true when `ip` (IPv4, IPv6 or IPv4-mapped IPv6) lies in one of its CIDRs. */
export type CidrMatcher = (ip: string) => boolean;

const clientWords = new Uint32Array(4);

/**
 * Parses `cidrs` once and returns a fast matcher. An invalid entry throws AppError
 * VALIDATION_FAILED: silently skipping it could turn a restricted list into "no restriction".
 * An empty list matches nothing; an unparsable client address never matches.
 */
export function compileCidrs(cidrs: readonly string[]): CidrMatcher {
  // Flat table, 8 words per CIDR: 4 network words then 4 mask words.
  const table = new Uint32Array(cidrs.length * 8);
  for (let n = 0; n < cidrs.length; n++) {
    const cidr = cidrs[n] as string;
    const parsed = parseCidrInternal(cidr);
    if (typeof parsed === 'string') {
      const shown = String(cidr).slice(0, 64);
      throw new AppError('VALIDATION_FAILED', `Invalid CIDR "${shown}": ${parsed}`);
    }
    for (let w = 0; w < 4; w++) {
      table[n * 8 + w] = parsed.words[w] as number;
      table[n * 8 + 4 + w] = maskWord(parsed.prefix, w);
    }
  }
  const count = cidrs.length;
  return function matchCidrs(ip: string): boolean {
    if (typeof ip !== 'string' || !parseAddressInto(ip, ip.length, clientWords)) return false;
    const a0 = clientWords[0] as number;
    const a1 = clientWords[1] as number;
    const a2 = clientWords[2] as number;
    const a3 = clientWords[3] as number;
    for (let n = 0, o = 0; n < count; n++, o += 8) {
      if (
        (a3 & (table[o + 7] as number)) >>> 0 === table[o + 3] &&
        (a2 & (table[o + 6] as number)) >>> 0 === table[o + 2] &&
        (a1 & (table[o + 5] as number)) >>> 0 === table[o + 1] &&
        (a0 & (table[o + 4] as number)) >>> 0 === table[o]
      ) {
        return true;
      }
    }
    return false;
  };
}

/**
 * Matchers of recently seen lists, keyed by array identity. The entries are compared on every hit,
 * so a list mutated after compilation is recompiled rather than matched stale.
 */
const matcherCache = new WeakMap<
  readonly string[],
  { readonly snapshot: string[]; readonly match: CidrMatcher }
>();

/**
 * True when `ip` (IPv4, IPv6 or IPv4-mapped IPv6) lies in any of the canonical `cidrs`.
 * False for an unparsable `ip`; throws AppError VALIDATION_FAILED for an invalid CIDR.
 */
export function ipInCidrs(ip: string, cidrs: readonly string[]): boolean {
  let entry = matcherCache.get(cidrs);
  if (entry !== undefined) {
    const { snapshot } = entry;
    let same = snapshot.length === cidrs.length;
    for (let i = 0; same && i < snapshot.length; i++) same = snapshot[i] === cidrs[i];
    if (!same) entry = undefined;
  }
  if (entry === undefined) {
    entry = { snapshot: [...cidrs], match: compileCidrs(cidrs) };
    matcherCache.set(cidrs, entry);
  }
  return entry.match(ip);
}
