import type { Kysely, Migration } from 'kysely';

/**
 * Time-boxed sharing: one row per share; `state` goes active → revoked exactly once (a guarded
 * UPDATE), which is what lets several scheduler processes run the same due share safely.
 */
export const sharesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('shares')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('institution_id', 'text', (c) => c.notNull())
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('shared_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('shares_due_idx')
      .on('shares')
      .columns(['state', 'until'])
      .execute();
    await db.schema
      .createIndex('shares_key_idx')
      .on('shares')
      .columns(['key_id', 'created_at'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('shares').execute();
  },
};
