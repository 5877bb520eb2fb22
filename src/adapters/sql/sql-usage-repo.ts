import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { SlotName } from '../../core/model.js';
import { LATENCY_BUCKETS, type RollupCounts, type UsageRollup } from '../../core/usage-rollup.js';
import type { SlotClient, UsageRepo, UsageTotal } from '../../ports/store.js';
import type { UsageEvent } from '../../ports/usage-sink.js';
import { toDate, toMs } from './row-mappers.js';
import type { Database, UsageEventsTable, UsageRollupsTable } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

/** Rows per INSERT (SQLite allows 32,766 bound parameters; at most 26 per row here). */
const BATCH = 500;

const BUCKET_COLUMNS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `h${i}` as const);
const SUMMED_COLUMNS = [
  'requests',
  's_other',
  's2xx',
  's3xx',
  's4xx',
  's5xx',
  'latency_sum_ms',
] as const;

/** The gateway's observations of its clients, on SQLite and PostgreSQL alike. */
export class SqlUsageRepo implements UsageRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Pick<SqlDialect, 'insertUsageEvents'>,
  ) {}

  async recordClients(clients: readonly SlotClient[]): Promise<void> {
    for (let i = 0; i < clients.length; i += BATCH) {
      const rows = clients.slice(i, i + BATCH).map((c) => ({
        key_id: c.keyId,
        slot: c.slot,
        client_ip: c.clientIp ?? '',
        user_agent: c.userAgent ?? '',
        first_seen_at: toMs(c.firstSeenAt),
        last_seen_at: toMs(c.lastSeenAt),
        requests: c.requests,
      }));
      await this.db
        .insertInto('slot_clients')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['key_id', 'slot', 'client_ip', 'user_agent']).doUpdateSet({
            // Portable min/max: SQLite has no least/greatest, PostgreSQL no two-argument min/max.
            first_seen_at: sql`case when excluded.first_seen_at < slot_clients.first_seen_at then excluded.first_seen_at else slot_clients.first_seen_at end`,
            last_seen_at: sql`case when excluded.last_seen_at > slot_clients.last_seen_at then excluded.last_seen_at else slot_clients.last_seen_at end`,
            requests: sql`slot_clients.requests + excluded.requests`,
          }),
        )
        .execute();
    }
  }

  async listClients(keyId: string, limit: number): Promise<SlotClient[]> {
    const rows = await this.db
      .selectFrom('slot_clients')
      .selectAll()
      .where('key_id', '=', keyId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('slot')
      .orderBy('client_ip')
      .orderBy('user_agent')
      .limit(limit)
      .execute();
    return rows.map(toSlotClient);
  }

  async listRecentClients(limit: number): Promise<SlotClient[]> {
    const rows = await this.db
      .selectFrom('slot_clients')
      .selectAll()
      .orderBy('last_seen_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toSlotClient);
  }

  async recordRollups(rollups: readonly UsageRollup[]): Promise<void> {
    for (let i = 0; i < rollups.length; i += BATCH) {
      const rows = rollups.slice(i, i + BATCH).map(fromRollup);
      await this.db
        .insertInto('usage_rollups')
        .values(rows)
        .onConflict((oc) => {
          const set: Record<string, unknown> = {
            latency_max_ms: sql`case when excluded.latency_max_ms > usage_rollups.latency_max_ms then excluded.latency_max_ms else usage_rollups.latency_max_ms end`,
          };
          for (const column of [...SUMMED_COLUMNS, ...BUCKET_COLUMNS]) {
            set[column] =
              sql`${sql.ref(`usage_rollups.${column}`)} + ${sql.ref(`excluded.${column}`)}`;
          }
          return oc.columns(['key_id', 'minute', 'slot', 'outcome']).doUpdateSet(set);
        })
        .execute();
    }
  }

  async listRollups(keyId: string, from: Date, to: Date): Promise<UsageRollup[]> {
    const rows = await this.db
      .selectFrom('usage_rollups')
      .selectAll()
      .where('key_id', '=', keyId)
      .where('minute', '>=', toMs(from))
      .where('minute', '<', toMs(to))
      .orderBy('minute')
      .execute();
    return rows.map(toRollup);
  }

  async institutionTotals(institutionId: string, from: Date, to: Date): Promise<UsageTotal[]> {
    const rows = await this.db
      .selectFrom('usage_rollups')
      .select((eb) => [
        'key_id',
        'slot',
        eb.fn.sum<number | string>('requests').as('requests'),
        eb.fn.sum<number | string>(sql`s4xx + s5xx`).as('errors'),
      ])
      .where('institution_id', '=', institutionId)
      .where('minute', '>=', toMs(from))
      .where('minute', '<', toMs(to))
      .groupBy(['key_id', 'slot'])
      .orderBy('key_id')
      .orderBy('slot')
      .execute();
    return rows.map((row) => ({
      keyId: row.key_id,
      slot: row.slot === '' ? null : (row.slot as SlotName),
      requests: Number(row.requests),
      errors: Number(row.errors),
    }));
  }

  async recordEvents(events: readonly UsageEvent[]): Promise<void> {
    await this.dialect.insertUsageEvents(this.db, events);
  }

  async listEvents(keyId: string, from: Date, to: Date, limit: number): Promise<UsageEvent[]> {
    const rows = await this.db
      .selectFrom('usage_events')
      .selectAll()
      .where('key_id', '=', keyId)
      .where('at', '>=', toMs(from))
      .where('at', '<', toMs(to))
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async prune(
    eventsBefore: Date,
    rollupsBefore: Date,
  ): Promise<{ events: number; rollups: number }> {
    const events = await this.db
      .deleteFrom('usage_events')
      .where('at', '<', toMs(eventsBefore))
      .executeTakeFirst();
    const rollups = await this.db
      .deleteFrom('usage_rollups')
      .where('minute', '<', toMs(rollupsBefore))
      .executeTakeFirst();
    return { events: Number(events.numDeletedRows), rollups: Number(rollups.numDeletedRows) };
  }
}

function toSlotClient(row: Selectable<Database['slot_clients']>): SlotClient {
  return {
    keyId: row.key_id,
    slot: row.slot as SlotName,
    clientIp: row.client_ip === '' ? null : row.client_ip,
    userAgent: row.user_agent === '' ? null : row.user_agent,
    firstSeenAt: toDate(row.first_seen_at),
    lastSeenAt: toDate(row.last_seen_at),
    requests: Number(row.requests),
  };
}

function fromRollup(rollup: UsageRollup): Insertable<UsageRollupsTable> {
  const { counts } = rollup;
  const row: Record<string, string | number> = {
    key_id: rollup.keyId,
    minute: toMs(rollup.minute),
    slot: rollup.slot ?? '',
    outcome: rollup.outcome,
    institution_id: rollup.institutionId,
    requests: counts.requests,
    s_other: counts.statuses[0] ?? 0,
    s2xx: counts.statuses[1] ?? 0,
    s3xx: counts.statuses[2] ?? 0,
    s4xx: counts.statuses[3] ?? 0,
    s5xx: counts.statuses[4] ?? 0,
    latency_sum_ms: counts.latencySumMs,
    latency_max_ms: counts.latencyMaxMs,
  };
  BUCKET_COLUMNS.forEach((column, i) => {
    row[column] = counts.buckets[i] ?? 0;
  });
  return row as unknown as Insertable<UsageRollupsTable>;
}

function toRollup(row: Selectable<UsageRollupsTable>): UsageRollup {
  const counts: RollupCounts = {
    requests: Number(row.requests),
    statuses: [row.s_other, row.s2xx, row.s3xx, row.s4xx, row.s5xx].map(Number),
    latencySumMs: Number(row.latency_sum_ms),
    latencyMaxMs: Number(row.latency_max_ms),
    buckets: BUCKET_COLUMNS.map((column) =>
      Number((row as unknown as Record<string, number>)[column]),
    ),
  };
  return {
    minute: toDate(row.minute),
    keyId: row.key_id,
    institutionId: row.institution_id,
    slot: row.slot === '' ? null : (row.slot as SlotName),
    outcome: row.outcome,
    counts,
  };
}

function toEvent(row: Selectable<UsageEventsTable>): UsageEvent {
  return {
    at: toDate(row.at),
    requestId: row.request_id,
    keyId: row.key_id,
    institutionId: row.institution_id,
    slot: row.slot as SlotName | null,
    retiredAt: null,
    route: row.route,
    status: Number(row.status),
    outcome: row.outcome,
    latencyMs: Number(row.latency_ms),
    clientIp: row.client_ip,
    userAgent: row.user_agent,
  };
}
