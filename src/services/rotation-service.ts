import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiKey, SlotName } from '../core/model.js';
import {
  advance,
  blockers,
  type Rotation,
  type RotationBlock,
  type RotationFacts,
} from '../core/rotation.js';
import { evidenceView, type SlotEvidence } from '../core/slot-activity.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Store, StoreRepos } from '../ports/store.js';
import type { KeyService } from './key-service.js';
import {
  actorId,
  auditOf,
  type InstitutionAccess,
  type RequestContext,
  visibleKey,
} from './principal.js';
import { slotEvidence } from './slot-evidence.js';

const WRITERS: readonly InstitutionAccess[] = ['admin', 'manage-key'];
const READERS: readonly InstitutionAccess[] = ['admin', 'operator', 'manage-key'];

/** A rotation with what the recorded usage says about its next step. */
export interface RotationStatus {
  readonly rotation: Rotation;
  /** Why the next step cannot be taken yet (empty: it can). */
  readonly waitingFor: readonly RotationBlock[];
  readonly evidence: Readonly<Record<SlotName, SlotEvidence>>;
}

/**
 * The seed's four-step rotation as a tracked workflow (core/rotation.ts): each advance is checked
 * against the recorded usage of both slots and refused with the evidence when clients would break
 * (`force` overrides, audited with what it overrode). The regenerations are part of the advance,
 * in its transaction. Stored, so a rotation survives restarts and every node sees it.
 */
export class RotationService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      keys: KeyService;
      invalidation: KeyInvalidation;
    },
  ) {}

  async start(ctx: RequestContext, keyId: string): Promise<RotationStatus> {
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'rotate keys');
      const rotation: Rotation = {
        id: newId('rot'),
        keyId: key.id,
        institutionId: key.institutionId,
        step: 'move-to-secondary',
        state: 'active',
        startedAt: now,
        startedBy: actorId(ctx),
        updatedAt: now,
        primaryRegeneratedAt: null,
        secondaryRegeneratedAt: null,
        history: [{ at: now, by: actorId(ctx), from: null, to: 'move-to-secondary', forced: [] }],
      };
      await tx.rotations.insert(rotation);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'rotation.start', {
          institutionId: key.institutionId,
          target: key.id,
          details: { rotationId: rotation.id },
        }),
      );
      return this.#status(tx, key, rotation, now);
    });
  }

  async current(ctx: RequestContext, keyId: string): Promise<RotationStatus> {
    const now = this.deps.clock.now();
    const { store } = this.deps;
    const { key } = await visibleKey(store, ctx, keyId, READERS, 'read rotations');
    return this.#status(store, key, await activeRotation(store, key.id), now);
  }

  /**
   * Takes the next step when its precondition holds (or `force`); refuses with ROTATION_BLOCKED
   * and the evidence otherwise. Returns the new secret when the step regenerated a slot.
   */
  async advance(
    ctx: RequestContext,
    keyId: string,
    force = false,
  ): Promise<RotationStatus & { secret: string | null }> {
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'rotate keys');
      const rotation = await activeRotation(tx, key.id);
      const { facts, evidence } = await this.#facts(tx, key, rotation, now);
      const next = advance(rotation.step, facts, force);
      if (!next.ok) {
        throw new AppError(
          'ROTATION_BLOCKED',
          `Cannot leave ${rotation.step} yet: ${next.blocked.join(', ')}`,
          {
            evidence: { step: rotation.step, waitingFor: next.blocked, ...evidenceJson(evidence) },
          },
        );
      }
      let secret: string | null = null;
      if (next.regenerate !== null) {
        const slot = await tx.keys.getSlot(key.id, next.regenerate);
        if (!slot) throw new AppError('INTERNAL', 'Key has lost a slot');
        secret = await this.deps.keys.replaceSlotIn(tx, ctx, key, slot, now, {
          rotationId: rotation.id,
          force: next.overridden.length > 0,
        });
      }
      const updated: Rotation = {
        ...rotation,
        step: next.to,
        state: next.to === 'done' ? 'done' : 'active',
        updatedAt: now,
        primaryRegeneratedAt: next.regenerate === 'primary' ? now : rotation.primaryRegeneratedAt,
        secondaryRegeneratedAt:
          next.regenerate === 'secondary' ? now : rotation.secondaryRegeneratedAt,
        history: [
          ...rotation.history,
          { at: now, by: actorId(ctx), from: rotation.step, to: next.to, forced: next.overridden },
        ],
      };
      await tx.rotations.update(updated);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'rotation.advance', {
          institutionId: key.institutionId,
          target: key.id,
          details: {
            rotationId: rotation.id,
            from: rotation.step,
            to: next.to,
            ...(next.overridden.length > 0 && { forced: next.overridden }),
          },
        }),
      );
      return { key, secret, status: await this.#status(tx, key, updated, now) };
    });
    if (result.secret !== null) await this.deps.invalidation.keyChanged(result.key.id);
    return { ...result.status, secret: result.secret };
  }

  async abandon(ctx: RequestContext, keyId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const { key } = await visibleKey(tx, ctx, keyId, WRITERS, 'rotate keys');
      const rotation = await activeRotation(tx, key.id);
      await tx.rotations.update({
        ...rotation,
        state: 'abandoned',
        updatedAt: now,
        history: [
          ...rotation.history,
          { at: now, by: actorId(ctx), from: rotation.step, to: 'abandoned', forced: [] },
        ],
      });
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'rotation.abandon', {
          institutionId: key.institutionId,
          target: key.id,
          details: { rotationId: rotation.id, at: rotation.step },
        }),
      );
    });
  }

  async #facts(
    repos: StoreRepos,
    key: ApiKey,
    rotation: Rotation,
    now: Date,
  ): Promise<{ facts: RotationFacts; evidence: Record<SlotName, SlotEvidence> }> {
    const institution = await repos.institutions.get(key.institutionId);
    const quiet = institution?.settings.quietPeriodSeconds ?? 0;
    const [primarySlot, secondarySlot] = await Promise.all([
      repos.keys.getSlot(key.id, 'primary'),
      repos.keys.getSlot(key.id, 'secondary'),
    ]);
    if (!primarySlot || !secondarySlot) throw new AppError('INTERNAL', 'Key has lost a slot');
    const evidence = {
      primary: await slotEvidence(repos, key, primarySlot, quiet, now),
      secondary: await slotEvidence(repos, key, secondarySlot, quiet, now),
    };
    const regenerated = rotation.primaryRegeneratedAt;
    return {
      evidence,
      facts: {
        primaryQuiet: evidence.primary.quiet,
        secondaryQuiet: evidence.secondary.quiet,
        newPrimaryUsed:
          regenerated !== null &&
          primarySlot.lastUsedAt !== null &&
          primarySlot.lastUsedAt.getTime() >= regenerated.getTime(),
      },
    };
  }

  async #status(
    repos: StoreRepos,
    key: ApiKey,
    rotation: Rotation,
    now: Date,
  ): Promise<RotationStatus> {
    const { facts, evidence } = await this.#facts(repos, key, rotation, now);
    return { rotation, waitingFor: blockers(rotation.step, facts), evidence };
  }
}

async function activeRotation(repos: Pick<StoreRepos, 'rotations'>, keyId: string) {
  const rotation = await repos.rotations.getActive(keyId);
  if (rotation === null) throw new AppError('NOT_FOUND', 'No rotation of this key in progress');
  return rotation;
}

function evidenceJson(evidence: Record<SlotName, SlotEvidence>) {
  return { primary: evidenceView(evidence.primary), secondary: evidenceView(evidence.secondary) };
}
