import { digestSecret } from './digest.js';
import { sealSecret } from './envelope.js';
import { AppError } from './errors.js';
import type { Keyring } from './keyring.js';
import type { ApiKey, RetiredSecret, RetireReason, SecretSlot, SlotName } from './model.js';
import { generateSecret, secretHint } from './secret-format.js';

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

type KeyRef = Pick<ApiKey, 'id' | 'institutionId'>;

/** A new secret for one slot: digest under the current pepper, optional sealed copy, hint. */
function issueSlot(key: KeyRef, slot: SlotName, ctx: SecretFactoryContext): IssuedSlot {
  const secret = generateSecret(ctx.prefix);
  const pepper = ctx.keyring.currentPepper;
  return {
    secret,
    slot: {
      keyId: key.id,
      slot,
      digest: digestSecret(secret, pepper),
      digestVersion: pepper.version,
      sealed: ctx.viewable
        ? sealSecret(secret, { institutionId: key.institutionId, keyId: key.id, slot }, ctx.keyring)
        : null,
      hint: secretHint(secret, ctx.prefix),
      generatedAt: ctx.now,
      generatedBy: ctx.actorId,
      lastUsedAt: null,
      lastUsedFrom: null,
      lastUserAgent: null,
      // A Keyward-format secret: issuing one (regenerate, rotation) ends an imported slot.
      imported: false,
    },
  };
}

function retire(
  key: KeyRef,
  slot: SecretSlot,
  reason: RetireReason,
  actorId: string,
  now: Date,
): RetiredSecret {
  if (slot.keyId !== key.id) {
    throw new AppError('INTERNAL', 'Slot does not belong to the key being changed');
  }
  return {
    digest: slot.digest,
    digestVersion: slot.digestVersion,
    keyId: key.id,
    institutionId: key.institutionId,
    slot: slot.slot,
    hint: slot.hint,
    retiredAt: now,
    retiredBy: actorId,
    reason,
    graceUntil: null,
  };
}

/** Both slots of a new key: two independent secrets. */
export function issuePair(key: KeyRef, ctx: SecretFactoryContext): Record<SlotName, IssuedSlot> {
  const primary = issueSlot(key, 'primary', ctx);
  let secondary = issueSlot(key, 'secondary', ctx);
  // With 178 random bits a collision does not happen; the loop states the invariant anyway.
  while (secondary.secret === primary.secret) secondary = issueSlot(key, 'secondary', ctx);
  return { primary, secondary };
}

/** Replaces only `current.slot`; the old digest becomes a RetiredSecret (reason `regenerated`). */
export function regenerateSlot(
  key: KeyRef,
  current: SecretSlot,
  ctx: SecretFactoryContext,
): { readonly issued: IssuedSlot; readonly retired: RetiredSecret } {
  const retired = retire(key, current, 'regenerated', ctx.actorId, ctx.now);
  return { issued: issueSlot(key, current.slot, ctx), retired };
}

/** Every digest of a deleted key becomes a RetiredSecret (reason `deleted`). */
export function retireAllSlots(
  key: KeyRef,
  slots: readonly SecretSlot[],
  actorId: string,
  now: Date,
): RetiredSecret[] {
  return slots.map((slot) => retire(key, slot, 'deleted', actorId, now));
}
