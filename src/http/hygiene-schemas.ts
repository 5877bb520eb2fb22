import Type from 'typebox';
import { DateTime, Nullable, Slot } from './schemas.js';

/** Schemas of the hygiene report (core/hygiene.ts). */

export const HygieneQuery = Type.Object(
  {
    shareWindowHours: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 720,
        description: 'Report shares ending within this many hours (default 24)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Days = Nullable(Type.Integer({ minimum: 0 }));

export const HygieneFinding = Type.Object({
  // Spelled out (not mapped from HYGIENE_KINDS) so the static type stays a union of literals; the
  // route's return type check fails when core/hygiene.ts gains a kind or action missing here.
  kind: Type.Union([
    Type.Literal('overdue'),
    Type.Literal('due-soon'),
    Type.Literal('unused'),
    Type.Literal('shared-expiring'),
    Type.Literal('unrestricted'),
    Type.Literal('legacy-format'),
  ]),
  keyId: Type.String(),
  keyName: Type.String(),
  slot: Nullable(Slot),
  action: Type.Union(
    [
      Type.Literal('rotate'),
      Type.Literal('regenerate-primary'),
      Type.Literal('regenerate-secondary'),
      Type.Literal('delete-or-suspend'),
      Type.Literal('delete'),
      Type.Literal('restrict'),
      Type.Literal('review-share'),
    ],
    {
      description:
        '`rotate` (guided rotation), `regenerate-primary`/`-secondary` (nobody sends it), `delete-or-suspend`, `delete`, `restrict`, `review-share`',
    },
  ),
  detail: Type.String({ description: 'The fact and what to do, for a person' }),
  since: Nullable(DateTime),
  dueAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'Max age reached; automatic suspension (if the policy has one); share end',
    }),
  ),
  ageDays: Days,
  idleDays: Days,
});

const PolicyDays = Nullable(Type.Integer({ minimum: 1 }));

export const InstitutionHygiene = Type.Object({
  institutionId: Type.String(),
  generatedAt: DateTime,
  policy: Type.Object({
    maxSecretAgeDays: PolicyDays,
    ageReminderDays: Type.Array(Type.Integer({ minimum: 1 }), {
      description: 'The lead times applied: largest first, each shorter than the max age',
    }),
    unusedAlertDays: PolicyDays,
    suspendUnusedAfterDays: PolicyDays,
    shareWindowHours: Type.Integer({ minimum: 1 }),
  }),
  findings: Type.Array(HygieneFinding, {
    description:
      'By kind (overdue, due-soon, unused, shared-expiring, unrestricted, legacy-format), then most urgent first',
  }),
  summary: Type.Object({
    overdue: Type.Integer({ minimum: 0 }),
    dueSoon: Type.Integer({ minimum: 0 }),
    unused: Type.Integer({ minimum: 0 }),
    sharedExpiring: Type.Integer({ minimum: 0 }),
    unrestricted: Type.Integer({ minimum: 0 }),
    legacyFormat: Type.Integer({ minimum: 0 }),
  }),
});
