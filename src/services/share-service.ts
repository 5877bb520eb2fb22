import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiKey, SlotName } from '../core/model.js';
import type { Share } from '../core/share.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { raiseAlert } from './alert-monitor.js';
import type { KeyService } from './key-service.js';
import {
  actorId,
  auditOf,
  type InstitutionAccess,
  type RequestContext,
  SYSTEM_CONTEXT,
  visibleKey,
} from './principal.js';

const WRITERS: readonly InstitutionAccess[] = ['admin', 'manage-key'];
const READERS: readonly InstitutionAccess[] = ['admin', 'operator', 'manage-key'];
/** The longest a secret may stay shared. */
const MAX_SHARE_MS = 90 * 86_400_000;
/** Due shares handled per run (the rest at the next one). */
const DUE_BATCH = 100;

/**
 * Time-boxed sharing: "share the secondary temporarily, then regenerate it to revoke" — recorded,
 * and done by Keyward at `until` (`revokeDue`, run by a scheduler in every admin process; exactly
 * once however many run, and catching up after downtime since it takes every share already due).
 */
export class ShareService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      keys: KeyService;
      invalidation: KeyInvalidation;
      notifier: Notifier | null;
    },
  ) {}

  async share(
    ctx: RequestContext,
    keyId: string,
    input: { slot?: SlotName; until: string; note?: string | null },
  ): Promise<Share> {
    const now = this.deps.clock.now();
    const until = new Date(input.until);
    if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) {
      throw new AppError('VALIDATION_FAILED', 'until: a date-time in the future', {
        field: 'until',
      });
    }
    if (until.getTime() - now.getTime() > MAX_SHARE_MS) {
      throw new AppError('VALIDATION_FAILED', 'until: at most 90 days from now', {
        field: 'until',
      });
    }
    const slot = input.slot ?? 'secondary';
    return this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'share secrets');
      if (
        (await tx.shares.listForKey(key.id)).some((s) => s.state === 'active' && s.slot === slot)
      ) {
        throw new AppError('CONFLICT', `The ${slot} secret is already shared; one share at a time`);
      }
      const share: Share = {
        id: newId('shr'),
        keyId: key.id,
        institutionId: key.institutionId,
        slot,
        until,
        note: input.note ?? null,
        sharedBy: actorId(ctx),
        createdAt: now,
        state: 'active',
        revokedAt: null,
      };
      await tx.shares.insert(share);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'key.share', {
          institutionId: key.institutionId,
          target: key.id,
          details: { shareId: share.id, slot, until: until.toISOString(), note: share.note },
        }),
      );
      return share;
    });
  }

  async list(ctx: RequestContext, keyId: string): Promise<Share[]> {
    const { key } = await visibleKey(this.deps.store, ctx, keyId, READERS, 'read shares');
    return this.deps.store.shares.listForKey(key.id);
  }

  /**
   * Regenerates the slot of every share due by now (audited as done by the system) and tells the
   * institution (SHARE_EXPIRED alert, webhook). Each share in its own transaction, claimed with a
   * guarded update: with several processes exactly one regenerates it. Returns shares revoked.
   */
  async revokeDue(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    let revoked = 0;
    for (const due of await store.shares.listDue(now, DUE_BATCH)) {
      const key = await store.transaction(async (tx): Promise<ApiKey | null> => {
        if (!(await tx.shares.markRevoked(due.id, now))) return null; // another process did it
        const key = await tx.keys.get(due.keyId);
        const slot =
          key === null || key.state === 'cancelled'
            ? null
            : await tx.keys.getSlot(key.id, due.slot);
        if (key === null || slot === null) return null; // deleted meanwhile: nothing to revoke
        await this.deps.keys.replaceSlotIn(tx, SYSTEM_CONTEXT, key, slot, now, {
          reason: 'sharing window ended',
          shareId: due.id,
        });
        await raiseAlert(tx, this.deps.notifier, {
          finding: {
            type: 'SHARE_EXPIRED',
            severity: 'low',
            institutionId: key.institutionId,
            keyId: key.id,
            slot: due.slot,
            subject: due.id,
            at: now,
            evidence: {
              sharedBy: due.sharedBy,
              sharedAt: due.createdAt.toISOString(),
              until: due.until.toISOString(),
              note: due.note,
            },
          },
          firstSeenAt: now,
          count: 1,
        });
        return key;
      });
      if (key !== null) {
        revoked += 1;
        await this.deps.invalidation.keyChanged(key.id);
      }
    }
    return revoked;
  }
}
