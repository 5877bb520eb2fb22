import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../../core/errors.js';
import type { Store } from '../../ports/store.js';
import type { Database } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';
import { driverErrorCode, USAGE_EVENT_COLUMNS, usageEventValues } from './sql-dialect.js';
import { SqlStore } from './sql-store.js';

const PG_UNIQUE_VIOLATION = '23505';

/** Advisory-lock key of the audit chain: the bytes of "keyward" as a bigint. */
const AUDIT_CHAIN_LOCK_KEY = '30229394876363364';

/** Lower-case identifiers only: PostgreSQL folds unquoted `search_path` entries to lower case. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const POSTGRES_DIALECT: SqlDialect = Object.freeze<SqlDialect>({
  name: 'postgres',
  columnTypes: Object.freeze({ boolean: 'boolean' }),
  /** Transaction-scoped: released by the commit or rollback that ends the append's transaction. */
  async lockAuditChain(trx): Promise<void> {
    await sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_CHAIN_LOCK_KEY)})`.execute(trx);
  },
  async defaultMigrationSchema(db): Promise<string | undefined> {
    const { rows } = await sql<{
      schema: string | null;
    }>`select current_schema() as schema`.execute(db);
    return rows[0]?.schema ?? undefined;
  },
  isUniqueViolation(err: unknown): boolean {
    return driverErrorCode(err) === PG_UNIQUE_VIOLATION;
  },
  /** One statement per batch: 11 array parameters unnested, instead of 11 parameters per row. */
  async insertUsageEvents(db, events): Promise<void> {
    if (events.length === 0) return;
    const columns: (string | number | null)[][] = Array.from({ length: 11 }, () => []);
    for (const event of events) {
      usageEventValues(event).forEach((value, i) => {
        (columns[i] as (string | number | null)[]).push(value);
      });
    }
    const [at, requestId, keyId, institutionId, slot, route, status, outcome, latency, ip, agent] =
      columns;
    await sql`insert into usage_events (${sql.raw(USAGE_EVENT_COLUMNS)})
      select * from unnest(${at}::bigint[], ${requestId}::text[], ${keyId}::text[],
        ${institutionId}::text[], ${slot}::text[], ${route}::text[], ${status}::integer[],
        ${outcome}::text[], ${latency}::double precision[], ${ip}::text[], ${agent}::text[])`.execute(
      db,
    );
  },
});

/**
 * int8 (bigint columns, count(*)) as a JS number instead of pg's default string. Safe: the
 * values are epoch ms, sequence numbers and counts, all far below 2^53.
 */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 && format !== 'binary'
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/**
 * Opens a pool on `url`. With `schema`, every connection uses it as `search_path` (tables and
 * Kysely's migration bookkeeping live there; `migrate()` creates it). Does not migrate.
 */
export async function openPostgresStore(options: { url: string; schema?: string }): Promise<Store> {
  const { url, schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new AppError('CONFIG_INVALID', 'the PostgreSQL schema name must match [a-z_][a-z0-9_]*');
  }
  const pool = new pg.Pool({
    connectionString: url,
    types: { getTypeParser },
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection is discarded by the pool; the next query opens a new
  // one (or ping() reports STORE_UNAVAILABLE). Without a listener the error would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new SqlStore(
    db,
    POSTGRES_DIALECT,
    schema !== undefined ? { migrationTableSchema: schema } : {},
  );
}
