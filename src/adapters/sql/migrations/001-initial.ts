import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlColumnTypes } from '../sql-dialect.js';

/**
 * Creates every table. Timestamps are epoch ms in `bigint` (an integer on both dialects), JSON is
 * `text`; only the boolean column type differs, and comes from the dialect.
 * No column holds a plaintext secret.
 */
export function initialMigration(types: SqlColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('institutions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('external_code', 'text')
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('platform_operator', types.boolean, (c) => c.notNull())
        .addColumn('must_change_password', types.boolean, (c) => c.notNull())
        .addColumn('disabled', types.boolean, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_email_uq').on('users').column('email').unique().execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('institution_id', 'text', (c) => c.notNull().references('institutions.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'institution_id'])
        .addCheckConstraint('memberships_role_ck', sql`role in ('admin', 'operator')`)
        .execute();
      await db.schema
        .createIndex('memberships_institution_idx')
        .on('memberships')
        .columns(['institution_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('institution_id', 'text', (c) => c.notNull().references('institutions.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('allowed_cidrs', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('rate_limit', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addCheckConstraint('api_keys_kind_ck', sql`kind in ('use', 'manage')`)
        .addCheckConstraint('api_keys_state_ck', sql`state in ('active', 'suspended', 'cancelled')`)
        .execute();
      await db.schema
        .createIndex('api_keys_institution_idx')
        .on('api_keys')
        .columns(['institution_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('key_slots')
        .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
        .addColumn('slot', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('digest_version', 'integer', (c) => c.notNull())
        .addColumn('master_key_id', 'text')
        .addColumn('ciphertext', 'text')
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('generated_at', 'bigint', (c) => c.notNull())
        .addColumn('generated_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('last_used_from', 'text')
        .addPrimaryKeyConstraint('key_slots_pk', ['key_id', 'slot'])
        .addCheckConstraint('key_slots_slot_ck', sql`slot in ('primary', 'secondary')`)
        .addCheckConstraint(
          'key_slots_sealed_ck',
          sql`(master_key_id is null) = (ciphertext is null)`,
        )
        .execute();
      // The gateway's lookup: one indexed read per digest.
      await db.schema
        .createIndex('key_slots_digest_uq')
        .on('key_slots')
        .column('digest')
        .unique()
        .execute();

      await db.schema
        .createTable('retired_secrets')
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('digest_version', 'integer', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
        .addColumn('institution_id', 'text', (c) => c.notNull().references('institutions.id'))
        .addColumn('slot', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addCheckConstraint('retired_secrets_slot_ck', sql`slot in ('primary', 'secondary')`)
        .addCheckConstraint('retired_secrets_reason_ck', sql`reason in ('regenerated', 'deleted')`)
        .execute();
      await db.schema
        .createIndex('retired_secrets_digest_uq')
        .on('retired_secrets')
        .column('digest')
        .unique()
        .execute();
      await db.schema
        .createIndex('retired_secrets_key_idx')
        .on('retired_secrets')
        .columns(['key_id', 'retired_at'])
        .execute();

      // No foreign keys: the audit log outlives whatever it mentions and is never cascaded.
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('institution_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('source_ip', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addCheckConstraint('audit_events_actor_ck', sql`actor_type in ('user', 'key', 'system')`)
        .execute();
      await db.schema
        .createIndex('audit_events_institution_idx')
        .on('audit_events')
        .columns(['institution_id', 'seq'])
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema
        .createIndex('sessions_expires_idx')
        .on('sessions')
        .column('expires_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'sessions',
        'audit_events',
        'retired_secrets',
        'key_slots',
        'api_keys',
        'memberships',
        'users',
        'institutions',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
