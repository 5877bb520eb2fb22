import Type, { type TSchema } from 'typebox';
import { idPattern } from '../core/ids.js';

/** JSON schemas of the admin API: the single source for validation, serialisation and OpenAPI. */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const DateTime = Type.String({ format: 'date-time' });

export const InstitutionId = Type.String({
  pattern: idPattern('ins'),
  description: 'Institution id (`ins_…`)',
});
export const UserId = Type.String({ pattern: idPattern('usr'), description: 'User id (`usr_…`)' });
export const KeyId = Type.String({
  pattern: idPattern('key'),
  description: 'API key id (`key_…`)',
});

export const InstitutionParams = Type.Object(
  { institutionId: InstitutionId },
  { additionalProperties: false },
);
export const MemberParams = Type.Object(
  { institutionId: InstitutionId, userId: UserId },
  { additionalProperties: false },
);
export const KeyParams = Type.Object({ keyId: KeyId }, { additionalProperties: false });

export const Slot = Type.Union([Type.Literal('primary'), Type.Literal('secondary')]);
export const MemberRole = Type.Union([Type.Literal('admin'), Type.Literal('operator')]);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    evidence: Type.Optional(
      Type.Unknown({
        description:
          'SLOT_IN_USE: the slot’s recent use (last use, clients within the quiet period, requests)',
      }),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const RateLimit = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

/** Hygiene settings (core/hygiene-policy.ts): a number of days, up to ten years. */
const PolicyDays = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 3650, description });
const MaxSecretAgeDays = Nullable(
  PolicyDays('A secret this many days old is overdue for rotation; null: no age policy'),
);
const AgeReminderDays = Type.Array(
  PolicyDays('Days before the maximum age at which a SECRET_AGE reminder is raised'),
  {
    maxItems: 10,
    uniqueItems: true,
    description: 'Reminder lead times, each shorter than maxSecretAgeDays (default [14, 3])',
  },
);
const SuspendUnusedAfterDays = Nullable(
  PolicyDays('Suspend a use key whose two secrets were both unused this many days; null: never'),
);

const LeakPolicy = Type.Union(
  [Type.Literal('regenerate-slot'), Type.Literal('suspend-key'), Type.Literal('notify')],
  {
    description:
      'When a live secret is reported leaked: regenerate only that slot, suspend the key, or only alert',
  },
);

export const InstitutionSettings = Type.Object({
  operatorsMayViewSecrets: Type.Boolean(),
  defaultRateLimit: Nullable(RateLimit),
  rateLimit: Nullable(RateLimit),
  unusedAlertDays: Nullable(Type.Integer({ minimum: 1, maximum: 3650 })),
  quietPeriodSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
  maxSecretAgeDays: MaxSecretAgeDays,
  ageReminderDays: AgeReminderDays,
  suspendUnusedAfterDays: SuspendUnusedAfterDays,
  leakPolicy: LeakPolicy,
});

export const Institution = Type.Object({
  id: Type.String(),
  name: Type.String(),
  externalCode: Nullable(Type.String()),
  settings: InstitutionSettings,
  createdAt: DateTime,
});

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const ExternalCode = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });

export const CreateInstitutionBody = Type.Object(
  { name: Name, externalCode: Type.Optional(Nullable(ExternalCode)) },
  { additionalProperties: false },
);

export const UpdateInstitutionBody = Type.Object(
  {
    name: Type.Optional(Name),
    externalCode: Type.Optional(Nullable(ExternalCode)),
    settings: Type.Optional(
      Type.Object(
        {
          operatorsMayViewSecrets: Type.Optional(Type.Boolean()),
          defaultRateLimit: Type.Optional(Nullable(RateLimit)),
          rateLimit: Type.Optional(Nullable(RateLimit)),
          unusedAlertDays: Type.Optional(
            Nullable(
              Type.Integer({
                minimum: 1,
                maximum: 3650,
                description: 'Raise an UNUSED alert for a slot idle this many days; null: never',
              }),
            ),
          ),
          quietPeriodSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 86_400,
              description:
                'A slot used this recently is in use: regenerate refuses it (SLOT_IN_USE) unless forced',
            }),
          ),
          maxSecretAgeDays: Type.Optional(MaxSecretAgeDays),
          ageReminderDays: Type.Optional(AgeReminderDays),
          suspendUnusedAfterDays: Type.Optional(SuspendUnusedAfterDays),
          leakPolicy: Type.Optional(LeakPolicy),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  platformOperator: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
});

