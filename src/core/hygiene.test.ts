import { describe, expect, it } from 'vitest';
import {
  type HygieneFinding,
  type HygieneInput,
  hygieneReport,
  type ReportKey,
  type ReportSlot,
} from './hygiene.js';
import { DAY_MS, type HygienePolicy } from './hygiene-policy.js';
import type { SlotName } from './model.js';

const T0 = Date.UTC(2030, 0, 1);
const day = (n: number) => new Date(T0 + n * DAY_MS);
const NOW = day(100);

/** Age 90 with reminders 14 and 3; unused after 30 days; no suspension. */
const POLICY: HygienePolicy = {
  maxSecretAgeDays: 90,
  ageReminderDays: [14, 3],
  unusedAlertDays: 30,
  suspendUnusedAfterDays: null,
};

/** A restricted active use key. */
function key(id: string, overrides: Partial<ReportKey> = {}): ReportKey {
  return {
    id,
    name: `name of ${id}`,
    kind: 'use',
    state: 'active',
    scopes: ['messages'],
    allowedCidrs: [],
    expiresAt: null,
    createdAt: day(0),
    ...overrides,
  };
}

/** Both slots of a key, generated and used recently unless overridden. */
function slots(
  keyId: string,
  overrides: Partial<Record<SlotName, Partial<ReportSlot>>> = {},
): ReportSlot[] {
  return (['primary', 'secondary'] as const).map((slot) => ({
    keyId,
    slot,
    generatedAt: day(95),
    lastUsedAt: day(99),
    ...overrides[slot],
  }));
}

function report(input: Partial<HygieneInput> & Pick<HygieneInput, 'keys' | 'slots'>) {
  return hygieneReport({ policy: POLICY, now: NOW, ...input });
}

const brief = (f: HygieneFinding) => [f.kind, f.keyId, f.slot, f.action];

