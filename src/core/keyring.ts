// STUB — implemented by the core helper. Signatures are the contract.
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
