import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  type HygienePolicy,
  hygienePolicyOf,
  hygieneSettingsProblem,
  keysToSuspend,
  type PolicyKey,
  type PolicySlot,
  secretAge,
  secretAgeFindings,
  unusedReportDays,
} from './hygiene-policy.js';
import { DEFAULT_INSTITUTION_SETTINGS } from './model.js';

const T0 = Date.UTC(2030, 0, 1);
const day = (n: number) => new Date(T0 + n * DAY_MS);

const POLICY: HygienePolicy = {
  maxSecretAgeDays: 90,
  ageReminderDays: [14, 3],
  unusedAlertDays: 30,
  suspendUnusedAfterDays: null,
};

function slot(overrides: Partial<PolicySlot> = {}): PolicySlot {
  return { keyId: 'key_a', slot: 'primary', generatedAt: day(0), lastUsedAt: null, ...overrides };
}

describe('hygienePolicyOf', () => {
  it('has no age policy and no suspension by default', () => {
    expect(hygienePolicyOf(DEFAULT_INSTITUTION_SETTINGS)).toEqual({
      maxSecretAgeDays: null,
      ageReminderDays: [],
      unusedAlertDays: 90,
      suspendUnusedAfterDays: null,
    });
  });

  it('sorts reminders largest first, drops duplicates and lead times not shorter than the max', () => {
    const policy = hygienePolicyOf({
      ...DEFAULT_INSTITUTION_SETTINGS,
      maxSecretAgeDays: 30,
      ageReminderDays: [3, 30, 14, 3, 45],
    });
    expect(policy.ageReminderDays).toEqual([14, 3]);
  });
});

describe('hygieneSettingsProblem', () => {
  it('accepts no age policy, whatever the reminders', () => {
    expect(hygieneSettingsProblem({ ...DEFAULT_INSTITUTION_SETTINGS })).toBeNull();
  });

  it('refuses a reminder lead time equal to or longer than the max age', () => {
    const settings = { ...DEFAULT_INSTITUTION_SETTINGS, maxSecretAgeDays: 14 };
    expect(hygieneSettingsProblem(settings)).toMatch(
      /ageReminderDays: 14 .*maxSecretAgeDays \(14\)/,
    );
    expect(hygieneSettingsProblem({ ...settings, maxSecretAgeDays: 15 })).toBeNull();
    expect(hygieneSettingsProblem({ ...settings, ageReminderDays: [] })).toBeNull();
  });
});

describe('unusedReportDays', () => {
  it('is the earlier of the alert and the suspension thresholds, or null without both', () => {
    expect(unusedReportDays(POLICY)).toBe(30);
    expect(unusedReportDays({ ...POLICY, suspendUnusedAfterDays: 20 })).toBe(20);
    expect(unusedReportDays({ ...POLICY, unusedAlertDays: null, suspendUnusedAfterDays: 60 })).toBe(
      60,
    );
    expect(unusedReportDays({ ...POLICY, unusedAlertDays: null })).toBeNull();
  });
});

describe('secretAge', () => {
  it('is null without an age policy', () => {
    expect(secretAge({ ...POLICY, maxSecretAgeDays: null }, day(0), day(500))).toBeNull();
  });

  it('moves ok → due in 14 days → due in 3 days → overdue, each boundary inclusive', () => {
    const at = (ms: number) => secretAge(POLICY, day(0), new Date(T0 + ms))?.stage;
    expect(at(76 * DAY_MS - 1)).toEqual({ kind: 'ok' });
    expect(at(76 * DAY_MS)).toEqual({ kind: 'due-soon', leadDays: 14 });
    expect(at(87 * DAY_MS - 1)).toEqual({ kind: 'due-soon', leadDays: 14 });
    expect(at(87 * DAY_MS)).toEqual({ kind: 'due-soon', leadDays: 3 });
    expect(at(90 * DAY_MS - 1)).toEqual({ kind: 'due-soon', leadDays: 3 });
    expect(at(90 * DAY_MS)).toEqual({ kind: 'overdue' });
  });

  it('reports whole days of age and the due date', () => {
    expect(secretAge(POLICY, day(0), new Date(T0 + 95.9 * DAY_MS))).toEqual({
      ageDays: 95,
      dueAt: day(90),
      stage: { kind: 'overdue' },
    });
  });

  it('without reminders goes straight from ok to overdue', () => {
    const policy = { ...POLICY, ageReminderDays: [] };
    expect(secretAge(policy, day(0), day(89))?.stage).toEqual({ kind: 'ok' });
    expect(secretAge(policy, day(0), day(90))?.stage).toEqual({ kind: 'overdue' });
  });
});

