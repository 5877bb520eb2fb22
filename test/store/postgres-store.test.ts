import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/sql/postgres-store.js';
import { AppError } from '../../src/core/errors.js';
import { describeStoreContract } from './store-contract.js';

// Tests read the environment directly: they are not part of the app's validated config.
const url = process.env.KEYWARD_TEST_DATABASE_URL;

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

if (url) {
  describeStoreContract('PostgreSQL (fresh schema)', async () => {
    const schema = `keyward_test_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('openPostgresStore', () => {
    it('does not migrate on open and reports its dialect', async () => {
      const schema = `keyward_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({ url, schema });
      try {
        expect(store.dialect).toBe('postgres');
        await expect(store.institutions.list()).rejects.toThrow(/does not exist/);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('migrates the schema a URL selects, whatever other schemas of the database hold', async () => {
      // Another installation's migration tables live in another schema of the same database.
      const other = `keyward_test_${randomBytes(6).toString('hex')}`;
      const ours = `keyward_test_${randomBytes(6).toString('hex')}`;
      const neighbour = await openPostgresStore({ url, schema: other });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`create schema ${ours}`);
      await client.end();
      const selected = new URL(url);
      selected.searchParams.set('options', `-c search_path=${ours}`);
      const store = await openPostgresStore({ url: selected.toString() });
      try {
        await neighbour.migrate();
        expect(await store.migrate()).toContain('001_initial');
        expect(await store.institutions.list()).toEqual([]);
      } finally {
        await Promise.all([store.close(), neighbour.close()]);
        await dropSchema(other);
        await dropSchema(ours);
      }
    });
  });
} else {
  console.warn(
    '[keyward] PostgreSQL store suite SKIPPED: set KEYWARD_TEST_DATABASE_URL=postgres://… to run it',
  );
  describe.skip('Store contract: PostgreSQL (set KEYWARD_TEST_DATABASE_URL)', () => {
    it('runs the store contract against PostgreSQL', () => {});
  });
}

describe('openPostgresStore without a server', () => {
  it('maps an unreachable database to STORE_UNAVAILABLE on ping', async () => {
    const store = await openPostgresStore({ url: 'postgres://keyward@127.0.0.1:1/none' });
    try {
      const err = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('STORE_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });

  it('rejects a schema name that is not a plain lower-case identifier', async () => {
    await expect(
      openPostgresStore({ url: 'postgres://x@127.0.0.1:1/none', schema: 'a; drop' }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
