import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatRateLimit } from './api-types.js';
import {
  parseByteSize,
  parseExpiry,
  parseExpiryOrNever,
  parsePort,
  parseRateLimit,
  parseRateLimitOrNone,
} from './option-parsers.js';

describe('parseRateLimit', () => {
  it.each([
    ['100/60s', { limit: 100, windowSeconds: 60 }],
    ['10/1m', { limit: 10, windowSeconds: 60 }],
    ['5000/1h', { limit: 5000, windowSeconds: 3600 }],
    ['1000/1d', { limit: 1000, windowSeconds: 86400 }],
    ['100/60', { limit: 100, windowSeconds: 60 }],
    ['100/s', { limit: 100, windowSeconds: 1 }],
    [' 20 / 5M ', { limit: 20, windowSeconds: 300 }],
  ])('reads %s', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each(['100', '100/', '/60s', '0/60s', '100/0s', '100/60x', '-1/60s', '1.5/60s', 'none'])(
    'rejects %s as a usage error',
    (text) => {
      expect(() => parseRateLimit(text)).toThrow(InvalidArgumentError);
    },
  );

  it('accepts none only where a limit can be removed', () => {
    expect(parseRateLimitOrNone('none')).toBe('none');
    expect(parseRateLimitOrNone('3/1m')).toEqual({ limit: 3, windowSeconds: 60 });
  });

  it('prints limits back in the same notation', () => {
    expect(formatRateLimit({ limit: 10, windowSeconds: 60 })).toBe('10/1m');
    expect(formatRateLimit({ limit: 100, windowSeconds: 90 })).toBe('100/90s');
    expect(formatRateLimit(null)).toBe('-');
  });
});

describe('parseExpiry', () => {
  it('normalises to UTC ISO 8601', () => {
    expect(parseExpiry('2030-01-31T12:00:00+02:00')).toBe('2030-01-31T10:00:00.000Z');
    expect(parseExpiry('2030-01-31')).toBe('2030-01-31T00:00:00.000Z');
  });

  it('rejects what is not a date-time', () => {
    expect(() => parseExpiry('tomorrow')).toThrow(InvalidArgumentError);
    expect(() => parseExpiry('1')).toThrow(InvalidArgumentError);
    expect(() => parseExpiry('2030-13-45')).toThrow(InvalidArgumentError);
  });

  it('keeps never as a word for updates', () => {
    expect(parseExpiryOrNever('never')).toBe('never');
  });
});

describe('parsePort', () => {
  it('accepts 0 to 65535 only', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8080')).toBe(8080);
    expect(() => parsePort('65536')).toThrow(InvalidArgumentError);
    expect(() => parsePort('80a')).toThrow(InvalidArgumentError);
  });
});

describe('parseByteSize', () => {
  it('reads bytes and binary units', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('512k')).toBe(512 * 1024);
    expect(parseByteSize('10M')).toBe(10 * 1024 ** 2);
    expect(parseByteSize('10MiB')).toBe(10 * 1024 ** 2);
    expect(parseByteSize('1G')).toBe(1024 ** 3);
  });

  it('rejects anything else', () => {
    for (const bad of ['', '0', '-1', '1.5M', '10T', 'big']) {
      expect(() => parseByteSize(bad)).toThrow(/expected a size/);
    }
  });
});
