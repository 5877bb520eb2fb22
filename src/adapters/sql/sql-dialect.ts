import type { ColumnDataType, Kysely } from 'kysely';
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
  /** True when `err` is a unique or primary-key violation raised by the driver. */
  isUniqueViolation(err: unknown): boolean;
}

/** The driver error `code`, when there is one. */
export function driverErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  return typeof code === 'string' ? code : undefined;
}
