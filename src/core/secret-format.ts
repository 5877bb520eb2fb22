// STUB — implemented by the core helper. Signatures are the contract.
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;

export type SecretParseFailure = 'PREFIX' | 'LENGTH' | 'ALPHABET' | 'CHECKSUM';
export type ParsedSecret =
  | { readonly ok: true; readonly prefix: string; readonly random: string; readonly checksum: string }
  | { readonly ok: false; readonly reason: SecretParseFailure };

/** True when `prefix` is usable as a secret prefix (e.g. `kw_live`). */
export function isValidPrefix(_prefix: string): boolean {
  throw new Error('not implemented');
}
/** CRC-32 (IEEE, as zlib) of bytes. */
export function crc32(_bytes: Uint8Array): number {
  throw new Error('not implemented');
}
/** `<prefix>_<30 base62 CSPRNG chars><6 base62 chars of CRC32>`. */
export function generateSecret(_prefix: string): string {
  throw new Error('not implemented');
}
/** Validates prefix, length, alphabet and checksum; no I/O. */
export function parseSecret(_input: string, _prefix: string): ParsedSecret {
  throw new Error('not implemented');
}
/** `kw_live_…9fQa`: prefix, underscore, ellipsis, last 4 characters. */
export function secretHint(_secret: string, _prefix: string): string {
  throw new Error('not implemented');
}