export const Membership = Type.Object({
  institutionId: Type.String(),
  role: MemberRole,
  createdAt: DateTime,
});

export const Member = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: MemberRole,
  createdAt: DateTime,
});

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const AddMemberBody = Type.Object(
  { email: Email, name: Name, role: MemberRole, password: Type.Optional(Password) },
  { additionalProperties: false },
);
export const UpdateMemberBody = Type.Object({ role: MemberRole }, { additionalProperties: false });

export const LoginBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);
export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

const Scope = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9:._/-]+$' });
const Scopes = Type.Array(Scope, { maxItems: 64 });
const Cidrs = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 256,
  description: 'IPv4 or IPv6 CIDRs (a bare address means one host); empty means any address',
});

export const SlotView = Type.Object({
  hint: Type.String({
    description: 'Prefix and last 4 characters, e.g. `kw_live_…9fQa`; an imported secret: `…9f0a`',
  }),
  generatedAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  lastUsedFrom: Nullable(Type.String()),
  lastUserAgent: Nullable(Type.String()),
  imported: Type.Boolean({
    description:
      'The secret was imported in a legacy format (no prefix, no checksum): rotate it to a Keyward secret soon',
  }),
});

export const SlotClientView = Type.Object({
  address: Nullable(Type.String({ description: 'Source address as the gateway trusted it' })),
  userAgent: Nullable(Type.String()),
  firstSeenAt: DateTime,
  lastSeenAt: DateTime,
  requests: Type.Integer({ minimum: 1 }),
});

export const KeyClients = Type.Object({
  slots: Type.Object({
    primary: Type.Array(SlotClientView),
    secondary: Type.Array(SlotClientView),
  }),
});

export const Key = Type.Object({
  id: Type.String(),
  institutionId: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('use'), Type.Literal('manage')]),
  state: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('cancelled')]),
  scopes: Type.Array(Type.String()),
  allowedCidrs: Type.Array(Type.String()),
  expiresAt: Nullable(DateTime),
  rateLimit: Nullable(RateLimit),
  createdAt: DateTime,
  createdBy: Type.String(),
  slots: Type.Object({ primary: SlotView, secondary: SlotView }),
});

export const CreateKeyBody = Type.Object(
  {
    name: Name,
    kind: Type.Optional(Type.Union([Type.Literal('use'), Type.Literal('manage')])),
    scopes: Type.Optional(Scopes),
    allowedCidrs: Type.Optional(Cidrs),
    expiresAt: Type.Optional(Nullable(DateTime)),
    rateLimit: Type.Optional(Nullable(RateLimit)),
  },
  { additionalProperties: false },
);

export const UpdateKeyBody = Type.Object(
  {
    name: Type.Optional(Name),
    scopes: Type.Optional(Scopes),
    allowedCidrs: Type.Optional(Cidrs),
    expiresAt: Type.Optional(Nullable(DateTime)),
    rateLimit: Type.Optional(Nullable(RateLimit)),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RegenerateBody = Type.Object(
  {
    slot: Slot,
    force: Type.Optional(
      Type.Boolean({
        description: 'Regenerate although the slot was used within the quiet period',
      }),
    ),
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86_400,
        description:
          'The old secret keeps working this long (reported as retiring), then is refused',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Secrets = Type.Object({ primary: Type.String(), secondary: Type.String() });

export const AuditEvent = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: DateTime,
  actor: Type.Object({ type: Type.String(), id: Type.String() }),
  institutionId: Nullable(Type.String()),
  action: Type.String(),
  target: Nullable(Type.String()),
  sourceIp: Nullable(Type.String()),
  details: Type.Object({}, { additionalProperties: true }),
  hash: Type.String(),
});

export const ListKeysQuery = Type.Object(
  {
    unusedFor: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,4}[mhd]$',
        description:
          'Only keys with no accepted request for this long (`30d`, `12h`, `90m`): neither slot used since, and created before',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
