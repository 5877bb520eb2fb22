import type {
  ApiKey,
  AuditEvent,
  AuditInput,
  Institution,
  InstitutionSettings,
  KeyState,
  MemberRole,
  Membership,
  RateLimit,
  RetiredSecret,
  SecretSlot,
  Session,
  SlotName,
  User,
  VerifiedSlot,
} from '../core/model.js';

/** Institutions: the tenant boundary. */
export interface InstitutionRepo {
  insert(institution: Institution): Promise<void>;
  get(id: string): Promise<Institution | null>;
  /** All institutions, or only those whose id is listed; ordered by createdAt, then id. */
  list(ids?: readonly string[]): Promise<Institution[]>;
  update(
    id: string,
    patch: Partial<{ name: string; externalCode: string | null; settings: InstitutionSettings }>,
  ): Promise<Institution | null>;
}

export interface UserRepo {
  /** Throws AppError CONFLICT when the email is taken. */
  insert(user: User): Promise<void>;
  getById(id: string): Promise<User | null>;
  /** `email` is compared lower-cased. */
  getByEmail(email: string): Promise<User | null>;
  update(
    id: string,
    patch: Partial<{
      name: string;
      passwordHash: string;
      mustChangePassword: boolean;
      disabled: boolean;
    }>,
  ): Promise<User | null>;
  count(): Promise<number>;
}

export interface MemberWithUser extends Membership {
  readonly user: User;
}

export interface MembershipRepo {
  /** Throws AppError CONFLICT when the user is already a member. */
  insert(membership: Membership): Promise<void>;
  get(userId: string, institutionId: string): Promise<Membership | null>;
  listForUser(userId: string): Promise<Membership[]>;
  /** Ordered by createdAt, then userId. */
  listForInstitution(institutionId: string): Promise<MemberWithUser[]>;
  updateRole(userId: string, institutionId: string, role: MemberRole): Promise<Membership | null>;
  /** Returns false when there was no such membership. */
  delete(userId: string, institutionId: string): Promise<boolean>;
  countAdmins(institutionId: string): Promise<number>;
}

export interface ApiKeyPatch {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: Date | null;
  readonly rateLimit?: RateLimit | null;
  readonly state?: KeyState;
  readonly deletedAt?: Date | null;
  readonly updatedAt: Date;
}

/** What a digest lookup finds. */
export type DigestMatch =
  | { readonly kind: 'slot'; readonly key: ApiKey; readonly slot: VerifiedSlot }
  | { readonly kind: 'retired'; readonly retired: RetiredSecret };

/** A use of a slot by a client (the gateway's record of who still sends it). */
export interface SlotUse {
  readonly at: Date;
  readonly from: string | null;
  readonly userAgent: string | null;
}

export interface ApiKeyRepo {
  /** Inserts the key and its slots. Throws AppError CONFLICT on a duplicate digest. */
  insert(key: ApiKey, slots: readonly SecretSlot[]): Promise<void>;
  /** Any key, including cancelled ones. */
  get(id: string): Promise<ApiKey | null>;
  /** Keys of an institution that are not cancelled, ordered by createdAt, then id. */
  listByInstitution(institutionId: string): Promise<ApiKey[]>;
  update(id: string, patch: ApiKeyPatch): Promise<ApiKey | null>;
  /** The key's current slots (primary first). Empty for a deleted key. */
  getSlots(keyId: string): Promise<SecretSlot[]>;
  getSlot(keyId: string, slot: SlotName): Promise<SecretSlot | null>;
  /** The slots of many keys at once (a listing); within each key, primary first. */
  getSlotsOfKeys(keyIds: readonly string[]): Promise<SecretSlot[]>;
  /** Replaces the slot row (same keyId + slot) with a new secret. */
  replaceSlot(slot: SecretSlot): Promise<void>;
  /** Removes the key's slot rows (their digests must be retired first). */
  deleteSlots(keyId: string): Promise<void>;
  /** Throws AppError CONFLICT when the digest is already retired. */
  insertRetired(retired: RetiredSecret): Promise<void>;
  /** Retired secrets of a key, newest first. */
  listRetired(keyId: string): Promise<RetiredSecret[]>;
  /**
   * Looks up a secret by its digests (one per pepper version); a live slot wins over a retired
   * secret. The unique index on `digest` makes this one indexed read per version.
   */
  findByDigests(digests: readonly string[]): Promise<DigestMatch | null>;
  /** Records use of a slot (gateway). */
  touchSlot(keyId: string, slot: SlotName, use: SlotUse): Promise<void>;
}

export interface AuditPage {
  readonly events: AuditEvent[];
  /** Pass as `beforeSeq` for the next (older) page; null when there is none. */
  readonly nextBeforeSeq: number | null;
}

export interface AuditRepo {
  /**
   * Appends to the one global hash chain: assigns seq = last seq + 1 and
   * hash = SHA-256(prevHash ‖ canonical event) (core/audit-chain.ts). Serialised across
   * concurrent writers (PostgreSQL: transaction-scoped advisory lock).
   * Must be called inside the transaction that makes the change it records.
   */
  append(input: AuditInput): Promise<AuditEvent>;
  /** Newest first. */
  listByInstitution(
    institutionId: string,
    options: { beforeSeq?: number; limit: number },
  ): Promise<AuditPage>;
  /** Events with seq > afterSeq, ascending, at most `limit` (for chain verification). */
  scan(afterSeq: number, limit: number): Promise<AuditEvent[]>;
}

export interface SessionRepo {
  insert(session: Session): Promise<void>;
  get(idHash: string): Promise<Session | null>;
  delete(idHash: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

/** A source (address and user agent) seen sending one slot of a key. */
export interface SlotClient {
  readonly keyId: string;
  readonly slot: SlotName;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly requests: number;
}

/** What the gateway observed of its clients, per slot. */
export interface UsageRepo {
  /**
   * Merges observations into the per-slot client list: the same key × slot × address × user
   * agent widens its first/last seen and adds its requests; a new one is inserted.
   */
  recordClients(clients: readonly SlotClient[]): Promise<void>;
  /** A key's clients (both slots), most recently seen first, at most `limit`. */
  listClients(keyId: string, limit: number): Promise<SlotClient[]>;
}

export interface StoreRepos {
  readonly institutions: InstitutionRepo;
  readonly users: UserRepo;
  readonly memberships: MembershipRepo;
  readonly keys: ApiKeyRepo;
  readonly audit: AuditRepo;
  readonly sessions: SessionRepo;
  readonly usage: UsageRepo;
}

/**
 * The persistence port. Two implementations (SQLite and PostgreSQL) pass one contract suite.
 * Invariant: no table holds a plaintext secret.
 */
export interface Store extends StoreRepos {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: all of its writes commit together or none do.
   * Do not nest. A thrown error rolls back and is rethrown unchanged.
   */
  transaction<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Throws AppError STORE_UNAVAILABLE when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
