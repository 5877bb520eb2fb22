import type { Insertable, Selectable } from 'kysely';
import {
  type ApiKey,
  type AuditEvent,
  type AuditInput,
  DEFAULT_INSTITUTION_SETTINGS,
  type Institution,
  type InstitutionSettings,
  type KeyKind,
  type KeyState,
  type MemberRole,
  type Membership,
  type RateLimit,
  type RetiredSecret,
  type RetireReason,
  type SecretSlot,
  type Session,
  type SlotName,
  type User,
  type VerifiedSlot,
} from '../../core/model.js';
import type {
  ApiKeysTable,
  AuditEventsTable,
  DbBoolean,
  EpochMs,
  InstitutionsTable,
  KeySlotsTable,
  MembershipsTable,
  RetiredSecretsTable,
  SessionsTable,
  UsersTable,
} from './schema.js';

// Conversions between rows and domain objects. Every read builds fresh objects (new Dates, new
// arrays) so callers can never alias one another's data.

export function toMs(date: Date): EpochMs {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  return ms;
}

export function toMsOrNull(date: Date | null): EpochMs | null {
  return date === null ? null : toMs(date);
}

/** `Number()` because a driver may hand a 64-bit integer back as a string or bigint. */
export function toDate(ms: EpochMs | string | bigint): Date {
  return new Date(Number(ms));
}

export function toDateOrNull(ms: EpochMs | string | bigint | null): Date | null {
  return ms === null ? null : toDate(ms);
}

function toBoolean(value: DbBoolean): boolean {
  return value === true || value === 1;
}

function toStringArray(json: string): string[] {
  return JSON.parse(json) as string[];
}

/** Exactly what a JSON column gives back for `value`: used so audit hashes cover stored values. */
export function jsonRoundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function toInstitution(row: Selectable<InstitutionsTable>): Institution {
  return {
    id: row.id,
    name: row.name,
    externalCode: row.external_code,
    // Defaults first, so settings added after a row was written read as their default.
    settings: {
      ...DEFAULT_INSTITUTION_SETTINGS,
      ...(JSON.parse(row.settings) as Partial<InstitutionSettings>),
    },
    createdAt: toDate(row.created_at),
  };
}

export function fromInstitution(institution: Institution): Insertable<InstitutionsTable> {
  return {
    id: institution.id,
    name: institution.name,
    external_code: institution.externalCode,
    settings: JSON.stringify(institution.settings),
    created_at: toMs(institution.createdAt),
  };
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    platformOperator: toBoolean(row.platform_operator),
    mustChangePassword: toBoolean(row.must_change_password),
    disabled: toBoolean(row.disabled),
    createdAt: toDate(row.created_at),
  };
}

export function fromUser(user: User): Insertable<UsersTable> {
  return {
    id: user.id,
    email: user.email.toLowerCase(),
    name: user.name,
    password_hash: user.passwordHash,
    platform_operator: user.platformOperator,
    must_change_password: user.mustChangePassword,
    disabled: user.disabled,
    created_at: toMs(user.createdAt),
  };
}

export function toMembership(row: Selectable<MembershipsTable>): Membership {
  return {
    userId: row.user_id,
    institutionId: row.institution_id,
    role: row.role as MemberRole,
    createdAt: toDate(row.created_at),
  };
}

export function fromMembership(membership: Membership): Insertable<MembershipsTable> {
  return {
    user_id: membership.userId,
    institution_id: membership.institutionId,
    role: membership.role,
    created_at: toMs(membership.createdAt),
  };
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    institutionId: row.institution_id,
    name: row.name,
    kind: row.kind as KeyKind,
    scopes: toStringArray(row.scopes),
    state: row.state as KeyState,
    allowedCidrs: toStringArray(row.allowed_cidrs),
    expiresAt: toDateOrNull(row.expires_at),
    rateLimit: row.rate_limit === null ? null : (JSON.parse(row.rate_limit) as RateLimit),
    createdAt: toDate(row.created_at),
    createdBy: row.created_by,
    updatedAt: toDate(row.updated_at),
    deletedAt: toDateOrNull(row.deleted_at),
  };
}

export function fromRateLimit(rateLimit: RateLimit | null): string | null {
  return rateLimit === null
    ? null
    : JSON.stringify({ limit: rateLimit.limit, windowSeconds: rateLimit.windowSeconds });
}

export function fromApiKey(key: ApiKey): Insertable<ApiKeysTable> {
  return {
    id: key.id,
    institution_id: key.institutionId,
    name: key.name,
    kind: key.kind,
    scopes: JSON.stringify(key.scopes),
    state: key.state,
    allowed_cidrs: JSON.stringify(key.allowedCidrs),
    expires_at: toMsOrNull(key.expiresAt),
    rate_limit: fromRateLimit(key.rateLimit),
    created_at: toMs(key.createdAt),
    created_by: key.createdBy,
    updated_at: toMs(key.updatedAt),
    deleted_at: toMsOrNull(key.deletedAt),
  };
}

