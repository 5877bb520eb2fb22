import { lookupDigests } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import { importPair } from '../core/imported-pair.js';
import type { Keyring } from '../core/keyring.js';
import { legacyFormatOf } from '../core/legacy-secret.js';
import { type RateLimit, SLOT_NAMES } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Store, StoreRepos } from '../ports/store.js';
import { newApiKey } from './key-input.js';
import type { KeyWithSlots } from './key-service.js';
import {
  actorId,
  auditOf,
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  requireAccess,
} from './principal.js';

export interface ImportKeyInput {
  readonly name: string;
  /** Only `use`: imported secrets authenticate API clients at the gateway, never the admin API. */
  readonly kind?: 'use';
  readonly primary: string;
  readonly secondary: string;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: string | null;
  readonly rateLimit?: RateLimit | null;
}

export interface KeyImportServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyring: Keyring;
  readonly secretPrefix: string;
  /** Keep a sealed copy of each imported value for `GET /keys/{id}/secrets`, as for issued ones. */
  readonly viewableSecrets: boolean;
  readonly invalidation: KeyInvalidation;
}

/** Who may import: whoever may create keys. */
const WRITERS: readonly InstitutionAccess[] = ['admin', 'manage-key'];

/**
 * Imports an existing pair of secrets (e.g. an Azure API Management subscription's primary and
 * secondary keys) as a new API key, so clients keep sending what they have while the institution
 * moves behind Keyward. The values are stored like issued secrets — digest, optional sealed copy,
 * hint — and never returned, logged or put in an error. The slots are flagged `imported`: the
 * gateway accepts their legacy format for them only, and regenerating a slot (or a guided
 * rotation) replaces it with a Keyward-format secret.
 */
export class KeyImportService {
  constructor(private readonly deps: KeyImportServiceDeps) {}

  /**
   * Creates the key with both values; audited `key.import` (hints and formats only). Refused with
   * VALIDATION_FAILED for a value of no accepted format or two equal values, and with CONFLICT
   * when Keyward already holds a value (in a slot or retired): a secret belongs to one key.
   */
  async import(
    ctx: RequestContext,
    institutionId: string,
    input: ImportKeyInput,
  ): Promise<KeyWithSlots> {
    requireAccess(institutionAccess(ctx, institutionId), WRITERS, 'import keys');
    if ((input.kind ?? 'use') !== 'use') {
      throw new AppError('VALIDATION_FAILED', 'Imported keys are use keys', { field: 'kind' });
    }
    const now = this.deps.clock.now();
    const key = newApiKey(institutionId, 'use', input, actorId(ctx), now);
    const values = { primary: input.primary, secondary: input.secondary };
    const pair = importPair(key, values, {
      prefix: this.deps.secretPrefix,
      keyring: this.deps.keyring,
      viewable: this.deps.viewableSecrets,
      actorId: actorId(ctx),
      now,
    });
    const slots = [pair.primary, pair.secondary];
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.institutions.get(institutionId))) {
        throw new AppError('NOT_FOUND', 'Institution not found');
      }
      for (const slot of SLOT_NAMES) await this.requireUnknown(tx, slot, values[slot]);
      await tx.keys.insert(key, slots);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'key.import', {
          institutionId,
          target: key.id,
          details: {
            name: key.name,
            kind: key.kind,
            scopes: key.scopes,
            allowedCidrs: key.allowedCidrs,
            primary: { hint: pair.primary.hint, format: legacyFormatOf(values.primary) },
            secondary: { hint: pair.secondary.hint, format: legacyFormatOf(values.secondary) },
          },
        }),
      );
    });
    // A client may have sent a value (and been refused) just before: a store read in flight from
    // then must not be cached as "not found" after this commit.
    await this.deps.invalidation.keyChanged(key.id);
    return { key, slots };
  }

  /**
   * CONFLICT when any key holds `value` now or held it once (under any pepper version). The
   * unique digest index refuses a live duplicate anyway; retired digests live in another table,
   * so only this check keeps a retired secret from coming back to life under another key.
   */
  private async requireUnknown(tx: StoreRepos, slot: string, value: string): Promise<void> {
    const match = await tx.keys.findByDigests(lookupDigests(value, this.deps.keyring));
    if (match !== null) {
      throw new AppError(
        'CONFLICT',
        `The ${slot} value is already known to Keyward (a key holds it, or held it and retired it); a secret can be imported once`,
        { field: slot },
      );
    }
  }
}
