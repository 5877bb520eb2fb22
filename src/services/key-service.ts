import { openSecret, type SecretContext } from '../core/envelope.js';
import { AppError } from '../core/errors.js';
import {
  issuePair,
  regenerateSlot,
  retireAllSlots,
  type SecretFactoryContext,
} from '../core/key-pair.js';
import type { Keyring } from '../core/keyring.js';
import type { ApiKey, KeyKind, RateLimit, SecretSlot, SlotName } from '../core/model.js';
import { evidenceView } from '../core/slot-activity.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { ApiKeyPatch, SlotClient, Store, StoreRepos } from '../ports/store.js';
import {
  canonicalCidrs,
  durationMs,
  futureExpiry,
  newApiKey,
  rateLimitOf,
  uniqueScopes,
} from './key-input.js';

/** Clients listed per key: enough to see who still sends a slot, bounded for the response. */
export const CLIENTS_LISTED = 500;

import {
  actorId,
  auditOf,
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  requireAccess,
  visibleKey,
} from './principal.js';
import { slotEvidence } from './slot-evidence.js';

export interface KeyWithSlots {
  readonly key: ApiKey;
  readonly slots: readonly SecretSlot[];
}

export interface CreateKeyInput {
  readonly name: string;
  readonly kind?: KeyKind;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: string | null;
  readonly rateLimit?: RateLimit | null;
}

export interface UpdateKeyInput {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: string | null;
  readonly rateLimit?: RateLimit | null;
  readonly state?: 'active' | 'suspended';
}

export interface KeyServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyring: Keyring;
  readonly secretPrefix: string;
  readonly viewableSecrets: boolean;
  readonly invalidation: KeyInvalidation;
}

/** `key.suspend` / `key.activate` when the state flips, else `key.update`. */
function updateAction(key: ApiKey, input: UpdateKeyInput): string {
  if (input.state === undefined || input.state === key.state) return 'key.update';
  return input.state === 'active' ? 'key.activate' : 'key.suspend';
}

const WRITERS: readonly InstitutionAccess[] = ['admin', 'manage-key'];
const READERS: readonly InstitutionAccess[] = ['admin', 'operator', 'manage-key'];

