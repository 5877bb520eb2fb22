import { type Kysely, Migrator, sql } from 'kysely';
import { AppError } from '../../core/errors.js';
import type {
  AlertRepo,
  ApiKeyRepo,
  AuditRepo,
  InstitutionRepo,
  MembershipRepo,
  RotationRepo,
  SessionRepo,
  ShareRepo,
  Store,
  StoreRepos,
  UsageRepo,
  UserRepo,
  WebhookRepo,
} from '../../ports/store.js';
import { keywardMigrations, StaticMigrationProvider } from './migrations/migration-provider.js';
import type { Database } from './schema.js';
import {
  SqlInstitutionRepo,
  SqlMembershipRepo,
  SqlSessionRepo,
  SqlUserRepo,
} from './sql-account-repos.js';
import { SqlAlertRepo } from './sql-alert-repo.js';
import { type DigestLookup, SqlApiKeyRepo } from './sql-api-key-repo.js';
import { SqlAuditRepo } from './sql-audit-repo.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqlRotationRepo } from './sql-rotation-repo.js';
import { SqlShareRepo } from './sql-share-repo.js';
import { SqlUsageRepo } from './sql-usage-repo.js';
import { SqlWebhookRepo } from './sql-webhook-repo.js';

/** The same repo classes, on the root database or on a transaction. */
export function reposOn(
  db: Kysely<Database>,
  dialect: SqlDialect,
  lookup?: DigestLookup,
): StoreRepos {
  return Object.freeze({
    institutions: new SqlInstitutionRepo(db, dialect),
    users: new SqlUserRepo(db, dialect),
    memberships: new SqlMembershipRepo(db, dialect),
    keys: new SqlApiKeyRepo(db, dialect, lookup),
    audit: new SqlAuditRepo(db, dialect),
    sessions: new SqlSessionRepo(db, dialect),
    usage: new SqlUsageRepo(db, dialect),
    alerts: new SqlAlertRepo(db),
    rotations: new SqlRotationRepo(db, dialect),
    shares: new SqlShareRepo(db),
    webhooks: new SqlWebhookRepo(db, dialect),
  });
}

export interface SqlStoreOptions {
  /** Where Kysely keeps its migration bookkeeping tables (PostgreSQL schema); default schema if unset. */
  readonly migrationTableSchema?: string;
  /** A faster digest lookup for the root store (SQLite); transactions keep the Kysely path. */
  readonly digestLookup?: DigestLookup & { close(): void };
}

/** The `Store` port on any Kysely database; the dialect supplies the few differences. */
export class SqlStore implements Store {
  readonly dialect: Store['dialect'];
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
  #closing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlDialect: SqlDialect,
    private readonly options: SqlStoreOptions = {},
  ) {
    this.dialect = sqlDialect.name;
    const repos = reposOn(db, sqlDialect, options.digestLookup);
    this.institutions = repos.institutions;
    this.users = repos.users;
    this.memberships = repos.memberships;
    this.keys = repos.keys;
    this.audit = repos.audit;
    this.sessions = repos.sessions;
    this.usage = repos.usage;
    this.alerts = repos.alerts;
    this.rotations = repos.rotations;
    this.shares = repos.shares;
    this.webhooks = repos.webhooks;
  }

  transaction<T>(fn: (tx: StoreRepos) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(reposOn(trx, this.sqlDialect)));
  }

  async migrate(): Promise<string[]> {
    const schema =
      this.options.migrationTableSchema ?? (await this.sqlDialect.defaultMigrationSchema(this.db));
    const migrator = new Migrator({
      db: this.db,
      provider: new StaticMigrationProvider(keywardMigrations(this.sqlDialect.columnTypes)),
      ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) throw error;
    return (results ?? [])
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName);
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch {
      throw new AppError('STORE_UNAVAILABLE', 'the database cannot be reached');
    }
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.options.digestLookup?.close();
      await this.db.destroy();
    })();
    return this.#closing;
  }
}