describe('hygieneReport', () => {
  it('finds nothing for a young, used, restricted key', () => {
    const r = report({ keys: [key('key_ok')], slots: slots('key_ok') });
    expect(r.findings).toEqual([]);
    expect(r.summary).toEqual({
      overdue: 0,
      dueSoon: 0,
      unused: 0,
      sharedExpiring: 0,
      unrestricted: 0,
      legacyFormat: 0,
    });
  });

  describe('age', () => {
    it('reports an overdue secret exactly at the max age, with its age and due date', () => {
      const r = report({
        keys: [key('key_a')],
        slots: slots('key_a', { primary: { generatedAt: day(10) } }),
      });
      expect(r.findings).toEqual([
        {
          kind: 'overdue',
          keyId: 'key_a',
          keyName: 'name of key_a',
          slot: 'primary',
          action: 'rotate',
          detail: expect.stringMatching(/90 days old; the policy allows 90.*Rotate the key/),
          since: day(10),
          dueAt: day(100),
          ageDays: 90,
          idleDays: null,
        },
      ]);
      expect(r.summary.overdue).toBe(1);
    });

    it('reports due-soon from the largest reminder lead time, not a moment before', () => {
      const at = (generatedDay: number) =>
        report({
          keys: [key('key_a')],
          slots: slots('key_a', { primary: { generatedAt: day(generatedDay) } }),
        }).findings.map(brief);
      // Due at day 86 + 90 = 176: 76 days from now, more than 14.
      expect(at(86)).toEqual([]);
      // Generated day 24: due day 114, exactly 14 days from now.
      expect(at(24)).toEqual([['due-soon', 'key_a', 'primary', 'rotate']]);
      // Due day 102: inside the 3-day window, still due-soon (one finding, not two).
      expect(at(12)).toEqual([['due-soon', 'key_a', 'primary', 'rotate']]);
    });

    it('suggests regenerating, not rotating, a secret nobody sends', () => {
      const r = report({
        keys: [key('key_a')],
        slots: slots('key_a', {
          primary: { generatedAt: day(0), lastUsedAt: day(99) },
          secondary: { generatedAt: day(0), lastUsedAt: null },
        }),
      });
      expect(r.findings.filter((f) => f.kind === 'overdue').map(brief)).toEqual([
        ['overdue', 'key_a', 'primary', 'rotate'],
        ['overdue', 'key_a', 'secondary', 'regenerate-secondary'],
      ]);
    });

    it('treats a secret last used longer ago than the unused threshold as unsent', () => {
      const r = report({
        keys: [key('key_a')],
        slots: slots('key_a', { primary: { generatedAt: day(0), lastUsedAt: day(70) } }),
      });
      expect(r.findings.map(brief)).toContainEqual([
        'overdue',
        'key_a',
        'primary',
        'regenerate-primary',
      ]);
    });

    it('always suggests rotating a manage key (its use is not recorded)', () => {
      const r = report({
        keys: [key('key_m', { kind: 'manage' })],
        slots: slots('key_m', { primary: { generatedAt: day(0), lastUsedAt: null } }),
      });
      expect(r.findings.map(brief)).toEqual([['overdue', 'key_m', 'primary', 'rotate']]);
    });

    it('reports no age without an age policy, and nothing for suspended keys', () => {
      const old = slots('key_a', { primary: { generatedAt: day(0) } });
      expect(
        report({
          policy: { ...POLICY, maxSecretAgeDays: null, ageReminderDays: [] },
          keys: [key('key_a')],
          slots: old,
        }).findings,
      ).toEqual([]);
      expect(report({ keys: [key('key_a', { state: 'suspended' })], slots: old }).findings).toEqual(
        [],
      );
    });
  });

  describe('unused', () => {
    it('reports a key whose two secrets are idle as one finding: delete or suspend', () => {
      const r = report({
        keys: [key('key_u')],
        slots: slots('key_u', {
          primary: { lastUsedAt: day(60) },
          secondary: { generatedAt: day(50), lastUsedAt: null },
        }),
      });
      expect(r.findings).toEqual([
        expect.objectContaining({
          kind: 'unused',
          keyId: 'key_u',
          slot: null,
          action: 'delete-or-suspend',
          since: day(60),
          dueAt: null,
          idleDays: 40,
        }),
      ]);
      expect(r.findings[0]?.detail).not.toMatch(/policy suspends/);
    });

    it('counts idle days inclusively from the last use (or generation)', () => {
      const at = (lastUsedDay: number) =>
        report({
          keys: [key('key_u')],
          slots: slots('key_u', {
            primary: { generatedAt: day(0), lastUsedAt: day(lastUsedDay) },
            secondary: { generatedAt: day(0), lastUsedAt: day(lastUsedDay) },
          }),
          policy: { ...POLICY, maxSecretAgeDays: null, ageReminderDays: [] },
        }).findings.map(brief);
      expect(at(71)).toEqual([]);
      expect(at(70)).toEqual([['unused', 'key_u', null, 'delete-or-suspend']]);
    });

    it('names when the policy suspends it, or that the next daily check will', () => {
      const policy = { ...POLICY, suspendUnusedAfterDays: 45 };
      const idleSince = (d: number) =>
        report({
          policy,
          keys: [key('key_u')],
          slots: slots('key_u', {
            primary: { lastUsedAt: day(d) },
            secondary: { lastUsedAt: day(d) },
          }),
        }).findings[0];
      expect(idleSince(65)).toMatchObject({ dueAt: day(110) });
      expect(idleSince(65)?.detail).toContain(`suspends it on ${day(110).toISOString()}`);
      expect(idleSince(40)).toMatchObject({ dueAt: day(85) });
      expect(idleSince(40)?.detail).toContain('at the next daily check');
    });

    it('reports the unused threshold of the suspension policy when it comes first', () => {
      const r = report({
        policy: { ...POLICY, unusedAlertDays: null, suspendUnusedAfterDays: 10 },
        keys: [key('key_u')],
        slots: slots('key_u', {
          primary: { lastUsedAt: day(89) },
          secondary: { lastUsedAt: day(90) },
        }),
      });
      expect(r.findings.map(brief)).toEqual([['unused', 'key_u', null, 'delete-or-suspend']]);
    });

    it('reports one idle secret beside a used one: regenerate it', () => {
      const r = report({
        keys: [key('key_u')],
        slots: slots('key_u', { secondary: { generatedAt: day(60), lastUsedAt: null } }),
      });
      expect(r.findings).toEqual([
        expect.objectContaining({
          kind: 'unused',
          slot: 'secondary',
          action: 'regenerate-secondary',
          since: day(60),
          idleDays: 40,
        }),
      ]);
    });

    it('suggests deleting a suspended unused key; ignores a suspended key’s single idle slot', () => {
      const idle = { lastUsedAt: day(10) };
      expect(
        report({
          keys: [key('key_s', { state: 'suspended' })],
          slots: slots('key_s', { primary: idle, secondary: idle }),
        }).findings.map(brief),
      ).toEqual([['unused', 'key_s', null, 'delete']]);
      expect(
        report({
          keys: [key('key_s', { state: 'suspended' })],
          slots: slots('key_s', { primary: idle }),
        }).findings,
      ).toEqual([]);
    });

    it('leaves out manage keys and institutions without an unused threshold', () => {
      const idle = { lastUsedAt: null, generatedAt: day(0) };
      const policy = { ...POLICY, maxSecretAgeDays: null, ageReminderDays: [] };
      expect(
        report({
          policy,
          keys: [key('key_m', { kind: 'manage' })],
          slots: slots('key_m', { primary: idle, secondary: idle }),
        }).findings,
      ).toEqual([]);
      expect(
        report({
          policy: { ...policy, unusedAlertDays: null },
          keys: [key('key_u')],
          slots: slots('key_u', { primary: idle, secondary: idle }),
        }).findings,
      ).toEqual([]);
    });
  });

  describe('unrestricted', () => {
    const open = { scopes: [], allowedCidrs: [], expiresAt: null };

    it('reports an active use key with no network, no expiry and no scope', () => {
      const r = report({ keys: [key('key_o', open)], slots: slots('key_o') });
      expect(r.findings).toEqual([
        expect.objectContaining({
          kind: 'unrestricted',
          slot: null,
          action: 'restrict',
          since: day(0),
        }),
      ]);
      expect(r.summary.unrestricted).toBe(1);
    });

    it('any one restriction is enough; manage and suspended keys are not reported', () => {
      const keys = [
        key('key_net', { ...open, allowedCidrs: ['10.0.0.0/8'] }),
        key('key_exp', { ...open, expiresAt: day(200) }),
        key('key_scope', { ...open, scopes: ['messages'] }),
        key('key_m', { ...open, kind: 'manage' }),
        key('key_s', { ...open, state: 'suspended' }),
      ];
      const all = keys.flatMap((k) => slots(k.id));
      expect(report({ keys, slots: all }).findings).toEqual([]);
    });
  });

  describe('shared-expiring', () => {
    it('reports shares of active keys ending within the window (default one day)', () => {
      const keys = [key('key_a'), key('key_s', { state: 'suspended' })];
      const r = report({
        keys,
        slots: [...slots('key_a'), ...slots('key_s')],
        shares: [
          { keyId: 'key_a', slot: 'secondary', until: new Date(NOW.getTime() + DAY_MS) },
          { keyId: 'key_a', slot: 'primary', until: new Date(NOW.getTime() + DAY_MS + 1) },
          { keyId: 'key_s', slot: 'secondary', until: NOW },
        ],
      });
      expect(r.findings).toEqual([
        expect.objectContaining({
          kind: 'shared-expiring',
          keyId: 'key_a',
          slot: 'secondary',
          action: 'review-share',
          dueAt: day(101),
        }),
      ]);
      expect(r.summary.sharedExpiring).toBe(1);
    });

    it('takes a configurable window and reports a share already past its end', () => {
      const shares = [
        { keyId: 'key_a', slot: 'secondary' as const, until: day(99) },
        { keyId: 'key_a', slot: 'primary' as const, until: day(106) },
      ];
      const r = report({
        keys: [key('key_a')],
        slots: slots('key_a'),
        shares,
        shareWindowMs: 7 * DAY_MS,
      });
      expect(r.findings.map((f) => [f.slot, f.dueAt])).toEqual([
        ['secondary', day(99)],
        ['primary', day(106)],
      ]);
    });
  });

  describe('legacy-format', () => {
    it('flags imported secrets for replacement, rotating the one in use', () => {
      const r = report({
        keys: [key('key_l')],
        slots: slots('key_l', {
          primary: { imported: true },
          secondary: { imported: true, lastUsedAt: null },
        }),
      });
      expect(r.findings.map(brief)).toEqual([
        ['legacy-format', 'key_l', 'primary', 'rotate'],
        ['legacy-format', 'key_l', 'secondary', 'regenerate-secondary'],
      ]);
      expect(r.findings[0]?.detail).toMatch(/imported from a legacy system/);
      expect(r.summary.legacyFormat).toBe(2);
    });

    it('ignores secrets that were not imported', () => {
      const r = report({
        keys: [key('key_l')],
        slots: slots('key_l', { primary: { imported: false } }),
      });
      expect(r.findings).toEqual([]);
    });
  });

  it('orders findings by kind, then the earliest deadline, and counts each kind', () => {
    const r = report({
      policy: { ...POLICY, suspendUnusedAfterDays: 200 },
      keys: [key('key_b', { scopes: [] }), key('key_a'), key('key_c', { state: 'suspended' })],
      slots: [
        ...slots('key_a', { primary: { generatedAt: day(5) }, secondary: { generatedAt: day(8) } }),
        ...slots('key_b', {
          primary: { generatedAt: day(1) },
          secondary: { generatedAt: day(20) },
        }),
        ...slots('key_c', {
          primary: { generatedAt: day(0), lastUsedAt: day(1) },
          secondary: { generatedAt: day(0), lastUsedAt: null },
        }),
      ],
      shares: [{ keyId: 'key_b', slot: 'secondary', until: day(100.5) }],
    });
    expect(r.findings.map(brief)).toEqual([
      ['overdue', 'key_b', 'primary', 'rotate'],
      ['overdue', 'key_a', 'primary', 'rotate'],
      ['overdue', 'key_a', 'secondary', 'rotate'],
      ['due-soon', 'key_b', 'secondary', 'rotate'],
      ['unused', 'key_c', null, 'delete'],
      ['shared-expiring', 'key_b', 'secondary', 'review-share'],
      ['unrestricted', 'key_b', null, 'restrict'],
    ]);
    expect(r.summary).toEqual({
      overdue: 3,
      dueSoon: 1,
      unused: 1,
      sharedExpiring: 1,
      unrestricted: 1,
      legacyFormat: 0,
    });
  });
});
