import { join } from 'node:path';
import { openPostgresStore } from '../adapters/sql/postgres-store.js';
import { openSqliteStore } from '../adapters/sql/sqlite-store.js';
import type { Config } from '../config/config.js';
import type { Store } from '../ports/store.js';

export const SQLITE_FILE = 'keyward.db';

/** PostgreSQL when KEYWARD_DATABASE_URL is set, else the embedded SQLite file in the data dir. */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore({ url: config.databaseUrl });
  return openSqliteStore({ file: join(config.dataDir, SQLITE_FILE) });
}

/** Where the store lives, without credentials (for humans). */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return `SQLite ${join(config.dataDir, SQLITE_FILE)}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
