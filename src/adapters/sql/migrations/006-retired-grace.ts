import type { Kysely, Migration } from 'kysely';

/** Regenerate with a grace window: a retired secret may keep working until `grace_until`. */
export const retiredGraceMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('retired_secrets').addColumn('grace_until', 'bigint').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('retired_secrets').dropColumn('grace_until').execute();
  },
};
