// STUB — implemented by the core helper. Signatures are the contract.
export type CidrParse = { readonly ok: true; readonly cidr: string } | { readonly ok: false; readonly reason: string };
/** Parses IPv4/IPv6 CIDR (a bare address means /32 or /128); returns the canonical form (host bits cleared, IPv6 compressed lower-case). */
export function parseCidr(_input: string): CidrParse {
  throw new Error('not implemented');
}
/** True when `ip` (IPv4, IPv6 or IPv4-mapped IPv6) lies in any of the canonical `cidrs`. */
export function ipInCidrs(_ip: string, _cidrs: readonly string[]): boolean {
  throw new Error('not implemented');
}
