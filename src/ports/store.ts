import type { Alert, AlertState } from '../core/alert.js';
import type { Finding } from '../core/detectors.js';
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
import type { Rotation } from '../core/rotation.js';
import type { Share } from '../core/share.js';
import type { UsageRollup } from '../core/usage-rollup.js';
import type { DeliveryState, Webhook, WebhookAttempt, WebhookDelivery } from '../core/webhook.js';
import type { UsageEvent } from './usage-sink.js';

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
  | {
      readonly kind: 'retired';
      readonly retired: RetiredSecret;
      /** The key, when the retired secret has a grace window (it may still authenticate). */
      readonly key?: ApiKey;
    };

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
  /**
   * `update`, only while the key is still in state `ifState` (a guarded write): of concurrent
   * callers exactly one gets the key back, the others null. For changes Keyward makes by itself
   * (a policy suspending a key) that several processes may attempt at once.
   */
  updateIfState(id: string, ifState: KeyState, patch: ApiKeyPatch): Promise<ApiKey | null>;
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
  /**
   * Ends a retired secret's grace window at `at`, so it is refused from then on (a leaked
   * retiring secret). False when it had no grace left.
   */
  endGrace(digest: string, at: Date): Promise<boolean>;
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
  /** The most recently seen clients of any key, at most `limit` (seeds the new-network detector). */
  listRecentClients(limit: number): Promise<SlotClient[]>;
  /** Adds per-minute counts into the stored rollups (same key × minute × slot × outcome: summed). */
  recordRollups(rollups: readonly UsageRollup[]): Promise<void>;
  /** A key's rollups with `from` ≤ minute < `to`. */
  listRollups(keyId: string, from: Date, to: Date): Promise<UsageRollup[]>;
  /** An institution's requests and errors (4xx/5xx) per key and slot with `from` ≤ minute < `to`. */
  institutionTotals(institutionId: string, from: Date, to: Date): Promise<UsageTotal[]>;
  /** Appends raw events (never their `retiredAt`). */
  recordEvents(events: readonly UsageEvent[]): Promise<void>;
  /** A key's raw events with `from` ≤ at < `to`, newest first, at most `limit`. */
  listEvents(keyId: string, from: Date, to: Date, limit: number): Promise<UsageEvent[]>;
  /** Deletes raw events before `eventsBefore` and rollups before `rollupsBefore`. */
  prune(eventsBefore: Date, rollupsBefore: Date): Promise<{ events: number; rollups: number }>;
}

/** Requests of one key's slot over a period (slot null: requests that matched no slot). */
export interface UsageTotal {
  readonly keyId: string;
  readonly slot: SlotName | null;
  readonly requests: number;
  readonly errors: number;
}

/** A finding to store: the alert it opens, or adds `count` occurrences to. */
export interface AlertOccurrence {
  /** Used when this opens a new alert. */
  readonly id: string;
  /** The newest occurrence (its time is the alert's last seen; its evidence replaces older). */
  readonly finding: Finding;
  /** The first of these occurrences. */
  readonly firstSeenAt: Date;
  readonly count: number;
}

