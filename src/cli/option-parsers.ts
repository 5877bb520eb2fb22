import { InvalidArgumentError } from 'commander';
import type { RateLimit } from '../core/model.js';

/**
 * Parsers for option values. Each throws commander's `InvalidArgumentError`, which the program
 * reports as a usage error (exit 2) naming the option, before any request is sent.
 */

const WINDOW_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * `<limit>/<window>`: `100/60s`, `10/1m`, `5000/1h`, `100/60` (seconds), `100/s` (one second).
 */
export function parseRateLimit(value: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d*)\s*([smhd]?)\s*$/i.exec(value);
  if (!match) {
    throw new InvalidArgumentError('Expected <limit>/<window>, e.g. 100/60s, 10/1m or 5000/1h.');
  }
  const [, limitText = '', countText = '', unitText = ''] = match;
  if (countText === '' && unitText === '') {
    throw new InvalidArgumentError('The window is missing, e.g. 100/60s.');
  }
  const limit = Number(limitText);
  const count = countText === '' ? 1 : Number(countText);
  const windowSeconds = count * (WINDOW_UNITS[unitText.toLowerCase() || 's'] ?? 1);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError('The limit must be a whole number of at least 1.');
  }
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new InvalidArgumentError('The window must be at least 1 second.');
  }
  return { limit, windowSeconds };
}

/*
 * The "remove it" words are returned as themselves, not as null: commander turns a parser's null
 * into an empty string.
 */

/** `--rate-limit` of `keys update`: a limit, or `none` to remove it. */
export function parseRateLimitOrNone(value: string): RateLimit | 'none' {
  return value.trim().toLowerCase() === 'none' ? 'none' : parseRateLimit(value);
}

/** An ISO 8601 date-time (a bare date means midnight UTC), sent normalised to UTC. */
export function parseExpiry(value: string): string {
  const trimmed = value.trim();
  // Date.parse accepts many loose formats ("1"), so require an ISO-looking date first.
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(trimmed)) {
    throw new InvalidArgumentError('Expected an ISO 8601 date-time, e.g. 2030-01-31T12:00:00Z.');
  }
  const at = new Date(trimmed.replace(' ', 'T'));
  if (Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('Not a valid date-time.');
  }
  return at.toISOString();
}

/** `--expires-at` of `keys update`: a date-time, or `never` to remove the expiry. */
export function parseExpiryOrNever(value: string): string {
  return value.trim().toLowerCase() === 'never' ? 'never' : parseExpiry(value);
}

/** A TCP port; 0 lets the system pick a free one. */
export function parsePort(value: string): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('Expected a port number from 0 to 65535.');
  }
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('Expected a whole number of at least 1.');
  }
  return n;
}

/** A number of seconds from 0 to 86400 (one day). */
export function parseSeconds(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 86_400) {
    throw new InvalidArgumentError('Expected a number of seconds from 0 to 86400.');
  }
  return n;
}

export function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  throw new InvalidArgumentError('Expected true or false.');
}

/** For repeatable options (`--scope a --scope b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--unused-for`: `30d`, `12h` or `90m`. */
export function parseDuration(value: string): string {
  if (!/^[1-9][0-9]{0,4}[mhd]$/.test(value)) {
    throw new InvalidArgumentError('expected a duration such as 30d, 12h or 90m');
  }
  return value;
}

/** A size in bytes: `1048576`, `512k`, `10M`, `1G` (binary units; `KiB`/`MB`-style suffixes too). */
export function parseByteSize(value: string): number {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const n = m ? Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a size such as 10M, 512k or 1048576');
  }
  return n;
}
