import type { SlotName } from './model.js';

export type ShareState = 'active' | 'revoked';

/**
 * A slot's secret handed to someone temporarily ("share the secondary temporarily, then
 * regenerate it to revoke"): at `until` Keyward regenerates the slot by itself. Regenerating the
 * slot earlier ends the share too (the shared secret is gone either way).
 */
export interface Share {
  readonly id: string;
  readonly keyId: string;
  readonly institutionId: string;
  readonly slot: SlotName;
  readonly until: Date;
  readonly note: string | null;
  /** Who shared it: a user id or a manage key id (the alert at revocation names them). */
  readonly sharedBy: string;
  readonly createdAt: Date;
  readonly state: ShareState;
  /** When the slot was regenerated (by the scheduler at `until`, or earlier by someone). */
  readonly revokedAt: Date | null;
}