export function toSlot(row: Selectable<KeySlotsTable>): SecretSlot {
  return {
    keyId: row.key_id,
    slot: row.slot as SlotName,
    digest: row.digest,
    digestVersion: Number(row.digest_version),
    sealed:
      row.master_key_id === null || row.ciphertext === null
        ? null
        : { masterKeyId: row.master_key_id, ciphertext: row.ciphertext },
    hint: row.hint,
    generatedAt: toDate(row.generated_at),
    generatedBy: row.generated_by,
    lastUsedAt: toDateOrNull(row.last_used_at),
    lastUsedFrom: row.last_used_from,
    lastUserAgent: row.last_user_agent,
    imported: toBoolean(row.imported),
  };
}

/** The slot columns verification reads (see VerifiedSlot). */
export type VerifiedSlotRow = Pick<
  Selectable<KeySlotsTable>,
  'key_id' | 'slot' | 'digest_version' | 'hint' | 'generated_at' | 'imported'
>;

export function toVerifiedSlot(row: VerifiedSlotRow): VerifiedSlot {
  return {
    keyId: row.key_id,
    slot: row.slot as SlotName,
    digestVersion: Number(row.digest_version),
    hint: row.hint,
    generatedAt: toDate(row.generated_at),
    imported: toBoolean(row.imported),
  };
}

export function fromSlot(slot: SecretSlot): Insertable<KeySlotsTable> {
  return {
    key_id: slot.keyId,
    slot: slot.slot,
    digest: slot.digest,
    digest_version: slot.digestVersion,
    master_key_id: slot.sealed?.masterKeyId ?? null,
    ciphertext: slot.sealed?.ciphertext ?? null,
    hint: slot.hint,
    generated_at: toMs(slot.generatedAt),
    generated_by: slot.generatedBy,
    last_used_at: toMsOrNull(slot.lastUsedAt),
    last_used_from: slot.lastUsedFrom,
    last_user_agent: slot.lastUserAgent,
    imported: slot.imported,
  };
}

export function toRetired(row: Selectable<RetiredSecretsTable>): RetiredSecret {
  return {
    digest: row.digest,
    digestVersion: Number(row.digest_version),
    keyId: row.key_id,
    institutionId: row.institution_id,
    slot: row.slot as SlotName,
    hint: row.hint,
    retiredAt: toDate(row.retired_at),
    retiredBy: row.retired_by,
    reason: row.reason as RetireReason,
    graceUntil: toDateOrNull(row.grace_until),
  };
}

export function fromRetired(retired: RetiredSecret): Insertable<RetiredSecretsTable> {
  return {
    digest: retired.digest,
    digest_version: retired.digestVersion,
    key_id: retired.keyId,
    institution_id: retired.institutionId,
    slot: retired.slot,
    hint: retired.hint,
    retired_at: toMs(retired.retiredAt),
    retired_by: retired.retiredBy,
    reason: retired.reason,
    grace_until: toMsOrNull(retired.graceUntil),
  };
}

export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: toDate(row.at),
    actor: { type: row.actor_type as AuditEvent['actor']['type'], id: row.actor_id },
    institutionId: row.institution_id,
    action: row.action,
    target: row.target,
    sourceIp: row.source_ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The input exactly as it will read back from the database: a fresh Date (ms precision is what
 * the column keeps) and details passed through JSON. Hashing this form keeps the chain verifiable.
 */
export function storedAuditInput(input: AuditInput): AuditInput {
  return {
    id: input.id,
    at: toDate(toMs(input.at)),
    actor: { type: input.actor.type, id: input.actor.id },
    institutionId: input.institutionId,
    action: input.action,
    target: input.target,
    sourceIp: input.sourceIp,
    details: jsonRoundTrip(input.details ?? {}),
  };
}

export function fromAuditEvent(event: AuditEvent): Insertable<AuditEventsTable> {
  return {
    seq: event.seq,
    id: event.id,
    at: toMs(event.at),
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    institution_id: event.institutionId,
    action: event.action,
    target: event.target,
    source_ip: event.sourceIp,
    details: JSON.stringify(event.details),
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}

export function toSession(row: Selectable<SessionsTable>): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
  };
}

export function fromSession(session: Session): Insertable<SessionsTable> {
  return {
    id_hash: session.idHash,
    user_id: session.userId,
    csrf_token: session.csrfToken,
    created_at: toMs(session.createdAt),
    expires_at: toMs(session.expiresAt),
  };
}
