/**
 * The Kysely view of Keyward's tables, shared by the SQLite and PostgreSQL adapters.
 *
 * Representation (identical on both dialects, so one set of repos serves both):
 * - timestamps are epoch milliseconds in a 64-bit integer column: they sort numerically, compare
 *   with plain `<`/`>`, and round-trip a `Date` exactly (JS dates have ms precision);
 * - JSON values (settings, scopes, CIDRs, rate limits, audit details) are TEXT holding `JSON.stringify`;
 * - booleans are read as `boolean | number` (PostgreSQL `boolean`, SQLite `integer` 0/1).
 *
 * No column holds a plaintext secret: slots keep a digest, a hint and (optionally) a ciphertext.
 */

/** Epoch milliseconds. */
export type EpochMs = number;

/** PostgreSQL returns `boolean`, SQLite `0 | 1`; writes pass a `boolean` (see sqlite-boolean-plugin.ts). */
export type DbBoolean = boolean | number;

export interface InstitutionsTable {
  id: string;
  name: string;
  external_code: string | null;
  /** JSON of InstitutionSettings. */
  settings: string;
  created_at: EpochMs;
}

export interface UsersTable {
  id: string;
  /** Lower-cased, unique. */
  email: string;
  name: string;
  password_hash: string;
  platform_operator: DbBoolean;
  must_change_password: DbBoolean;
  disabled: DbBoolean;
  created_at: EpochMs;
}

export interface MembershipsTable {
  user_id: string;
  institution_id: string;
  role: string;
  created_at: EpochMs;
}

export interface ApiKeysTable {
  id: string;
  institution_id: string;
  name: string;
  kind: string;
  /** JSON string array. */
  scopes: string;
  state: string;
  /** JSON string array. */
  allowed_cidrs: string;
  expires_at: EpochMs | null;
  /** JSON of RateLimit, or null. */
  rate_limit: string | null;
  created_at: EpochMs;
  created_by: string;
  updated_at: EpochMs;
  deleted_at: EpochMs | null;
}

export interface KeySlotsTable {
  key_id: string;
  slot: string;
  digest: string;
  digest_version: number;
  master_key_id: string | null;
  ciphertext: string | null;
  hint: string;
  generated_at: EpochMs;
  generated_by: string;
  last_used_at: EpochMs | null;
  last_used_from: string | null;
  last_user_agent: string | null;
  /** A legacy-format secret imported from another gateway (migration 008). */
  imported: DbBoolean;
}

export interface RetiredSecretsTable {
  digest: string;
  digest_version: number;
  key_id: string;
  institution_id: string;
  slot: string;
  hint: string;
  retired_at: EpochMs;
  retired_by: string;
  reason: string;
  /** Epoch ms until which the secret still authenticates (regenerate with a grace window). */
  grace_until: EpochMs | null;
}

export interface AuditEventsTable {
  seq: number;
  id: string;
  at: EpochMs;
  actor_type: string;
  actor_id: string;
  institution_id: string | null;
  action: string;
  target: string | null;
  source_ip: string | null;
  /** JSON object. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: EpochMs;
  expires_at: EpochMs;
}

export interface Database {
  institutions: InstitutionsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  key_slots: KeySlotsTable;
  retired_secrets: RetiredSecretsTable;
  audit_events: AuditEventsTable;
  sessions: SessionsTable;
  slot_clients: SlotClientsTable;
  usage_rollups: UsageRollupsTable;
  usage_events: UsageEventsTable;
  alerts: AlertsTable;
  rotations: RotationsTable;
  shares: SharesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** One row per slot × source address × user agent ('' when unknown). */
export interface SlotClientsTable {
  key_id: string;
  slot: string;
  client_ip: string;
  user_agent: string;
  first_seen_at: EpochMs;
  last_seen_at: EpochMs;
  requests: number;
}

/** One row per key × minute × slot ('' when none) × outcome; h0…h11 is the latency histogram. */
export interface UsageRollupsTable {
  key_id: string;
  minute: EpochMs;
  slot: string;
  outcome: string;
  institution_id: string;
  requests: number;
  s_other: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  latency_sum_ms: number;
  latency_max_ms: number;
  h0: number;
  h1: number;
  h2: number;
  h3: number;
  h4: number;
  h5: number;
  h6: number;
  h7: number;
  h8: number;
  h9: number;
  h10: number;
  h11: number;
}

/** Raw gateway decisions (pruned after the retention window). */
export interface UsageEventsTable {
  at: EpochMs;
  request_id: string;
  key_id: string | null;
  institution_id: string | null;
  slot: string | null;
  route: string | null;
  status: number;
  outcome: string;
  latency_ms: number;
  client_ip: string | null;
  user_agent: string | null;
}

export interface AlertsTable {
  id: string;
  institution_id: string | null;
  type: string;
  severity: string;
  key_id: string | null;
  slot: string | null;
  subject: string | null;
  /** Unique while open (see core/alert.ts openKeyOf); null once acknowledged. */
  open_key: string | null;
  /** JSON object. */
  evidence: string;
  first_seen_at: EpochMs;
  last_seen_at: EpochMs;
  count: number;
  state: string;
  acknowledged_at: EpochMs | null;
  acknowledged_by: string | null;
}

/** An institution's webhook; the signing secret only sealed (null once deleted). */
export interface WebhooksTable {
  id: string;
  institution_id: string;
  url: string;
  description: string | null;
  /** JSON string array: subscribed event types or `["*"]`. */
  events: string;
  min_severity: string | null;
  master_key_id: string | null;
  secret_ciphertext: string | null;
  created_at: EpochMs;
  created_by: string;
  deleted_at: EpochMs | null;
}

/** One event × webhook; `body` is the exact JSON that is signed and sent. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  institution_id: string;
  event_id: string;
  event_type: string;
  body: string;
  state: string;
  attempts: number;
  /** Due time of the next attempt, or the end of the current claim; null once finished. */
  next_attempt_at: EpochMs | null;
  last_attempt_at: EpochMs | null;
  last_status: number | null;
  last_error: string | null;
  created_at: EpochMs;
  delivered_at: EpochMs | null;
}

/** One attempt of a delivery. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: EpochMs;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export interface RotationsTable {
  id: string;
  key_id: string;
  institution_id: string;
  /** The key id while in progress (unique), null once done or abandoned. */
  active_key: string | null;
  step: string;
  /** `active`, `done` or `abandoned`. */
  state: string;
  started_at: EpochMs;
  started_by: string;
  updated_at: EpochMs;
  primary_regenerated_at: EpochMs | null;
  secondary_regenerated_at: EpochMs | null;
  /** JSON array of RotationEvent. */
  history: string;
}

export interface SharesTable {
  id: string;
  key_id: string;
  institution_id: string;
  slot: string;
  until: EpochMs;
  note: string | null;
  shared_by: string;
  created_at: EpochMs;
  /** `active` or `revoked`. */
  state: string;
  revoked_at: EpochMs | null;
}
