/**
 * Guided rotation of a key pair, the seed's four steps as a state machine: "1. update the
 * applications to use the secondary key, 2. regenerate the primary key, 3. update the
 * applications to use the primary key, 4. regenerate the secondary key". Pure: the service
 * gathers the facts (recorded usage) and performs the regenerations the machine asks for.
 */

export const ROTATION_STEPS = [
  'move-to-secondary',
  'regenerate-primary',
  'move-to-primary',
  'regenerate-secondary',
  'done',
] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What the machine needs to know of the key's use at the moment of an advance. */
export interface RotationFacts {
  /** No accepted request on the primary within the quiet period. */
  readonly primaryQuiet: boolean;
  readonly secondaryQuiet: boolean;
  /** The primary carried an accepted request since it was regenerated in this rotation. */
  readonly newPrimaryUsed: boolean;
}

/** Why an advance is refused (each names what to wait for). */
export type RotationBlock =
  /** Clients still send the primary: move them to the secondary first. */
  | 'PRIMARY_IN_USE'
  /** Clients still send the secondary: move them to the new primary first. */
  | 'SECONDARY_IN_USE'
  /** Nobody uses the new primary yet: deploy it before retiring the secondary. */
  | 'NEW_PRIMARY_UNUSED'
  | 'FINISHED';

export type Advance =
  | {
      readonly ok: true;
      readonly to: RotationStep;
      /** The slot to regenerate as part of this advance, if any. */
      readonly regenerate: 'primary' | 'secondary' | null;
      /** Preconditions that did not hold and were overridden by `force`. */
      readonly overridden: readonly RotationBlock[];
    }
  | { readonly ok: false; readonly blocked: readonly RotationBlock[] };

/** What must hold to leave `step` (empty: nothing to wait for). */
export function blockers(step: RotationStep, facts: RotationFacts): RotationBlock[] {
  switch (step) {
    case 'move-to-secondary':
    case 'regenerate-primary':
      return facts.primaryQuiet ? [] : ['PRIMARY_IN_USE'];
    case 'move-to-primary':
    case 'regenerate-secondary':
      return [
        ...(facts.secondaryQuiet ? [] : (['SECONDARY_IN_USE'] as const)),
        ...(facts.newPrimaryUsed ? [] : (['NEW_PRIMARY_UNUSED'] as const)),
      ];
    case 'done':
      return ['FINISHED'];
  }
}

/**
 * The next step from `step`, or why not. `force` overrides usage preconditions (the caller audits
 * it) but never moves a finished rotation. Leaving `regenerate-primary` / `regenerate-secondary`
 * regenerates that slot.
 */
export function advance(step: RotationStep, facts: RotationFacts, force: boolean): Advance {
  const blocked = blockers(step, facts);
  if (step === 'done' || (blocked.length > 0 && !force)) return { ok: false, blocked };
  const to = ROTATION_STEPS[ROTATION_STEPS.indexOf(step) + 1] as RotationStep;
  const regenerate =
    step === 'regenerate-primary'
      ? 'primary'
      : step === 'regenerate-secondary'
        ? 'secondary'
        : null;
  return { ok: true, to, regenerate, overridden: blocked };
}

/** What a person should do at `step`, for the API and the CLI. */
export function instruction(step: RotationStep): string {
  switch (step) {
    case 'move-to-secondary':
      return 'Update every client to send the secondary secret; the primary must go quiet.';
    case 'regenerate-primary':
      return 'Regenerate the primary: no client uses it any more.';
    case 'move-to-primary':
      return 'Update every client to send the new primary secret; the secondary must go quiet.';
    case 'regenerate-secondary':
      return 'Regenerate the secondary: every client is on the new primary.';
    case 'done':
      return 'Rotation complete: both secrets are new.';
  }
}

export type RotationState = 'active' | 'done' | 'abandoned';

/** One transition of a rotation (its history). */
export interface RotationEvent {
  readonly at: Date;
  /** Who moved it: a user id or a manage key id. */
  readonly by: string;
  readonly from: RotationStep | null;
  readonly to: RotationStep | 'abandoned';
  /** Preconditions overridden with `force` (empty for a normal advance). */
  readonly forced: readonly RotationBlock[];
}

export interface Rotation {
  readonly id: string;
  readonly keyId: string;
  readonly institutionId: string;
  readonly step: RotationStep;
  readonly state: RotationState;
  readonly startedAt: Date;
  readonly startedBy: string;
  readonly updatedAt: Date;
  /** When this rotation regenerated each slot (null: not yet). */
  readonly primaryRegeneratedAt: Date | null;
  readonly secondaryRegeneratedAt: Date | null;
  readonly history: readonly RotationEvent[];
}
