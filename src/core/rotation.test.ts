import { describe, expect, it } from 'vitest';
import {
  advance,
  blockers,
  ROTATION_STEPS,
  type RotationFacts,
  type RotationStep,
} from './rotation.js';

/** Every step × every combination of facts × force. */
const ALL_FACTS: RotationFacts[] = [false, true].flatMap((primaryQuiet) =>
  [false, true].flatMap((secondaryQuiet) =>
    [false, true].map((newPrimaryUsed) => ({ primaryQuiet, secondaryQuiet, newPrimaryUsed })),
  ),
);

describe('rotation state machine', () => {
  it('walks the seed’s four steps in order when every precondition holds', () => {
    const ideal = (step: string): RotationFacts =>
      step === 'move-to-secondary' || step === 'regenerate-primary'
        ? { primaryQuiet: true, secondaryQuiet: false, newPrimaryUsed: false }
        : { primaryQuiet: false, secondaryQuiet: true, newPrimaryUsed: true };
    const walked: [string, string | null][] = [];
    let step: RotationStep = ROTATION_STEPS[0];
    while (step !== 'done') {
      const next = advance(step, ideal(step), false);
      if (!next.ok) throw new Error(`blocked at ${step}`);
      walked.push([next.to, next.regenerate]);
      step = next.to;
    }
    expect(walked).toEqual([
      ['regenerate-primary', null],
      ['move-to-primary', 'primary'],
      ['regenerate-secondary', null],
      ['done', 'secondary'],
    ]);
  });

  it('refuses each premature step, naming what to wait for', () => {
    const busy = { primaryQuiet: false, secondaryQuiet: false, newPrimaryUsed: false };
    expect(advance('move-to-secondary', busy, false)).toEqual({
      ok: false,
      blocked: ['PRIMARY_IN_USE'],
    });
    expect(advance('regenerate-primary', busy, false)).toEqual({
      ok: false,
      blocked: ['PRIMARY_IN_USE'],
    });
    expect(advance('move-to-primary', busy, false)).toEqual({
      ok: false,
      blocked: ['SECONDARY_IN_USE', 'NEW_PRIMARY_UNUSED'],
    });
    expect(advance('regenerate-secondary', { ...busy, newPrimaryUsed: true }, false)).toEqual({
      ok: false,
      blocked: ['SECONDARY_IN_USE'],
    });
  });

  it('force overrides usage preconditions and reports what it overrode', () => {
    const busy = { primaryQuiet: false, secondaryQuiet: false, newPrimaryUsed: false };
    expect(advance('move-to-primary', busy, true)).toEqual({
      ok: true,
      to: 'regenerate-secondary',
      regenerate: null,
      overridden: ['SECONDARY_IN_USE', 'NEW_PRIMARY_UNUSED'],
    });
  });

  it('is exhaustive: an advance succeeds exactly when nothing blocks it or it is forced', () => {
    for (const step of ROTATION_STEPS) {
      for (const facts of ALL_FACTS) {
        for (const force of [false, true]) {
          const result = advance(step, facts, force);
          const blocked = blockers(step, facts);
          if (step === 'done') {
            expect(result).toEqual({ ok: false, blocked: ['FINISHED'] });
          } else if (blocked.length === 0 || force) {
            expect(result.ok).toBe(true);
            if (result.ok) {
              expect(ROTATION_STEPS.indexOf(result.to)).toBe(ROTATION_STEPS.indexOf(step) + 1);
              expect(result.overridden).toEqual(blocked);
            }
          } else {
            expect(result).toEqual({ ok: false, blocked });
          }
        }
      }
    }
  });
});
