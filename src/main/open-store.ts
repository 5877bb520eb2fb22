import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Store } from '../ports/store.js';

export const SQLITE_FILE = 'keyward.db';

/**
 * PostgreSQL when KEYWARD_DATABASE_URL is set, else the embedded SQLite file in the data dir.
 * Only the chosen driver is loaded (each one costs several MB of memory).
 */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('../adapters/sql/postgres-store.js');
    return openPostgresStore({ url: config.databaseUrl });
  }
  const { openSqliteStore } = await import('../adapters/sql/sqlite-store.js');
  return openSqliteStore({ file: join(config.dataDir, SQLITE_FILE) });
}

/** Where the store lives, without credentials (for humans). */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return `SQLite ${join(config.dataDir, SQLITE_FILE)}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
