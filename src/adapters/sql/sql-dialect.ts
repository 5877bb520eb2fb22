import type { ColumnDataType, Kysely } from 'kysely';
import type { UsageEvent } from '../../ports/usage-sink.js';
import type { Database } from './schema.js';

/** Column types that differ between dialects; everything else is spelled the same on both. */
export interface SqlColumnTypes {
  /** PostgreSQL `boolean`; SQLite has none and stores `integer` 0/1. */
  readonly boolean: ColumnDataType;
}

/**
 * The few places where SQLite and PostgreSQL differ, as small overrides. The repos, the store and
 * the migrations are written once against this interface; nothing else asks which dialect it is.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly columnTypes: SqlColumnTypes;
  /**
   * Serialises audit appenders. Called first inside the appending transaction, so the
   * read-last-then-insert that follows cannot interleave with another appender.
   */
  lockAuditChain(trx: Kysely<Database>): Promise<void>;
  /**
   * The schema holding Kysely's migration tables when none is configured: PostgreSQL's
   * `current_schema()` (so a search_path set in the URL works and another schema's migration
   * tables are never mistaken for ours); SQLite has none.
   */
  defaultMigrationSchema(db: Kysely<Database>): Promise<string | undefined>;
  /** True when `err` is a unique or primary-key violation raised by the driver. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * Appends raw usage events — the one bulk write on the gateway's path, tens of thousands of
   * rows a second under load, where a generic multi-row INSERT costs more than the rows (measured
   * 7 µs per event through the query builder on SQLite).
   */
  insertUsageEvents(db: Kysely<Database>, events: readonly UsageEvent[]): Promise<void>;
}

/** `usage_events` columns in insert order, and one event's values in that order. */
export const USAGE_EVENT_COLUMNS =
  'at, request_id, key_id, institution_id, slot, route, status, outcome, latency_ms, client_ip, user_agent';

export function usageEventValues(e: UsageEvent): (string | number | null)[] {
  return [
    e.at.getTime(),
    e.requestId,
    e.keyId,
    e.institutionId,
    e.slot,
    e.route,
    e.status,
    e.outcome,
    e.latencyMs,
    e.clientIp,
    e.userAgent,
  ];
}

/** The driver error `code`, when there is one. */
export function driverErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  return typeof code === 'string' ? code : undefined;
}
