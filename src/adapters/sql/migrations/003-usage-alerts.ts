import type { Kysely, Migration } from 'kysely';
import { LATENCY_BUCKETS } from '../../../core/usage-rollup.js';

/**
 * Usage history and alerts.
 * - `usage_rollups`: one row per key × minute × slot ('' when none) × outcome, merged by upsert
 *   (several flushes and gateway nodes add into the same minute); latency as sum, max and a fixed
 *   histogram (h0…h11, bounds in core/usage-rollup.ts) so percentiles survive aggregation.
 * - `usage_events`: raw gateway decisions, pruned after the retention window.
 * - `alerts`: detector findings; `open_key` is set while the alert is open and unique, so there is
 *   at most one open alert per institution × type × key × subject (repeats add to its count).
 * No foreign keys on the high-volume tables: a check per inserted row buys nothing here (keys
 * are never hard-deleted) and would cost on every flush.
 */
export const usageAlertsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    let rollups = db.schema
      .createTable('usage_rollups')
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('institution_id', 'text', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('s_other', 'bigint', (c) => c.notNull())
      .addColumn('s2xx', 'bigint', (c) => c.notNull())
      .addColumn('s3xx', 'bigint', (c) => c.notNull())
      .addColumn('s4xx', 'bigint', (c) => c.notNull())
      .addColumn('s5xx', 'bigint', (c) => c.notNull())
      .addColumn('latency_sum_ms', 'double precision', (c) => c.notNull())
      .addColumn('latency_max_ms', 'double precision', (c) => c.notNull());
    for (let i = 0; i < LATENCY_BUCKETS; i += 1) {
      rollups = rollups.addColumn(`h${i}`, 'bigint', (c) => c.notNull());
    }
    await rollups
      .addPrimaryKeyConstraint('usage_rollups_pk', ['key_id', 'minute', 'slot', 'outcome'])
      .execute();
    await db.schema
      .createIndex('usage_rollups_institution_idx')
      .on('usage_rollups')
      .columns(['institution_id', 'minute'])
      .execute();
    await db.schema
      .createIndex('usage_rollups_minute_idx')
      .on('usage_rollups')
      .column('minute')
      .execute();

    await db.schema
      .createTable('usage_events')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('institution_id', 'text')
      .addColumn('slot', 'text')
      .addColumn('route', 'text')
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('client_ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema
      .createIndex('usage_events_key_idx')
      .on('usage_events')
      .columns(['key_id', 'at'])
      .execute();
    await db.schema.createIndex('usage_events_at_idx').on('usage_events').column('at').execute();

    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('institution_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('slot', 'text')
      .addColumn('subject', 'text')
      .addColumn('open_key', 'text')
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('acknowledged_by', 'text')
      .execute();
    await db.schema
      .createIndex('alerts_open_key_uq')
      .on('alerts')
      .column('open_key')
      .unique()
      .execute();
    await db.schema
      .createIndex('alerts_institution_idx')
      .on('alerts')
      .columns(['institution_id', 'last_seen_at'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('alerts').execute();
    await db.schema.dropTable('usage_events').execute();
    await db.schema.dropTable('usage_rollups').execute();
  },
};
