// STUB — implemented by the core helper. Signatures are the contract.
import type { Keyring } from './keyring.js';
import type { SealedSecret, SlotName } from './model.js';
/** Binds a ciphertext to its row: AAD = `institutionId|keyId|slot`. */
export interface SecretContext {
  readonly institutionId: string;
  readonly keyId: string;
  readonly slot: SlotName;
}
/** AES-256-GCM under a fresh data key wrapped by the current master key. */
export function sealSecret(_secret: string, _context: SecretContext, _keyring: Keyring): SealedSecret {
  throw new Error('not implemented');
}
/** Throws AppError DECRYPT_FAILED when the key is unknown, the data was altered or the context differs. */
export function openSecret(_sealed: SealedSecret, _context: SecretContext, _keyring: Keyring): string {
  throw new Error('not implemented');
}
