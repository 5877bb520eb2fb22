import Type from 'typebox';
import { idPattern } from '../core/ids.js';
import { DateTime, Nullable } from './schemas.js';

/** Schemas of the monitoring routes: usage series and totals, raw events, alerts. */

const Duration = Type.String({
  pattern: '^[1-9][0-9]{0,4}[mhd]$',
  description: 'A duration: minutes, hours or days, e.g. `5m`, `1h`, `1d`',
});

export const PeriodQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Default: `to` minus 1 day' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
  },
  { additionalProperties: false },
);

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Default: `to` minus 1 day' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    step: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Default: `to` minus 1 day' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const UsagePoint = Type.Object({
  at: DateTime,
  requests: Type.Integer({ minimum: 0 }),
  errors: Type.Integer({ minimum: 0, description: 'Answers with status 4xx or 5xx' }),
  status: Type.Object({
    '2xx': Type.Integer({ minimum: 0 }),
    '3xx': Type.Integer({ minimum: 0 }),
    '4xx': Type.Integer({ minimum: 0 }),
    '5xx': Type.Integer({ minimum: 0 }),
  }),
  p95LatencyMs: Nullable(
    Type.Number({ description: 'Upper bound of the histogram bucket holding the 95th percentile' }),
  ),
  maxLatencyMs: Nullable(Type.Number()),
});

export const KeyUsage = Type.Object({
  keyId: Type.String(),
  from: DateTime,
  to: DateTime,
  step: Type.String(),
  slots: Type.Object({ primary: Type.Array(UsagePoint), secondary: Type.Array(UsagePoint) }),
});

const SlotTotals = Type.Object({
  requests: Type.Integer({ minimum: 0 }),
  errors: Type.Integer({ minimum: 0 }),
});

export const InstitutionUsage = Type.Object({
  institutionId: Type.String(),
  from: DateTime,
  to: DateTime,
  keys: Type.Array(
    Type.Object({
      keyId: Type.String(),
      name: Type.String(),
      requests: Type.Integer({ minimum: 0 }),
      errors: Type.Integer({ minimum: 0 }),
      slots: Type.Object({ primary: SlotTotals, secondary: SlotTotals }),
    }),
  ),
});

export const UsageEventView = Type.Object({
  at: DateTime,
  requestId: Type.String(),
  slot: Nullable(Type.String()),
  route: Nullable(Type.String()),
  status: Type.Integer(),
  outcome: Type.String(),
  latencyMs: Type.Number(),
  clientIp: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
});

export const AlertView = Type.Object({
  id: Type.String(),
  institutionId: Nullable(Type.String()),
  type: Type.Union([
    Type.Literal('RETIRED_SECRET_USED'),
    Type.Literal('NEW_NETWORK'),
    Type.Literal('VOLUME_SPIKE'),
    Type.Literal('FAILED_AUTH_BURST'),
    Type.Literal('IP_NOT_ALLOWED'),
    Type.Literal('UNUSED'),
    Type.Literal('SHARE_EXPIRED'),
    Type.Literal('SECRET_AGE'),
    Type.Literal('SECRET_LEAKED'),
  ]),
  severity: Type.Union([
    Type.Literal('low'),
    Type.Literal('medium'),
    Type.Literal('high'),
    Type.Literal('critical'),
  ]),
  keyId: Nullable(Type.String()),
  slot: Nullable(Type.String()),
  subject: Nullable(
    Type.String({
      description: 'What else the alert is about, e.g. the source address of a failure burst',
    }),
  ),
  evidence: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
  firstSeenAt: DateTime,
  lastSeenAt: DateTime,
  count: Type.Integer({ minimum: 1, description: 'Occurrences while open' }),
  state: Type.Union([Type.Literal('open'), Type.Literal('acknowledged')]),
  acknowledgedAt: Nullable(DateTime),
  acknowledgedBy: Nullable(Type.String()),
});

export const AlertQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged')])),
    cursor: Type.Optional(
      Type.String({ maxLength: 100, description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export const AlertParams = Type.Object(
  { alertId: Type.String({ pattern: idPattern('alr'), description: 'Alert id (`alr_…`)' }) },
  { additionalProperties: false },
);
