/**
 * Announces that a key's verification outcome may have changed (regenerate, delete, suspend,
 * restriction edit). The gateway's cache listens; the admin API awaits this before answering,
 * so the next request on this node already sees the change.
 */
export interface KeyInvalidation {
  keyChanged(keyId: string): Promise<void>;
}

export const noKeyInvalidation: KeyInvalidation = Object.freeze({
  keyChanged: async () => {},
});
