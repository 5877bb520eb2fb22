import { canonicalIp, compileCidrs } from './cidr.js';

/**
 * Where Keyward may send requests that a tenant chose the destination of (webhooks). An institution
 * admin must not be able to make the server reach what only the server can: itself, the private
 * network around it, or a cloud metadata service. Addresses in these ranges are refused unless a
 * platform operator allows their network (config `webhooks.allowedNetworks`).
 */
export const NON_PUBLIC_CIDRS: readonly string[] = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata (169.254.169.254)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/3', // multicast, reserved, broadcast
  '::/128', // unspecified
  '::1/128', // loopback
  '64:ff9b::/96', // NAT64: an IPv4 address in disguise
  '100::/64', // discard
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
];

/** True when a request may go to `ip`: public, or in one of the `allowed` networks; never for a non-address. */
export type AddressPolicy = (ip: string) => boolean;

/**
 * The policy for outbound requests: every public address, plus `allowed` CIDRs (say, the
 * network of an internal chat relay). IPv4-mapped IPv6 addresses are judged as IPv4. Throws
 * VALIDATION_FAILED for an invalid CIDR in `allowed`.
 */
export function outboundAddressPolicy(allowed: readonly string[]): AddressPolicy {
  const nonPublic = compileCidrs(NON_PUBLIC_CIDRS);
  const exceptions = compileCidrs(allowed);
  return (ip) => canonicalIp(ip) !== null && (!nonPublic(ip) || exceptions(ip));
}

/**
 * The address a URL names without DNS — an IP literal, or `localhost` (always loopback) — or null
 * for a DNS name, which only the connection itself can judge.
 */
export function literalAddressOf(url: string): string | null {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return '127.0.0.1';
  return canonicalIp(host);
}