describe('secretAgeFindings', () => {
  const keys: PolicyKey[] = [
    { id: 'key_a', kind: 'use', state: 'active' },
    { id: 'key_s', kind: 'use', state: 'suspended' },
  ];

  it('raises a low reminder and a medium overdue alert per slot, with a stage-specific subject', () => {
    const slots = [
      slot({ generatedAt: day(0) }),
      slot({ slot: 'secondary', generatedAt: day(20) }),
      slot({ keyId: 'key_s', generatedAt: day(0) }),
    ];
    const found = secretAgeFindings('ins_a', POLICY, keys, slots, day(100));
    expect(found).toEqual([
      {
        type: 'SECRET_AGE',
        severity: 'medium',
        institutionId: 'ins_a',
        keyId: 'key_a',
        slot: 'primary',
        subject: `primary:overdue:${day(0).toISOString()}`,
        at: day(100),
        evidence: {
          stage: 'overdue',
          ageDays: 100,
          maxAgeDays: 90,
          generatedAt: day(0).toISOString(),
          dueAt: day(90).toISOString(),
        },
      },
      expect.objectContaining({
        severity: 'low',
        slot: 'secondary',
        subject: `secondary:due-in-14d:${day(20).toISOString()}`,
        evidence: expect.objectContaining({ stage: 'due-in-14d', ageDays: 80 }),
      }),
    ]);
  });

  it('finds nothing before the first reminder or without an age policy', () => {
    expect(secretAgeFindings('ins_a', POLICY, keys, [slot()], day(75))).toEqual([]);
    const none = { ...POLICY, maxSecretAgeDays: null };
    expect(secretAgeFindings('ins_a', none, keys, [slot()], day(500))).toEqual([]);
  });
});

describe('keysToSuspend', () => {
  const policy = { ...POLICY, suspendUnusedAfterDays: 60 };
  const keys: PolicyKey[] = [
    { id: 'key_idle', kind: 'use', state: 'active' },
    { id: 'key_half', kind: 'use', state: 'active' },
    { id: 'key_manage', kind: 'manage', state: 'active' },
    { id: 'key_done', kind: 'use', state: 'suspended' },
  ];
  const both = (keyId: string, lastUsedAt: Date | null) => [
    slot({ keyId, lastUsedAt }),
    slot({ keyId, slot: 'secondary', lastUsedAt: null }),
  ];
  const slots = [
    ...both('key_idle', day(40)),
    ...both('key_half', day(41)),
    ...both('key_manage', null),
    ...both('key_done', null),
  ];

  it('suspends active use keys whose slots were all idle at least the policy’s days', () => {
    expect(keysToSuspend(policy, keys, slots, day(100)).map((k) => k.id)).toEqual(['key_idle']);
    expect(keysToSuspend(policy, keys, slots, new Date(T0 + 100 * DAY_MS - 1))).toEqual([]);
  });

  it('never suspends without the policy, nor keys without slots', () => {
    expect(keysToSuspend(POLICY, keys, slots, day(1000))).toEqual([]);
    expect(keysToSuspend(policy, keys, [], day(1000))).toEqual([]);
  });
});
