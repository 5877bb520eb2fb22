import type { Kysely, Migration } from 'kysely';
import type { SqlColumnTypes } from '../sql-dialect.js';

/**
 * Imported slots (`POST /institutions/{id}/keys/import`): `key_slots.imported` marks a secret
 * brought from another gateway in a legacy format (no prefix, no checksum). The gateway accepts a
 * legacy-format value only when it matches a slot with this flag; regenerating the slot clears it.
 * Every existing slot was issued by Keyward, hence the default.
 */
export function importedSlotsMigration(types: SqlColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('key_slots')
        .addColumn('imported', types.boolean, (c) => c.notNull().defaultTo(false))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('key_slots').dropColumn('imported').execute();
    },
  };
}
