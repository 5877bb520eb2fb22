import { digestSecret } from './digest.js';
import { sealSecret } from './envelope.js';
import { AppError } from './errors.js';
import type { SecretFactoryContext } from './key-pair.js';
import { importProblem, legacySecretHint } from './legacy-secret.js';
import type { ApiKey, SecretSlot, SlotName } from './model.js';

/** The two values an institution brings from its previous gateway. */
export type ImportedValues = Readonly<Record<SlotName, string>>;

type KeyRef = Pick<ApiKey, 'id' | 'institutionId'>;

/**
 * A slot holding an existing secret: stored exactly like an issued one (digest under the current
 * pepper, sealed copy only when the deployment keeps viewable secrets, a hint) and flagged
 * `imported`, which is what lets its legacy-format value authenticate.
 */
function importSlot(
  key: KeyRef,
  slot: SlotName,
  secret: string,
  ctx: SecretFactoryContext,
): SecretSlot {
  const pepper = ctx.keyring.currentPepper;
  return {
    keyId: key.id,
    slot,
    digest: digestSecret(secret, pepper),
    digestVersion: pepper.version,
    sealed: ctx.viewable
      ? sealSecret(secret, { institutionId: key.institutionId, keyId: key.id, slot }, ctx.keyring)
      : null,
    hint: legacySecretHint(secret),
    generatedAt: ctx.now,
    generatedBy: ctx.actorId,
    lastUsedAt: null,
    lastUsedFrom: null,
    lastUserAgent: null,
    imported: true,
  };
}

/**
 * Both slots of an imported key. Throws VALIDATION_FAILED (naming the field, never the value) when
 * a value is not an accepted legacy format (core/legacy-secret.ts) or both are the same: the pair
 * is two independent secrets, so one can be rotated while the other keeps clients working.
 * Whether a value is already held by Keyward is the caller's check (it needs the store).
 */
export function importPair(
  key: KeyRef,
  values: ImportedValues,
  ctx: SecretFactoryContext,
): Record<SlotName, SecretSlot> {
  for (const slot of ['primary', 'secondary'] as const) {
    const problem = importProblem(values[slot]);
    if (problem !== null) {
      throw new AppError('VALIDATION_FAILED', `${slot} ${problem}`, { field: slot });
    }
  }
  if (values.primary === values.secondary) {
    throw new AppError('VALIDATION_FAILED', 'primary and secondary must be different secrets', {
      field: 'secondary',
    });
  }
  return {
    primary: importSlot(key, 'primary', values.primary, ctx),
    secondary: importSlot(key, 'secondary', values.secondary, ctx),
  };
}
