import { describe, expect, it } from 'vitest';
import { literalAddressOf, outboundAddressPolicy } from './outbound-address.js';

describe('outboundAddressPolicy', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses, v4 and v6', () => {
    const allows = outboundAddressPolicy([]);
    for (const ip of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.5',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      'fd00::1',
      'fe80::1',
      'ff02::1',
    ]) {
      expect(allows(ip), ip).toBe(false);
    }
  });

  it('allows public addresses', () => {
    const allows = outboundAddressPolicy([]);
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.4.4']) {
      expect(allows(ip), ip).toBe(true);
    }
  });

  it('lets a platform operator allow a network, and only that one', () => {
    const allows = outboundAddressPolicy(['10.20.0.0/16', '::1/128']);
    expect(allows('10.20.3.4')).toBe(true);
    expect(allows('::1')).toBe(true);
    expect(allows('10.21.0.1')).toBe(false);
    expect(allows('127.0.0.1')).toBe(false);
  });

  it('refuses what is not an address, and rejects an invalid allowed network', () => {
    expect(outboundAddressPolicy([])('not-an-ip')).toBe(false);
    expect(() => outboundAddressPolicy(['10.0.0.0/33'])).toThrow(/Invalid CIDR/);
  });
});

describe('literalAddressOf', () => {
  it('reads IP literals and localhost from a URL; a DNS name is left to connect time', () => {
    expect(literalAddressOf('http://127.0.0.1:9/x')).toBe('127.0.0.1');
    expect(literalAddressOf('https://[::1]/x')).toBe('::1');
    expect(literalAddressOf('https://[::ffff:a9fe:a9fe]/')).toBe('169.254.169.254');
    expect(literalAddressOf('http://LOCALHOST:8080/')).toBe('127.0.0.1');
    expect(literalAddressOf('http://api.localhost/')).toBe('127.0.0.1');
    expect(literalAddressOf('http://2130706433/')).toBe('127.0.0.1');
    expect(literalAddressOf('https://hooks.example.org/x')).toBeNull();
  });
});
