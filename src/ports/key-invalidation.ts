/**
 * Announces that verification outcomes may have changed: of one key (regenerate, delete, suspend,
 * restriction edit) or of every key of an institution (its rate-limit settings). The gateway's
 * caches listen; the admin API awaits this before answering, so the next request on this node
 * already sees the change.
 */
export interface KeyInvalidation {
  keyChanged(keyId: string): Promise<void>;
  institutionChanged(institutionId: string): Promise<void>;
}

export const noKeyInvalidation: KeyInvalidation = Object.freeze({
  keyChanged: async () => {},
  institutionChanged: async () => {},
});
