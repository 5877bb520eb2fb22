import { randomBytes } from 'node:crypto';
import { AppError } from './errors.js';

/** Every pepper and master key is 32 bytes (HMAC-SHA256 key, AES-256 key). */
export const KEY_MATERIAL_BYTES = 32;

/** A versioned HMAC key for digests. */
export interface Pepper {
  readonly version: number;
  readonly key: Buffer;
}
/** A versioned AES-256 key that wraps data keys. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}
/** All secret material the server holds in memory. `current` entries are used for new writes. */
export interface Keyring {
  readonly currentPepper: Pepper;
  /** Every pepper, newest first (lookups try each). */
  readonly peppers: readonly Pepper[];
  readonly currentMasterKey: MasterKey;
  readonly masterKeys: ReadonlyMap<string, MasterKey>;
}

/** Raw material, as read from the environment or the keyring file. */
export interface KeyringMaterial {
  /** Pepper version → 32-byte key. */
  readonly peppers: Readonly<Record<number, Buffer>>;
  /** Master key id (decimal string, e.g. `"1"`) → 32-byte key. */
  readonly masterKeys: Readonly<Record<string, Buffer>>;
}

/** Versions and ids are positive decimal integers without leading zeros. */
const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

function checkMaterial(kind: string, id: string, key: unknown): Buffer {
  if (!VERSION_PATTERN.test(id)) {
    throw new AppError('CONFIG_INVALID', `${kind} id "${id}" must be a positive decimal integer`);
  }
  if (!Buffer.isBuffer(key) || key.length !== KEY_MATERIAL_BYTES) {
    // Never echo the material itself, only its id.
    throw new AppError('CONFIG_INVALID', `${kind} ${id} must be ${KEY_MATERIAL_BYTES} bytes`);
  }
  // A private copy: later changes to the caller's buffer cannot alter the keyring.
  return Buffer.from(key);
}

/**
 * Validates raw material and builds the keyring: the current pepper is the highest version, the
 * current master key the highest numeric id. Throws AppError CONFIG_INVALID (without material).
 */
export function buildKeyring(material: KeyringMaterial): Keyring {
  const peppers: Pepper[] = Object.entries(material.peppers ?? {})
    .map(([id, key]) =>
      Object.freeze({ version: Number(id), key: checkMaterial('Pepper', id, key) }),
    )
    .sort((a, b) => b.version - a.version);
  const masterList: MasterKey[] = Object.entries(material.masterKeys ?? {})
    .map(([id, key]) => Object.freeze({ id, key: checkMaterial('Master key', id, key) }))
    .sort((a, b) => Number(b.id) - Number(a.id));
  const currentPepper = peppers[0];
  const currentMasterKey = masterList[0];
  if (!currentPepper) throw new AppError('CONFIG_INVALID', 'At least one pepper is required');
  if (!currentMasterKey)
    throw new AppError('CONFIG_INVALID', 'At least one master key is required');
  return Object.freeze({
    currentPepper,
    peppers: Object.freeze(peppers),
    currentMasterKey,
    masterKeys: new Map(masterList.map((k) => [k.id, k])),
  });
}

/** 32 bytes from the CSPRNG: a new pepper or master key. */
export function generateKeyMaterial(): Buffer {
  return randomBytes(KEY_MATERIAL_BYTES);
}
