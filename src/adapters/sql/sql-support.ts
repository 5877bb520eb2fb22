import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Database } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

/**
 * Runs `fn` in the caller's transaction when there is one, otherwise in a new one, so multi-row
 * writes (a key and its slots, an audit append) are atomic even when called on the root store.
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/**
 * Maps a unique violation to `AppError('CONFLICT', '<what> already exists')`. The driver error is
 * dropped on purpose: PostgreSQL's `detail` repeats the conflicting value, which may be a digest.
 */
export async function conflictAs<T>(
  dialect: SqlDialect,
  what: string,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (dialect.isUniqueViolation(err)) throw new AppError('CONFLICT', `${what} already exists`);
    throw err;
  }
}

/** The number of rows a write reported (Kysely returns a bigint). */
export function affected(count: bigint | undefined): number {
  return Number(count ?? 0n);
}
