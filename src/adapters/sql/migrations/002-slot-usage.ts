import type { Kysely, Migration } from 'kysely';

/**
 * Which clients use each slot: the user agent of a slot's last use (beside its time and address)
 * and `slot_clients`, one row per slot × source address × user agent with first/last seen and a
 * request count. An unknown address or user agent is stored as '' (they are part of the key).
 */
export const slotUsageMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('key_slots').addColumn('last_user_agent', 'text').execute();
    await db.schema
      .createTable('slot_clients')
      .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('client_ip', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('slot_clients_pk', ['key_id', 'slot', 'client_ip', 'user_agent'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('slot_clients').execute();
    await db.schema.alterTable('key_slots').dropColumn('last_user_agent').execute();
  },
};