/**
 * API keys: each a pair of equivalent secrets. Every change and every secret view is audited in
 * the same transaction; changes that affect verification are announced through `invalidation`
 * before the call returns.
 */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  /** Creates a key; the two secrets are returned here once and never again (except by view). */
  async create(ctx: RequestContext, institutionId: string, input: CreateKeyInput) {
    const access = institutionAccess(ctx, institutionId);
    requireAccess(access, WRITERS, 'create keys');
    const kind = input.kind ?? 'use';
    if (kind === 'manage' && access === 'manage-key') {
      throw new AppError('FORBIDDEN', 'A manage key cannot create another manage key');
    }
    const now = this.deps.clock.now();
    const key = newApiKey(institutionId, kind, input, actorId(ctx), now);
    const pair = issuePair(key, this.factory(ctx, now));
    await this.deps.store.transaction(async (tx) => {
      await this.requireInstitution(tx, institutionId);
      await tx.keys.insert(key, [pair.primary.slot, pair.secondary.slot]);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'key.create', {
          institutionId,
          target: key.id,
          details: {
            name: key.name,
            kind: key.kind,
            scopes: key.scopes,
            allowedCidrs: key.allowedCidrs,
          },
        }),
      );
    });
    return {
      key,
      slots: [pair.primary.slot, pair.secondary.slot],
      secrets: { primary: pair.primary.secret, secondary: pair.secondary.secret },
    };
  }

  /**
   * The institution's keys; with `unusedFor` (`30d`, `12h`, `90m`), only those with no accepted
   * request for that long: no slot used since, and the key created before.
   */
  async list(
    ctx: RequestContext,
    institutionId: string,
    filter: { readonly unusedFor?: string } = {},
  ): Promise<KeyWithSlots[]> {
    requireAccess(institutionAccess(ctx, institutionId), READERS, 'list keys');
    if (!(await this.deps.store.institutions.get(institutionId))) {
      throw new AppError('NOT_FOUND', 'Institution not found');
    }
    const keys = await this.deps.store.keys.listByInstitution(institutionId);
    const slotsByKey = new Map<string, SecretSlot[]>();
    for (const slot of await this.deps.store.keys.getSlotsOfKeys(keys.map((k) => k.id))) {
      slotsByKey.set(slot.keyId, [...(slotsByKey.get(slot.keyId) ?? []), slot]);
    }
    const listed = keys.map((key) => ({ key, slots: slotsByKey.get(key.id) ?? [] }));
    if (filter.unusedFor === undefined) return listed;
    const since = this.deps.clock.now().getTime() - durationMs(filter.unusedFor);
    return listed.filter(
      ({ key, slots }) =>
        key.createdAt.getTime() <= since &&
        slots.every((s) => s.lastUsedAt === null || s.lastUsedAt.getTime() <= since),
    );
  }

  async get(ctx: RequestContext, keyId: string): Promise<KeyWithSlots> {
    const { key } = await visibleKey(this.deps.store, ctx, keyId, READERS, 'read keys');
    return { key, slots: await this.deps.store.keys.getSlots(key.id) };
  }

  /** The sources seen sending each slot (most recently seen first, at most `CLIENTS_LISTED`). */
  async clients(ctx: RequestContext, keyId: string): Promise<SlotClient[]> {
    const { key } = await visibleKey(this.deps.store, ctx, keyId, READERS, 'read keys');
    return this.deps.store.usage.listClients(key.id, CLIENTS_LISTED);
  }

  /** Both plaintext secrets. Audited in the same transaction as the read. */
  async viewSecrets(ctx: RequestContext, keyId: string): Promise<Record<SlotName, string>> {
    if (!this.deps.viewableSecrets) {
      throw new AppError(
        'FORBIDDEN',
        'This deployment does not keep viewable secrets; regenerate a slot instead',
      );
    }
    return this.deps.store.transaction(async (tx) => {
      const { key, access } = await visibleKey(tx, ctx, keyId, READERS, 'view secrets');
      if (access === 'manage-key')
        throw new AppError('FORBIDDEN', 'Manage keys cannot view secrets');
      if (access === 'operator') {
        const institution = await tx.institutions.get(key.institutionId);
        if (!institution?.settings.operatorsMayViewSecrets) {
          throw new AppError('FORBIDDEN', 'Operators of this institution may not view secrets');
        }
      }
      const slots = await tx.keys.getSlots(key.id);
      const secrets: Partial<Record<SlotName, string>> = {};
      for (const slot of slots) {
        if (!slot.sealed)
          throw new AppError('FORBIDDEN', `The ${slot.slot} secret is not viewable; regenerate it`);
        secrets[slot.slot] = openSecret(
          slot.sealed,
          this.context(key, slot.slot),
          this.deps.keyring,
        );
      }
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'key.secrets.view', {
          institutionId: key.institutionId,
          target: key.id,
          details: { slots: slots.map((s) => s.slot) },
        }),
      );
      if (!secrets.primary || !secrets.secondary)
        throw new AppError('INTERNAL', 'Key has lost a slot');
      return { primary: secrets.primary, secondary: secrets.secondary };
    });
  }

  /**
   * Replaces one slot's secret; the other slot is untouched and the old secret is retired.
   * Refused with SLOT_IN_USE (and the evidence) when the slot was used within the institution's
   * quiet period, unless forced; a forced regenerate of a busy slot is audited with whom it cut.
   */
  async regenerate(
    ctx: RequestContext,
    keyId: string,
    slotName: SlotName,
    force = false,
    graceSeconds: number | null = null,
  ) {
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'regenerate secrets');
      const current = await tx.keys.getSlot(key.id, slotName);
      if (!current) throw new AppError('INTERNAL', 'Key has lost a slot');
      const institution = await tx.institutions.get(key.institutionId);
      const quietPeriodSeconds = institution?.settings.quietPeriodSeconds ?? 0;
      const evidence = await slotEvidence(tx, key, current, quietPeriodSeconds, now);
      if (!evidence.quiet && !force) {
        throw new AppError(
          'SLOT_IN_USE',
          `The ${slotName} secret was used within the last ${quietPeriodSeconds} s` +
            ` (${evidence.clients.length} client(s) on it); move them to the other slot first, or force`,
          { evidence: evidenceView(evidence) },
        );
      }
      // With a grace window the old secret keeps working until then (clients still on it are
      // reported as retiring); without, it is refused from this commit on.
      const graceUntil =
        graceSeconds === null ? null : new Date(now.getTime() + graceSeconds * 1000);
      const secret = await this.replaceSlotIn(
        tx,
        ctx,
        key,
        current,
        now,
        {
          force,
          ...(graceUntil !== null && { graceUntil: graceUntil.toISOString() }),
          // A forced regenerate of a slot in use says whom it cut off.
          ...(!evidence.quiet && {
            inUse: {
              lastUsedAt: evidence.lastUsedAt?.toISOString() ?? null,
              clients: evidence.clients.length,
            },
          }),
        },
        graceUntil,
      );
      return { key, slot: slotName, secret, slots: await tx.keys.getSlots(key.id) };
    });
    await this.deps.invalidation.keyChanged(result.key.id);
    return result;
  }

  /**
   * The regeneration itself, inside the caller's transaction (regenerate, rotation steps): issues
   * a new secret, retires the old one, audits `key.regenerate` with `details`. Returns the new
   * secret; the caller announces the key change after commit.
   */
  async replaceSlotIn(
    tx: StoreRepos,
    ctx: RequestContext,
    key: ApiKey,
    current: SecretSlot,
    now: Date,
    details: Record<string, unknown>,
    graceUntil: Date | null = null,
  ): Promise<string> {
    const { issued, retired } = regenerateSlot(key, current, this.factory(ctx, now));
    await tx.keys.insertRetired({ ...retired, graceUntil }).catch((err: unknown) => {
      // Another request retired this very secret first (a concurrent regenerate of the slot).
      if (err instanceof AppError && err.code === 'CONFLICT') {
        throw new AppError(
          'CONFLICT',
          `The ${current.slot} slot was just regenerated by another request; reload the key`,
        );
      }
      throw err;
    });
    await tx.keys.replaceSlot(issued.slot);
    // A shared secret is revoked by any regenerate of its slot: its share is over.
    const ended = await tx.shares.revokeForSlot(key.id, current.slot, now);
    await tx.audit.append(
      auditOf(ctx, this.deps.clock, 'key.regenerate', {
        institutionId: key.institutionId,
        target: key.id,
        details: {
          slot: current.slot,
          ...details,
          ...(ended.length > 0 && { endedShares: ended.map((s) => s.id) }),
          oldHint: current.hint,
          newHint: issued.slot.hint,
        },
      }),
    );
    return issued.secret;
  }

  async update(ctx: RequestContext, keyId: string, input: UpdateKeyInput): Promise<KeyWithSlots> {
    const now = this.deps.clock.now();
    const patch: ApiKeyPatch = {
      updatedAt: now,
      ...(input.name !== undefined && { name: input.name }),
      ...(input.scopes !== undefined && { scopes: uniqueScopes(input.scopes) }),
      ...(input.allowedCidrs !== undefined && { allowedCidrs: canonicalCidrs(input.allowedCidrs) }),
      ...(input.expiresAt !== undefined && {
        expiresAt: futureExpiry(input.expiresAt, now) ?? null,
      }),
      ...(input.rateLimit !== undefined && { rateLimit: rateLimitOf(input.rateLimit) ?? null }),
      ...(input.state !== undefined && { state: input.state }),
    };
    const result = await this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'update keys');
      const updated = await tx.keys.update(key.id, patch);
      if (!updated) throw new AppError('NOT_FOUND', 'Key not found');
      const { updatedAt: _, ...changes } = patch;
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, updateAction(key, input), {
          institutionId: key.institutionId,
          target: key.id,
          details: { changes },
        }),
      );
      return { key: updated, slots: await tx.keys.getSlots(key.id) };
    });
    await this.deps.invalidation.keyChanged(keyId);
    return result;
  }

  /** Cancels the key: both digests are retired (still recognised if sent), ciphertexts erased. */
  async delete(ctx: RequestContext, keyId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'delete keys');
      const slots = await tx.keys.getSlots(key.id);
      for (const retired of retireAllSlots(key, slots, actorId(ctx), now)) {
        await tx.keys.insertRetired(retired);
      }
      await tx.keys.deleteSlots(key.id);
      await tx.keys.update(key.id, { state: 'cancelled', deletedAt: now, updatedAt: now });
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'key.delete', {
          institutionId: key.institutionId,
          target: key.id,
          details: { name: key.name },
        }),
      );
    });
    await this.deps.invalidation.keyChanged(keyId);
  }

  /** The key if the caller may see it (404 otherwise, never 403), then checks the action. */
  private async requireInstitution(repos: StoreRepos, institutionId: string): Promise<void> {
    if (!(await repos.institutions.get(institutionId)))
      throw new AppError('NOT_FOUND', 'Institution not found');
  }

  private factory(ctx: RequestContext, now: Date): SecretFactoryContext {
    return {
      prefix: this.deps.secretPrefix,
      keyring: this.deps.keyring,
      viewable: this.deps.viewableSecrets,
      actorId: actorId(ctx),
      now,
    };
  }

  private context(key: ApiKey, slot: SlotName): SecretContext {
    return { institutionId: key.institutionId, keyId: key.id, slot };
  }
}
