import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from './errors.js';
import type { Keyring, MasterKey } from './keyring.js';
import type { SealedSecret, SlotName } from './model.js';

/** Binds a ciphertext to its row: AAD = `institutionId|keyId|slot`. */
export interface SecretContext {
  readonly institutionId: string;
  readonly keyId: string;
  readonly slot: SlotName;
}

/**
 * Layout of `SealedSecret.ciphertext` (base64url of one buffer), version 1:
 *
 *   version (1) ‖ wrap nonce (12) ‖ wrapped data key (32) ‖ wrap tag (16) ‖ nonce (12) ‖ ct ‖ tag (16)
 *
 * The data key is fresh per secret; it is wrapped with AES-256-GCM under the master key with
 * AAD = `institutionId|keyId|slot|masterKeyId`, and the secret is encrypted under the data key
 * with AAD = `institutionId|keyId|slot`, so a ciphertext moved to another row, tenant or master
 * key id does not open.
 */
export const ENVELOPE_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const WRAP_END = 1 + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const MIN_BYTES = WRAP_END + NONCE_BYTES + TAG_BYTES;

/** The AAD parts of a key slot's secret: `institutionId|keyId|slot`. */
function slotAad(context: SecretContext): readonly string[] {
  return [context.institutionId, context.keyId, context.slot];
}

/** `|` inside a part would make two different contexts produce the same AAD. */
function isUnambiguous(aad: readonly string[]): boolean {
  return aad.length > 0 && aad.every((part) => typeof part === 'string' && !part.includes('|'));
}

function gcmSeal(key: Buffer, nonce: Buffer, aad: string, plaintext: Buffer): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
}

function gcmOpen(key: Buffer, nonce: Buffer, aad: string, body: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** AES-256-GCM under a fresh data key wrapped by the current master key. */
export function sealSecret(secret: string, context: SecretContext, keyring: Keyring): SealedSecret {
  return sealValue(secret, slotAad(context), keyring);
}

/** Throws AppError DECRYPT_FAILED when the key is unknown, the data was altered or the context differs. */
export function openSecret(sealed: SealedSecret, context: SecretContext, keyring: Keyring): string {
  return openValue(sealed, slotAad(context), keyring);
}

/**
 * `sealSecret` for any secret the server must recover (e.g. a webhook's signing secret): the AAD
 * is `aad.join('|')`. Give each kind of secret its own first part (key slots start with an
 * institution id, webhooks with `webhook`) so a ciphertext of one kind never opens as another.
 */
export function sealValue(
  secret: string,
  aadParts: readonly string[],
  keyring: Keyring,
): SealedSecret {
  if (!isUnambiguous(aadParts)) {
    throw new AppError('INTERNAL', 'Secret context parts must be strings without "|"');
  }
  const master = keyring.currentMasterKey;
  const aad = aadParts.join('|');
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const plaintext = Buffer.from(secret, 'utf8');
  try {
    const wrapNonce = randomBytes(NONCE_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const wrapped = gcmSeal(master.key, wrapNonce, `${aad}|${master.id}`, dataKey);
    const sealed = gcmSeal(dataKey, nonce, aad, plaintext);
    const out = Buffer.concat([
      Buffer.of(ENVELOPE_VERSION),
      wrapNonce,
      ...wrapped,
      nonce,
      ...sealed,
    ]);
    return { masterKeyId: master.id, ciphertext: out.toString('base64url') };
  } finally {
    dataKey.fill(0);
    plaintext.fill(0);
  }
}

/** `openSecret` for a value sealed with `sealValue` and the same AAD parts. */
export function openValue(
  sealed: SealedSecret,
  aadParts: readonly string[],
  keyring: Keyring,
): string {
  // One error for every cause: the reason would only help someone probing the ciphertext.
  const master: MasterKey | undefined = keyring.masterKeys.get(sealed.masterKeyId);
  if (!master || !isUnambiguous(aadParts) || typeof sealed.ciphertext !== 'string') {
    throw new AppError('DECRYPT_FAILED');
  }
  const raw = Buffer.from(sealed.ciphertext, 'base64url');
  // Buffer.from ignores junk characters and unused trailing bits; insist on the exact encoding.
  if (
    raw.length < MIN_BYTES ||
    raw[0] !== ENVELOPE_VERSION ||
    raw.toString('base64url') !== sealed.ciphertext
  ) {
    throw new AppError('DECRYPT_FAILED');
  }
  const aad = aadParts.join('|');
  let dataKey: Buffer | undefined;
  try {
    const wrapNonce = raw.subarray(1, 1 + NONCE_BYTES);
    const wrappedKey = raw.subarray(1 + NONCE_BYTES, WRAP_END - TAG_BYTES);
    const wrapTag = raw.subarray(WRAP_END - TAG_BYTES, WRAP_END);
    const nonce = raw.subarray(WRAP_END, WRAP_END + NONCE_BYTES);
    const body = raw.subarray(WRAP_END + NONCE_BYTES, raw.length - TAG_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    dataKey = gcmOpen(master.key, wrapNonce, `${aad}|${master.id}`, wrappedKey, wrapTag);
    return gcmOpen(dataKey, nonce, aad, body, tag).toString('utf8');
  } catch {
    throw new AppError('DECRYPT_FAILED');
  } finally {
    dataKey?.fill(0);
  }
}
