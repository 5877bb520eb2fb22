import Type from 'typebox';
import { DateTime, Nullable } from './schemas.js';

/** Schemas of the guided rotation routes. */

const Step = Type.Union([
  Type.Literal('move-to-secondary'),
  Type.Literal('regenerate-primary'),
  Type.Literal('move-to-primary'),
  Type.Literal('regenerate-secondary'),
  Type.Literal('done'),
]);

const Block = Type.Union([
  Type.Literal('PRIMARY_IN_USE'),
  Type.Literal('SECONDARY_IN_USE'),
  Type.Literal('NEW_PRIMARY_UNUSED'),
  Type.Literal('FINISHED'),
]);

export const SlotEvidenceView = Type.Object({
  slot: Type.String(),
  quiet: Type.Boolean({ description: 'No accepted request within the quiet period' }),
  quietPeriodSeconds: Type.Integer(),
  lastUsedAt: Nullable(DateTime),
  lastUsedFrom: Nullable(Type.String()),
  lastUserAgent: Nullable(Type.String()),
  requestsInPeriod: Type.Integer({ minimum: 0 }),
  clients: Type.Array(
    Type.Object({
      address: Nullable(Type.String()),
      userAgent: Nullable(Type.String()),
      lastSeenAt: DateTime,
      requests: Type.Integer({ minimum: 0, description: 'All requests seen from this client' }),
    }),
    { description: 'Clients seen on the slot within the quiet period, most recent first' },
  ),
});

export const RotationView = Type.Object({
  id: Type.String(),
  keyId: Type.String(),
  step: Step,
  state: Type.Union([Type.Literal('active'), Type.Literal('done'), Type.Literal('abandoned')]),
  instruction: Type.String({ description: 'What to do at this step' }),
  waitingFor: Type.Array(Block, { description: 'Why the next step cannot be taken yet' }),
  startedAt: DateTime,
  startedBy: Type.String(),
  updatedAt: DateTime,
  primaryRegeneratedAt: Nullable(DateTime),
  secondaryRegeneratedAt: Nullable(DateTime),
  evidence: Type.Object({ primary: SlotEvidenceView, secondary: SlotEvidenceView }),
  history: Type.Array(
    Type.Object({
      at: DateTime,
      by: Type.String(),
      from: Nullable(Step),
      to: Type.Union([Step, Type.Literal('abandoned')]),
      forced: Type.Array(Block),
    }),
  ),
});

export const AdvanceBody = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({
        description: 'Take the step although usage says clients would break (audited)',
      }),
    ),
  },
  { additionalProperties: false },
);
