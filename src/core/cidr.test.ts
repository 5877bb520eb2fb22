import { describe, expect, it } from 'vitest';
import { canonicalIp, compileCidrs, ipInCidrs, parseCidr } from './cidr.js';
import { AppError } from './errors.js';

const canonical = (input: string): string => {
  const result = parseCidr(input);
  if (!result.ok) throw new Error(`${input}: ${result.reason}`);
  return result.cidr;
};

describe('parseCidr: IPv4', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.168.1.77/24', '192.168.1.0/24'],
    ['192.168.1.77/25', '192.168.1.0/25'],
    ['192.168.1.200/25', '192.168.1.128/25'],
    ['172.31.255.255/12', '172.16.0.0/12'],
    ['1.2.3.4', '1.2.3.4/32'],
    ['1.2.3.4/32', '1.2.3.4/32'],
    ['255.255.255.255/31', '255.255.255.254/31'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['203.0.113.9/0', '0.0.0.0/0'],
    ['0.0.0.0', '0.0.0.0/32'],
    [' 10.0.0.1/16 ', '10.0.0.0/16'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    '/8',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/08',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '10.0.0.0/8a',
    '10.0.0',
    '10.0.0.0.0',
    '10..0.0',
    '.10.0.0.0',
    '10.0.0.0.',
    '256.0.0.0',
    '1.2.3.999',
    '010.0.0.1',
    '10.00.0.1',
    '1.2.3.04',
    '0x0a.0.0.1',
    '10.0.0.1a',
    '1 .2.3.4',
    '167772161',
    '10.0.0.1%eth0',
    '１.2.3.4',
  ])('rejects "%s"', (input) => {
    const result = parseCidr(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it('explains the common mistakes', () => {
    expect(parseCidr('')).toEqual({ ok: false, reason: 'empty' });
    expect(parseCidr('10.0.0.0/33')).toMatchObject({ reason: 'prefix length must be 0-32' });
    expect(parseCidr('fe80::1%eth0')).toMatchObject({ reason: 'zone ids are not allowed' });
    expect(parseCidr('010.0.0.1')).toMatchObject({
      reason: expect.stringContaining('leading zeros'),
    });
  });
});

describe('parseCidr: IPv6', () => {
  it.each([
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1/128'],
    ['2001:db8:85a3::8a2e:370:7334/64', '2001:db8:85a3::/64'],
    ['2001:db8::1/127', '2001:db8::/127'],
    ['2001:db8::ffff/120', '2001:db8::ff00/120'],
    ['::', '::/128'],
    ['::/0', '::/0'],
    ['::1', '::1/128'],
    ['1::', '1::/128'],
    ['fe80::1/10', 'fe80::/10'],
    ['febf:ffff::/10', 'fe80::/10'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1', '8000::/1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8/128'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0/128'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8/128'],
    // RFC 5952 §4.2: the longest run is compressed; on a tie, the first.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1/128'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1/128'],
    ['0:0:1:0:0:0:0:0', '0:0:1::/128'],
    // Embedded IPv4 that is not IPv4-mapped is written in hex.
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221/128'],
    ['::1.2.3.4', '::102:304/128'],
    ['::ffff:0:0/95', '::fffe:0:0/95'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it.each([
    ['::ffff:10.1.2.3', '10.1.2.3/32'],
    ['::ffff:10.1.2.3/104', '10.0.0.0/8'],
    ['::FFFF:a01:203/120', '10.1.2.0/24'],
    ['0:0:0:0:0:ffff:10.1.2.3/96', '0.0.0.0/0'],
  ])('writes IPv4-mapped %s as IPv4 %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it.each([
    ':',
    ':::',
    '::/129',
    '2001:db8::/',
    '2001:db8::/064',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1::2::3',
    ':1::',
    '1::2:',
    ':1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:',
    '12345::',
    'g::1',
    '2001:db8::1%eth0',
    'fe80::1%25eth0/64',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    '::ffff:01.2.3.4',
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    '[::1]',
    ':: 1',
  ])('rejects "%s"', (input) => {
    expect(parseCidr(input).ok).toBe(false);
  });

  it('accepts the longest valid textual form', () => {
    expect(canonical('0000:0000:0000:0000:0000:ffff:255.255.255.255')).toBe('255.255.255.255/32');
    expect(parseCidr('00000:0000:0000:0000:0000:ffff:255.255.255.255').ok).toBe(false);
  });

  it('is idempotent on canonical output', () => {
    for (const input of [
      '2001:db8:85a3::8a2e:370:7334/64',
      '10.1.2.3/8',
      '::ffff:1.2.3.4/100',
      'fe80::/10',
    ]) {
      const once = canonical(input);
      expect(canonical(once)).toBe(once);
    }
  });
});

describe('canonicalIp', () => {
  it('canonicalises client addresses', () => {
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIp('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalIp('10.0.0.1/8')).toBeNull();
    expect(canonicalIp('nope')).toBeNull();
  });
});

describe('ipInCidrs', () => {
  const list = ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '203.0.113.7/32'];

  it.each([
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['9.255.255.255', false],
    ['192.168.1.200', true],
    ['192.168.2.1', false],
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['2001:db8::1', true],
    ['2001:DB8:FFFF:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db9::1', false],
    ['::1', false],
  ])('%s → %s', (ip, expected) => {
    expect(ipInCidrs(ip, list)).toBe(expected);
  });

  it('matches IPv4-mapped client addresses against IPv4 CIDRs', () => {
    expect(ipInCidrs('::ffff:10.0.0.1', list)).toBe(true);
    expect(ipInCidrs('::FFFF:192.168.1.5', list)).toBe(true);
    expect(ipInCidrs('0:0:0:0:0:ffff:a00:1', list)).toBe(true);
    expect(ipInCidrs('::ffff:11.0.0.1', list)).toBe(false);
    // IPv4-compatible (deprecated) and NAT64 addresses are not IPv4 clients.
    expect(ipInCidrs('::10.0.0.1', list)).toBe(false);
    expect(ipInCidrs('64:ff9b::10.0.0.1', list)).toBe(false);
  });

  it('matches IPv4 clients against IPv4-mapped IPv6 CIDRs and ::/0', () => {
    expect(ipInCidrs('10.0.0.1', ['::ffff:10.0.0.0/104'])).toBe(true);
    expect(ipInCidrs('10.0.0.1', ['::/0'])).toBe(true);
    expect(ipInCidrs('2001:db8::1', ['::/0'])).toBe(true);
  });

  it('0.0.0.0/0 matches every IPv4 client and no native IPv6 client', () => {
    expect(ipInCidrs('1.2.3.4', ['0.0.0.0/0'])).toBe(true);
    expect(ipInCidrs('::ffff:1.2.3.4', ['0.0.0.0/0'])).toBe(true);
    expect(ipInCidrs('2001:db8::1', ['0.0.0.0/0'])).toBe(false);
  });

  it('returns false for unparsable client addresses', () => {
    for (const ip of [
      '',
      'localhost',
      '10.0.0.1/8',
      '10.0.0.256',
      '010.0.0.1',
      'fe80::1%eth0',
      ' 10.0.0.1',
    ]) {
      expect(ipInCidrs(ip, list)).toBe(false);
    }
    expect(ipInCidrs(undefined as unknown as string, list)).toBe(false);
  });

  it('matches nothing with an empty list', () => {
    expect(ipInCidrs('10.0.0.1', [])).toBe(false);
  });

  it('accepts non-canonical CIDRs and throws on invalid ones rather than ignoring them', () => {
    expect(ipInCidrs('10.9.9.9', ['10.1.2.3/8'])).toBe(true);
    expect(() => ipInCidrs('10.0.0.1', ['10.0.0.0/8', 'bogus'])).toThrow(AppError);
  });

  it('notices a list that changed after it was first used', () => {
    const mutable = ['10.0.0.0/8'];
    expect(ipInCidrs('10.0.0.1', mutable)).toBe(true);
    mutable[0] = '192.168.0.0/16';
    expect(ipInCidrs('10.0.0.1', mutable)).toBe(false);
    expect(ipInCidrs('192.168.3.3', mutable)).toBe(true);
  });

  it('handles prefix boundaries in every 32-bit word', () => {
    const cidrs = ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ff00/120', 'ffff:ffff:ffff:8000::/49'];
    expect(ipInCidrs('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', cidrs)).toBe(true);
    expect(ipInCidrs('2001:db8:aaaa:bbbb:cccc:dddd:eeee:feff', cidrs)).toBe(false);
    expect(ipInCidrs('2001:db8:aaaa:bbbb:cccc:dddd:eeef:ff00', cidrs)).toBe(false);
    expect(ipInCidrs('ffff:ffff:ffff:ffff::1', cidrs)).toBe(true);
    expect(ipInCidrs('ffff:ffff:ffff:7fff::1', cidrs)).toBe(false);
  });
});

describe('compileCidrs', () => {
  it('returns a reusable matcher', () => {
    const match = compileCidrs(['10.0.0.0/8', '2001:db8::/32']);
    expect(match('10.1.1.1')).toBe(true);
    expect(match('::ffff:10.1.1.1')).toBe(true);
    expect(match('2001:db8::5')).toBe(true);
    expect(match('8.8.8.8')).toBe(false);
  });

  it('fails when built with an invalid CIDR', () => {
    expect(() => compileCidrs(['10.0.0.0/8', '10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/);
  });

  it('agrees with a straightforward bigint reference on random addresses', () => {
    const toBig = (ip: string): bigint => {
      const canon = canonicalIp(ip) as string;
      if (!canon.includes(':')) {
        const v4 = canon.split('.').reduce((acc, o) => acc * 256n + BigInt(o), 0n);
        return (0xffffn << 32n) | v4;
      }
      const [head = '', tail = ''] = canon.split('::');
      const h = head ? head.split(':') : [];
      const t = tail ? tail.split(':') : [];
      const groups = canon.includes('::')
        ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
        : h;
      return groups.reduce((acc, g) => acc * 65536n + BigInt(`0x${g}`), 0n);
    };
    const rand = (bits: number): number => Math.floor(Math.random() * 2 ** bits);
    for (let round = 0; round < 300; round++) {
      const base = Array.from({ length: 8 }, () => rand(16).toString(16)).join(':');
      const prefix = rand(7) + 1;
      const cidr = canonical(`${base}/${Math.min(prefix, 128)}`);
      const [net = '', len = '0'] = cidr.split('/');
      const bits = cidr.includes(':') ? Number(len) : Number(len) + 96;
      const netBig = toBig(net);
      const match = compileCidrs([cidr]);
      for (let i = 0; i < 20; i++) {
        // Half the probes share the network prefix, half are random.
        const probe =
          i % 2 === 0
            ? base
                .split(':')
                .map((g, k) => (k >= Math.floor(bits / 16) + 1 ? rand(16).toString(16) : g))
                .join(':')
            : Array.from({ length: 8 }, () => rand(16).toString(16)).join(':');
        const shift = 128n - BigInt(bits);
        const expected = toBig(probe) >> shift === netBig >> shift;
        expect(match(probe)).toBe(expected);
      }
    }
  });
});
