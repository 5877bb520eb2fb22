// STUB — implemented by the core helper. Signatures are the contract.
import type { Keyring } from './keyring.js';
import type { ApiKey, RetiredSecret, SecretSlot, SlotName } from './model.js';

export interface SecretFactoryContext {
  readonly prefix: string;
  readonly keyring: Keyring;
  /** Keep an envelope-encrypted copy so admins can view the secret later. */
  readonly viewable: boolean;
  readonly actorId: string;
  readonly now: Date;
}
export interface IssuedSlot {
  readonly slot: SecretSlot;
  /** The plaintext, to return once to the caller. Never stored. */
  readonly secret: string;
}
/** Both slots of a new key: two independent secrets. */
export function issuePair(_key: Pick<ApiKey, 'id' | 'institutionId'>, _ctx: SecretFactoryContext): Record<SlotName, IssuedSlot> {
  throw new Error('not implemented');
}
/** Replaces only `current.slot`; the old digest becomes a RetiredSecret (reason `regenerated`). */
export function regenerateSlot(
  _key: Pick<ApiKey, 'id' | 'institutionId'>,
  _current: SecretSlot,
  _ctx: SecretFactoryContext,
): { readonly issued: IssuedSlot; readonly retired: RetiredSecret } {
  throw new Error('not implemented');
}
/** Every digest of a deleted key becomes a RetiredSecret (reason `deleted`). */
export function retireAllSlots(
  _key: Pick<ApiKey, 'id' | 'institutionId'>,
  _slots: readonly SecretSlot[],
  _actorId: string,
  _now: Date,
): RetiredSecret[] {
  throw new Error('not implemented');
}
