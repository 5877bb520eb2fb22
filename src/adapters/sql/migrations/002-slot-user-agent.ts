import type { Kysely, Migration } from 'kysely';

/** The user agent of a slot's last use, beside its time and address (which slot each client uses). */
export const slotUserAgentMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('key_slots').addColumn('last_user_agent', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('key_slots').dropColumn('last_user_agent').execute();
  },
};
