import { canonicalIp, compileCidrs } from '../core/cidr.js';

/**
 * The client address the gateway believes: the socket peer, unless the peer is a configured
 * trusted proxy, in which case `X-Forwarded-For` is walked from the right and the first address
 * that is not a trusted proxy wins (each proxy appends the address it saw, so only the entries
 * our own proxies added are trustworthy). An unparsable entry yields UNKNOWN_IP, which matches
 * no allow-list: a forged header can only lose access, never gain it.
 */

export const UNKNOWN_IP = 'unknown';

/** Which peers are our proxies, compiled once. */
export interface ProxyTrust {
  /** True when `peer` (canonical) is a trusted proxy: its `X-Forwarded-*` headers are believed. */
  trusts(peer: string): boolean;
  /** The client address for a request from `peer` carrying `forwardedFor`. */
  clientIp(peer: string, forwardedFor: string | undefined): string;
}

/**
 * The socket's remote address in canonical form (`::ffff:10.0.0.1` → `10.0.0.1`). Node formats
 * peers itself, so this avoids a full parse on the hot path.
 */
export function peerAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return UNKNOWN_IP;
  if (remoteAddress.startsWith('::ffff:') && remoteAddress.indexOf('.') > 0) {
    return remoteAddress.slice(7);
  }
  return remoteAddress;
}

function trustNobody(): boolean {
  return false;
}

function socketPeer(peer: string): string {
  return peer;
}

const NO_PROXIES: ProxyTrust = Object.freeze({ trusts: trustNobody, clientIp: socketPeer });

/** Compiles the trusted-proxy list once (AppError VALIDATION_FAILED on a bad CIDR). */
export function compileProxyTrust(trustedProxies: readonly string[]): ProxyTrust {
  if (trustedProxies.length === 0) return NO_PROXIES;
  const trusts = compileCidrs(trustedProxies);
  return Object.freeze({
    trusts,
    clientIp(peer: string, forwardedFor: string | undefined): string {
      if (forwardedFor === undefined || !trusts(peer)) return peer;
      const hops = forwardedFor.split(',');
      let address = peer;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = canonicalIp((hops[i] as string).trim());
        if (hop === null) return UNKNOWN_IP;
        address = hop;
        if (!trusts(hop)) return hop;
      }
      // Every hop is one of our proxies: the leftmost is as close to the client as we can see.
      return address;
    },
  });
}
