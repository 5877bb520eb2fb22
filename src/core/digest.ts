// STUB — implemented by the core helper. Signatures are the contract.
import type { Keyring, Pepper } from './keyring.js';
/** HMAC-SHA256(pepper, secret) as 64 lowercase hex chars. */
export function digestSecret(_secret: string, _pepper: Pepper): string {
  throw new Error('not implemented');
}
/** Digests under every pepper, current first (for lookups across pepper rotations). */
export function lookupDigests(_secret: string, _keyring: Keyring): string[] {
  throw new Error('not implemented');
}
/** Constant-time equality for fixed-length hex digests; false on length mismatch. */
export function digestsEqual(_a: string, _b: string): boolean {
  throw new Error('not implemented');
}
