import type { Kysely, Migration } from 'kysely';

/**
 * Guided rotations. `active_key` holds the key id while the rotation is in progress and is unique,
 * so a key has at most one current rotation on every node; it is cleared when the rotation ends
 * (done or abandoned), which keeps the finished ones as history.
 */
export const rotationsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('rotations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('institution_id', 'text', (c) => c.notNull())
      .addColumn('active_key', 'text')
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('primary_regenerated_at', 'bigint')
      .addColumn('secondary_regenerated_at', 'bigint')
      .addColumn('history', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('rotations_active_key_uq')
      .on('rotations')
      .column('active_key')
      .unique()
      .execute();
    await db.schema
      .createIndex('rotations_key_idx')
      .on('rotations')
      .columns(['key_id', 'started_at'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('rotations').execute();
  },
};
