import { randomBytes } from 'node:crypto';
import { keywardMigrations } from '../../src/adapters/sql/migrations/migration-provider.js';
import { newId } from '../../src/core/ids.js';
import {
  type ApiKey,
  type AuditInput,
  DEFAULT_INSTITUTION_SETTINGS,
  type Institution,
  type Membership,
  type RetiredSecret,
  type SecretSlot,
  type Session,
  type SlotName,
  type User,
} from '../../src/core/model.js';

// Small builders for store tests. Ids are fresh on every call so tests sharing one database never
// collide; times carry odd milliseconds to prove they round-trip exactly.

/** A random 64-hex digest (stand-in for HMAC-SHA256 output). */
export function randomDigest(): string {
  return randomBytes(32).toString('hex');
}

/** 2030-01-01T00:00:00.000Z plus `ms`. */
export function at(ms = 0): Date {
  return new Date(Date.UTC(2030, 0, 1) + ms);
}

export function anInstitution(overrides: Partial<Institution> = {}): Institution {
  return {
    id: newId('ins'),
    name: 'Comune di Prova',
    externalCode: 'IT01234567890',
    settings: { ...DEFAULT_INSTITUTION_SETTINGS },
    createdAt: at(1_001),
    ...overrides,
  };
}

export function aUser(overrides: Partial<User> = {}): User {
  const id = newId('usr');
  return {
    id,
    email: `${id.toLowerCase()}@example.test`,
    name: 'Ada Admin',
    passwordHash: '$scrypt$n=16384,r=8,p=1$c2FsdA$aGFzaA',
    platformOperator: false,
    mustChangePassword: true,
    disabled: false,
    createdAt: at(2_002),
    ...overrides,
  };
}

export function aMembership(
  userId: string,
  institutionId: string,
  overrides: Partial<Membership> = {},
): Membership {
  return { userId, institutionId, role: 'admin', createdAt: at(3_003), ...overrides };
}

export function anApiKey(institutionId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: newId('key'),
    institutionId,
    name: 'billing backend',
    kind: 'use',
    scopes: ['payments:read', 'payments:write'],
    state: 'active',
    allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
    expiresAt: at(86_400_000 + 7),
    rateLimit: { limit: 100, windowSeconds: 60 },
    createdAt: at(4_004),
    createdBy: newId('usr'),
    updatedAt: at(4_004),
    deletedAt: null,
    ...overrides,
  };
}

export function aSlot(
  keyId: string,
  slot: SlotName,
  overrides: Partial<SecretSlot> = {},
): SecretSlot {
  return {
    keyId,
    slot,
    digest: randomDigest(),
    digestVersion: 1,
    sealed: { masterKeyId: 'mk_1', ciphertext: randomBytes(48).toString('base64url') },
    hint: `kw_live_…${slot === 'primary' ? 'AbC1' : 'XyZ9'}`,
    generatedAt: at(5_005),
    generatedBy: newId('usr'),
    lastUsedAt: null,
    lastUsedFrom: null,
    lastUserAgent: null,
    imported: false,
    ...overrides,
  };
}

/** A key with both slots, the secondary without a viewable ciphertext. */
export function aKeyWithSlots(
  institutionId: string,
  overrides: Partial<ApiKey> = {},
): { key: ApiKey; slots: [SecretSlot, SecretSlot] } {
  const key = anApiKey(institutionId, overrides);
  return {
    key,
    slots: [aSlot(key.id, 'primary'), aSlot(key.id, 'secondary', { sealed: null })],
  };
}

/** The retired form of `slot`. */
export function retiredFrom(
  slot: SecretSlot,
  institutionId: string,
  overrides: Partial<RetiredSecret> = {},
): RetiredSecret {
  return {
    digest: slot.digest,
    digestVersion: slot.digestVersion,
    keyId: slot.keyId,
    institutionId,
    slot: slot.slot,
    hint: slot.hint,
    retiredAt: at(6_006),
    retiredBy: newId('usr'),
    reason: 'regenerated',
    graceUntil: null,
    ...overrides,
  };
}

export function anAuditInput(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    id: newId('aud'),
    at: at(7_007),
    actor: { type: 'user', id: newId('usr') },
    institutionId: null,
    action: 'key.created',
    target: newId('key'),
    sourceIp: '203.0.113.9',
    details: { name: 'billing backend', scopes: ['a', 'b'], nested: { z: 1, a: [true, null] } },
    ...overrides,
  };
}

export function aSession(userId: string, overrides: Partial<Session> = {}): Session {
  return {
    idHash: randomDigest(),
    userId,
    csrfToken: randomBytes(16).toString('base64url'),
    createdAt: at(8_008),
    expiresAt: at(8_008 + 3_600_000),
    ...overrides,
  };
}

/** Every migration's name, in order (what a fresh store applies). */
export const ALL_MIGRATIONS = Object.keys(keywardMigrations({ boolean: 'boolean' })).sort();
