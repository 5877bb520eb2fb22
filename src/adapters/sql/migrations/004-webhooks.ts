import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Webhooks and their delivery log.
 *
 * - `webhooks`: an institution's endpoints. The signing secret is sealed like a viewable key slot
 *   (`master_key_id` + `secret_ciphertext`, AAD `webhook|institution|webhook`): recoverable to
 *   sign, never stored in clear. Deleting sets `deleted_at` and erases the sealed secret.
 * - `webhook_deliveries`: one row per event × webhook, holding the exact body that is signed, its
 *   state and when the next attempt is due. `next_attempt_at` doubles as a claim lease, so several
 *   processes on one database never send the same attempt twice.
 * - `webhook_attempts`: one row per attempt (time, HTTP status or error, duration).
 *
 * Timestamps are epoch ms (`bigint`), JSON is `text`, as in 001.
 */
export const webhooksMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('institution_id', 'text', (c) => c.notNull().references('institutions.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('min_severity', 'text')
      .addColumn('master_key_id', 'text')
      .addColumn('secret_ciphertext', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .addCheckConstraint(
        'webhooks_min_severity_ck',
        sql`min_severity is null or min_severity in ('low', 'medium', 'high', 'critical')`,
      )
      .addCheckConstraint(
        'webhooks_sealed_ck',
        sql`(master_key_id is null) = (secret_ciphertext is null)`,
      )
      // A live webhook can always sign; only a deleted one has lost its secret.
      .addCheckConstraint(
        'webhooks_secret_ck',
        sql`deleted_at is not null or secret_ciphertext is not null`,
      )
      .execute();
    await db.schema
      .createIndex('webhooks_institution_idx')
      .on('webhooks')
      .columns(['institution_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
      .addColumn('institution_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addCheckConstraint(
        'webhook_deliveries_state_ck',
        sql`state in ('pending', 'delivered', 'failed')`,
      )
      .execute();
    // The worker's poll: pending deliveries by due time.
    await db.schema
      .createIndex('webhook_deliveries_due_idx')
      .on('webhook_deliveries')
      .columns(['state', 'next_attempt_at'])
      .execute();
    // One delivery per event and webhook: enqueueing the same event again is a no-op.
    await db.schema
      .createIndex('webhook_deliveries_event_uq')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'event_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_log_idx')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('delivery_id', 'text', (c) =>
        c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
      )
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['webhook_attempts', 'webhook_deliveries', 'webhooks']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
