import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Store } from '../../ports/store.js';
import type { Database } from './schema.js';
import type { DigestLookup } from './sql-api-key-repo.js';
import type { SqlDialect } from './sql-dialect.js';
import { driverErrorCode, USAGE_EVENT_COLUMNS, usageEventValues } from './sql-dialect.js';
import { SqlStore } from './sql-store.js';
import { SqliteBooleanPlugin } from './sqlite-boolean-plugin.js';
import { SqliteDigestLookup } from './sqlite-digest-lookup.js';

const SQLITE_UNIQUE_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * SQLite's dialect on one database handle. Kysely drives that same handle (SQLite has a single
 * connection), so statements run on it directly take part in the transaction Kysely has open.
 */
function sqliteDialect(database: BetterSqlite3.Database): SqlDialect {
  let insertEvent: BetterSqlite3.Statement | null = null;
  return Object.freeze<SqlDialect>({
    ...SQLITE_BASE,
    /** A prepared single-row INSERT run per event: ~2.5 µs a row against 7 µs built by Kysely. */
    async insertUsageEvents(_db, events): Promise<void> {
      insertEvent ??= database.prepare(
        `insert into usage_events (${USAGE_EVENT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const event of events) insertEvent.run(usageEventValues(event));
    },
  });
}

const SQLITE_BASE = Object.freeze({
  name: 'sqlite',
  columnTypes: Object.freeze({ boolean: 'integer' }),
  /**
   * Nothing to do: Kysely holds SQLite's single connection for the whole transaction, and every
   * transaction begins IMMEDIATE (it owns the database's write lock from its first statement),
   * so appenders in this process and in others are already serialised.
   */
  async lockAuditChain(): Promise<void> {},
  async defaultMigrationSchema(): Promise<string | undefined> {
    return undefined;
  },
  isUniqueViolation(err: unknown): boolean {
    const code = driverErrorCode(err);
    return code !== undefined && SQLITE_UNIQUE_CODES.has(code);
  },
} as const satisfies Omit<SqlDialect, 'insertUsageEvents'>);

/**
 * `BEGIN IMMEDIATE` instead of a deferred `BEGIN`: a transaction that reads then writes (the audit
 * append) would otherwise fail with SQLITE_BUSY when another process wrote in between.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * Opens (creating when missing) the SQLite database `file`, or an in-memory one for `:memory:`.
 * Does not migrate: call `store.migrate()`.
 */
export async function openSqliteStore(options: { file: string }): Promise<Store> {
  const { file } = options;
  let database: BetterSqlite3.Database;
  try {
    if (file !== ':memory:' && file !== '') mkdirSync(dirname(resolve(file)), { recursive: true });
    database = new BetterSqlite3(file);
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError('STORE_UNAVAILABLE', `cannot open the SQLite database ${file}: ${reason}`);
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database }),
    plugins: [new SqliteBooleanPlugin()],
  });
  // A second, read-only connection for the verification hot path (not for in-memory databases,
  // which another connection cannot see). Opened lazily: the tables exist only after migrate().
  const lookup = file === ':memory:' || file === '' ? undefined : lazyLookup(resolve(file));
  return new SqlStore(db, sqliteDialect(database), lookup ? { digestLookup: lookup } : {});
}

function lazyLookup(file: string): DigestLookup & { close(): void } {
  let lookup: SqliteDigestLookup | null = null;
  let closed = false;
  return {
    findByDigests(digests) {
      if (closed) throw new AppError('STORE_UNAVAILABLE', 'the store is closed');
      lookup ??= new SqliteDigestLookup(file, BUSY_TIMEOUT_MS);
      return lookup.findByDigests(digests);
    },
    close() {
      closed = true;
      lookup?.close();
    },
  };
}
