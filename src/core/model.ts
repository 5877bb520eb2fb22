/**
 * The domain model. Plain immutable data: no behaviour, no I/O.
 * Times are `Date`s; digests are lowercase hex strings of fixed length (64 chars).
 */

export const SLOT_NAMES = ['primary', 'secondary'] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

export const MEMBER_ROLES = ['admin', 'operator'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const KEY_KINDS = ['use', 'manage'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

export const KEY_STATES = ['active', 'suspended', 'cancelled'] as const;
export type KeyState = (typeof KEY_STATES)[number];

export interface RateLimit {
  /** Requests allowed per window. */
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface InstitutionSettings {
  /** Whether operators (not only admins) may view secrets. */
  readonly operatorsMayViewSecrets: boolean;
  /** Default rate limit applied to keys that have none. */
  readonly defaultRateLimit: RateLimit | null;
  /** Aggregate limit over all keys of the institution together, or null for none. */
  readonly rateLimit: RateLimit | null;
  /** A slot unused this many days raises a (low-severity) UNUSED alert; null: never. */
  readonly unusedAlertDays: number | null;
  /**
   * A slot used within this many seconds is in use: regenerating it is refused (SLOT_IN_USE,
   * with the evidence) unless forced, and rotation steps wait for it.
   */
  readonly quietPeriodSeconds: number;
  /** Hygiene: a secret this many days old is overdue for rotation; null: no age policy. */
  readonly maxSecretAgeDays: number | null;
  /** Hygiene: remind this many days before a secret reaches `maxSecretAgeDays` (e.g. 14 and 3). */
  readonly ageReminderDays: readonly number[];
  /**
   * Hygiene: Keyward suspends (audited, as `system`) a use key whose two secrets were both unused
   * this many days; null: never (the report still lists unused keys).
   */
  readonly suspendUnusedAfterDays: number | null;
  /**
   * What Keyward does when a live secret of the institution is reported leaked (GitHub secret
   * scanning, internal scanners): regenerate only the leaked slot, suspend the whole key, or only
   * alert. Whatever the choice, a critical SECRET_LEAKED alert, a webhook and an audit event.
   */
  readonly leakPolicy: LeakPolicy;
}

export type LeakPolicy = 'regenerate-slot' | 'suspend-key' | 'notify';

export const DEFAULT_INSTITUTION_SETTINGS: InstitutionSettings = Object.freeze({
  operatorsMayViewSecrets: false,
  defaultRateLimit: null,
  rateLimit: null,
  unusedAlertDays: 90,
  quietPeriodSeconds: 600,
  maxSecretAgeDays: null,
  ageReminderDays: Object.freeze([14, 3]),
  suspendUnusedAfterDays: null,
  leakPolicy: 'regenerate-slot',
});

export interface Institution {
  readonly id: string;
  readonly name: string;
  readonly externalCode: string | null;
  readonly settings: InstitutionSettings;
  readonly createdAt: Date;
}

export interface User {
  readonly id: string;
  /** Lower-cased. Unique. */
  readonly email: string;
  readonly name: string;
  /** Self-describing password hash (see core/password.ts). */
  readonly passwordHash: string;
  /** True for platform operators (create institutions, verify audit). */
  readonly platformOperator: boolean;
  /** Set when an admin generated the password: it must be changed at first login. */
  readonly mustChangePassword: boolean;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface Membership {
  readonly userId: string;
  readonly institutionId: string;
  readonly role: MemberRole;
  readonly createdAt: Date;
}

export interface ApiKey {
  readonly id: string;
  readonly institutionId: string;
  readonly name: string;
  readonly kind: KeyKind;
  readonly scopes: readonly string[];
  readonly state: KeyState;
  /** Canonical CIDR strings (IPv4 or IPv6). Empty = any address. */
  readonly allowedCidrs: readonly string[];
  readonly expiresAt: Date | null;
  readonly rateLimit: RateLimit | null;
  readonly createdAt: Date;
  /** Actor id (`usr_…` or `key_…`). */
  readonly createdBy: string;
  readonly updatedAt: Date;
  /** Set when the key was deleted (state `cancelled`). */
  readonly deletedAt: Date | null;
}

/** Envelope-encrypted secret: `ciphertext` is opaque, `masterKeyId` names the wrapping key. */
export interface SealedSecret {
  readonly masterKeyId: string;
  readonly ciphertext: string;
}

export interface SecretSlot {
  readonly keyId: string;
  readonly slot: SlotName;
  /** HMAC-SHA256(pepper_vN, secret), hex. Unique across all slots and retired secrets. */
  readonly digest: string;
  readonly digestVersion: number;
  /** Null when the deployment does not keep viewable secrets. */
  readonly sealed: SealedSecret | null;
  /** Prefix + last 4 characters, e.g. `kw_live_…9fQa` (imported: `…9f0a`, no prefix). */
  readonly hint: string;
  readonly generatedAt: Date;
  readonly generatedBy: string;
  readonly lastUsedAt: Date | null;
  readonly lastUsedFrom: string | null;
  readonly lastUserAgent: string | null;
  /**
   * The secret was imported from another gateway in a legacy format (core/legacy-secret.ts): no
   * prefix, no checksum. Only such a slot authenticates a legacy-format value; regenerating it
   * issues a Keyward-format secret and clears the flag. Worth rotating soon.
   */
  readonly imported: boolean;
}

/**
 * What verification reads of a slot: no digest and no sealed secret, so neither the hot path's
 * cache nor a verifier's caller ever holds them (and the store reads fewer columns).
 */
export type VerifiedSlot = Pick<
  SecretSlot,
  'keyId' | 'slot' | 'digestVersion' | 'hint' | 'generatedAt'
> & {
  /** Set when the secret is a retired one still inside its grace window: until when. */
  readonly retiringUntil?: Date;
  /**
   * The live slot holds an imported secret (SecretSlot.imported). Read from the store with every
   * live slot; absent means not imported, so a legacy-format value matching it is refused.
   */
  readonly imported?: boolean;
};

export const RETIRE_REASONS = ['regenerated', 'deleted'] as const;
export type RetireReason = (typeof RETIRE_REASONS)[number];

/** A secret that no longer authenticates but is still recognised when sent. */
export interface RetiredSecret {
  readonly digest: string;
  readonly digestVersion: number;
  readonly keyId: string;
  readonly institutionId: string;
  readonly slot: SlotName;
  readonly hint: string;
  readonly retiredAt: Date;
  readonly retiredBy: string;
  readonly reason: RetireReason;
  /**
   * A regenerate with a grace window: until then the secret still authenticates (as a retiring
   * secret of its key, reported as such); null: refused from the moment it was retired.
   */
  readonly graceUntil: Date | null;
}

export type ActorType = 'user' | 'key' | 'system';

export interface Actor {
  readonly type: ActorType;
  readonly id: string;
}

/** What a caller supplies to append an audit event; the store assigns seq, prevHash and hash. */
export interface AuditInput {
  readonly id: string;
  readonly at: Date;
  readonly actor: Actor;
  readonly institutionId: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly sourceIp: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditEvent extends AuditInput {
  /** Gapless, starting at 1. */
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface Session {
  /** SHA-256 hex of the session token; the token itself is never stored. */
  readonly idHash: string;
  readonly userId: string;
  readonly csrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}
