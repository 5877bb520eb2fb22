import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring, Pepper } from './keyring.js';

/** HMAC-SHA256(pepper, secret) as 64 lowercase hex chars. */
export function digestSecret(secret: string, pepper: Pepper): string {
  return createHmac('sha256', pepper.key).update(secret, 'utf8').digest('hex');
}

/** Digests under every pepper, current first (for lookups across pepper rotations). */
export function lookupDigests(secret: string, keyring: Keyring): string[] {
  const current = keyring.currentPepper;
  const out = [digestSecret(secret, current)];
  for (const pepper of keyring.peppers) {
    if (pepper.version !== current.version) out.push(digestSecret(secret, pepper));
  }
  return out;
}

/** Constant-time equality for fixed-length hex digests; false on length mismatch. */
export function digestsEqual(a: string, b: string): boolean {
  // Only the length can leak, and digests all have the same length.
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Equal UTF-16 lengths can still differ in UTF-8 bytes when a string is not ASCII hex.
  return left.length === right.length && timingSafeEqual(left, right);
}