export interface AlertPage {
  readonly alerts: Alert[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly next: { readonly lastSeenAt: Date; readonly id: string } | null;
}

export interface AlertRepo {
  /**
   * Opens an alert for the finding, or — when one is open for the same institution × type × key ×
   * subject — adds `count` to it, moves `lastSeenAt` forward and replaces its evidence with the
   * newest. `opened` tells which happened (a new alert is what gets notified).
   */
  raise(occurrence: AlertOccurrence): Promise<{ alert: Alert; opened: boolean }>;
  get(id: string): Promise<Alert | null>;
  /** Newest (last seen) first. `null`: platform-level alerts (they named no institution). */
  listByInstitution(
    institutionId: string | null,
    options: {
      state?: AlertState;
      before?: { lastSeenAt: Date; id: string };
      limit: number;
    },
  ): Promise<AlertPage>;
  /** Acknowledges an open alert; null when there is no such alert, unchanged when already acknowledged. */
  acknowledge(id: string, by: string, at: Date): Promise<Alert | null>;
}

/** How an attempt ended, applied to its delivery. */
export interface DeliveryOutcome {
  readonly state: DeliveryState;
  /** When the next attempt is due (state `pending`); null otherwise. */
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
}

/** Webhooks, their deliveries and the attempt log. */
export interface WebhookRepo {
  insert(webhook: Webhook): Promise<void>;
  /** Any webhook, including deleted ones. */
  get(id: string): Promise<Webhook | null>;
  /** Live (not deleted) webhooks of an institution, ordered by createdAt, then id. */
  listByInstitution(institutionId: string): Promise<Webhook[]>;
  /**
   * Marks the webhook deleted, erases its sealed secret and fails its pending deliveries, so
   * nothing more is sent to it. False when there is no such live webhook.
   */
  markDeleted(id: string, at: Date): Promise<boolean>;
  /**
   * Queues a delivery. The same event to the same webhook is queued once: a repeat is ignored
   * and returns false. Call inside the transaction that makes the change the event reports.
   */
  insertDelivery(delivery: WebhookDelivery): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** A webhook's deliveries, newest first, at most `limit`. */
  listDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]>;
  /** The attempts of these deliveries, by delivery, then attempt number. */
  listAttempts(deliveryIds: readonly string[]): Promise<WebhookAttempt[]>;
  /** Pending deliveries due at `now`, earliest due first, at most `limit`: candidates to claim. */
  listDue(now: Date, limit: number): Promise<{ readonly id: string; readonly attempts: number }[]>;
  /**
   * Claims the next attempt of a due pending delivery whose attempt count is still `attempts`:
   * one guarded UPDATE raises the count and moves `nextAttemptAt` to `leaseUntil` (if the
   * claimant dies, the delivery is due again then). Exactly one of several concurrent claimants
   * gets the delivery; the others get null.
   */
  claim(id: string, attempts: number, now: Date, leaseUntil: Date): Promise<WebhookDelivery | null>;
  /**
   * Logs an attempt and, if the delivery is still pending at that attempt (its claim was not
   * lost to a lease expiry or a delete), applies the outcome. Returns whether it was applied.
   */
  finishAttempt(attempt: WebhookAttempt, outcome: DeliveryOutcome): Promise<boolean>;
  /** Deletes delivered and failed deliveries (and their attempts) created before `before`. */
  pruneFinished(before: Date): Promise<number>;
}

/** Guided rotations: at most one active per key. */
export interface RotationRepo {
  /** Throws AppError CONFLICT when the key already has an active rotation. */
  insert(rotation: Rotation): Promise<void>;
  /** The key's active rotation, or null. */
  getActive(keyId: string): Promise<Rotation | null>;
  /** Saves step, state, times and history (by id); ending it frees the key for a new one. */
  update(rotation: Rotation): Promise<void>;
}

/** Time-boxed shares of a slot's secret. */
export interface ShareRepo {
  insert(share: Share): Promise<void>;
  /** A key's shares, newest first. */
  listForKey(keyId: string): Promise<Share[]>;
  /** Active shares of an institution, soonest `until` first. */
  listActive(institutionId: string): Promise<Share[]>;
  /** Active shares whose `until` is at or before `now`, soonest first, at most `limit`. */
  listDue(now: Date, limit: number): Promise<Share[]>;
  /**
   * Marks one share revoked if it is still active; true when this call did it. Run in the
   * transaction that regenerates the slot: exactly one caller wins, however many race.
   */
  markRevoked(id: string, at: Date): Promise<boolean>;
  /** Marks the active shares of a slot revoked (the slot was regenerated); returns them. */
  revokeForSlot(keyId: string, slot: SlotName, at: Date): Promise<Share[]>;
}

export interface StoreRepos {
  readonly institutions: InstitutionRepo;
  readonly users: UserRepo;
  readonly memberships: MembershipRepo;
  readonly keys: ApiKeyRepo;
  readonly audit: AuditRepo;
  readonly sessions: SessionRepo;
  readonly usage: UsageRepo;
  readonly alerts: AlertRepo;
  readonly rotations: RotationRepo;
  readonly shares: ShareRepo;
  readonly webhooks: WebhookRepo;
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
