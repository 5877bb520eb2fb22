import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import { ALL_MIGRATIONS } from './fixtures.js';
import { describeStoreContract } from './store-contract.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-sqlite-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describeStoreContract('SQLite (temp file)', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('openSqliteStore', () => {
  it('creates the parent directory and puts the database in WAL mode', async () => {
    const file = join(await tempDir(), 'nested', 'deeper', 'keyward.db');
    const store = await openSqliteStore({ file });
    try {
      expect(store.dialect).toBe('sqlite');
      expect(await store.migrate()).toEqual(ALL_MIGRATIONS);
      const raw = new BetterSqlite3(file, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });

  it('does not migrate on open', async () => {
    const file = join(await tempDir(), 'keyward.db');
    const store = await openSqliteStore({ file });
    try {
      await expect(store.institutions.list()).rejects.toThrow(/no such table/);
    } finally {
      await store.close();
    }
  });

  it('works in memory', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    try {
      expect(await store.migrate()).toEqual(ALL_MIGRATIONS);
      await store.ping();
      expect(await store.users.count()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
