import { describe, expect, it } from 'vitest';
import { compileProxyTrust, peerAddress, UNKNOWN_IP } from './client-ip.js';

describe('peerAddress', () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    [undefined, UNKNOWN_IP],
  ])('%s → %s', (remote, expected) => {
    expect(peerAddress(remote)).toBe(expected);
  });
});

describe('compileProxyTrust', () => {
  const proxies = compileProxyTrust(['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(proxies.clientIp('198.51.100.9', '203.0.113.7')).toBe('198.51.100.9');
    expect(compileProxyTrust([]).clientIp('127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
    expect(compileProxyTrust([]).trusts('127.0.0.1')).toBe(false);
  });

  it('takes the rightmost address that is not a trusted proxy', () => {
    expect(proxies.clientIp('127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    expect(proxies.clientIp('127.0.0.1', '1.1.1.1, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    expect(proxies.clientIp('10.0.0.5', '2001:db8::7 , fd00::1')).toBe('2001:db8::7');
    expect(proxies.clientIp('127.0.0.1', '::ffff:203.0.113.8')).toBe('203.0.113.8');
  });

  it('uses the leftmost hop when every hop is a trusted proxy', () => {
    expect(proxies.clientIp('127.0.0.1', '10.0.0.1, 10.0.0.2')).toBe('10.0.0.1');
  });

  it('uses the peer when a trusted proxy sent no header', () => {
    expect(proxies.clientIp('10.9.9.9', undefined)).toBe('10.9.9.9');
  });

  it('fails closed on an unparsable hop', () => {
    expect(proxies.clientIp('127.0.0.1', '203.0.113.7, not-an-ip')).toBe(UNKNOWN_IP);
    expect(proxies.clientIp('127.0.0.1', '')).toBe(UNKNOWN_IP);
  });

  it('refuses an invalid proxy CIDR at start', () => {
    expect(() => compileProxyTrust(['10.0.0.0/33'])).toThrow(/Invalid CIDR/);
  });
});
