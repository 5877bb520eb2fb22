import { type Kysely, sql } from 'kysely';
import type { SlotName } from '../../core/model.js';
import type { SlotClient, UsageRepo } from '../../ports/store.js';
import { toDate, toMs } from './row-mappers.js';
import type { Database } from './schema.js';

/** Rows per INSERT (SQLite allows 32,766 bound parameters; 7 per row). */
const BATCH = 500;

/** The gateway's observations of its clients, on SQLite and PostgreSQL alike. */
export class SqlUsageRepo implements UsageRepo {
  constructor(private readonly db: Kysely<Database>) {}

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
    return rows.map((row) => ({
      keyId: row.key_id,
      slot: row.slot as SlotName,
      clientIp: row.client_ip === '' ? null : row.client_ip,
      userAgent: row.user_agent === '' ? null : row.user_agent,
      firstSeenAt: toDate(row.first_seen_at),
      lastSeenAt: toDate(row.last_seen_at),
      requests: Number(row.requests),
    }));
  }
}
