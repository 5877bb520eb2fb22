import type { Kysely, Selectable } from 'kysely';
import type { SlotName } from '../../core/model.js';
import type { Share, ShareState } from '../../core/share.js';
import type { ShareRepo } from '../../ports/store.js';
import { toDate, toDateOrNull, toMs } from './row-mappers.js';
import type { Database, SharesTable } from './schema.js';

/** Shares on SQLite and PostgreSQL alike. */
export class SqlShareRepo implements ShareRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(share: Share): Promise<void> {
    await this.db
      .insertInto('shares')
      .values({
        id: share.id,
        key_id: share.keyId,
        institution_id: share.institutionId,
        slot: share.slot,
        until: toMs(share.until),
        note: share.note,
        shared_by: share.sharedBy,
        created_at: toMs(share.createdAt),
        state: share.state,
        revoked_at: share.revokedAt === null ? null : toMs(share.revokedAt),
      })
      .execute();
  }

  async listForKey(keyId: string): Promise<Share[]> {
    const rows = await this.db
      .selectFrom('shares')
      .selectAll()
      .where('key_id', '=', keyId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toShare);
  }

  async listActive(institutionId: string): Promise<Share[]> {
    const rows = await this.db
      .selectFrom('shares')
      .selectAll()
      .where('institution_id', '=', institutionId)
      .where('state', '=', 'active')
      .orderBy('until')
      .execute();
    return rows.map(toShare);
  }

  async listDue(now: Date, limit: number): Promise<Share[]> {
    const rows = await this.db
      .selectFrom('shares')
      .selectAll()
      .where('state', '=', 'active')
      .where('until', '<=', toMs(now))
      .orderBy('until')
      .limit(limit)
      .execute();
    return rows.map(toShare);
  }

  async markRevoked(id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('shares')
      .set({ state: 'revoked', revoked_at: toMs(at) })
      .where('id', '=', id)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeForSlot(keyId: string, slot: SlotName, at: Date): Promise<Share[]> {
    const rows = await this.db
      .updateTable('shares')
      .set({ state: 'revoked', revoked_at: toMs(at) })
      .where('key_id', '=', keyId)
      .where('slot', '=', slot)
      .where('state', '=', 'active')
      .returningAll()
      .execute();
    return rows.map(toShare);
  }
}

function toShare(row: Selectable<SharesTable>): Share {
  return {
    id: row.id,
    keyId: row.key_id,
    institutionId: row.institution_id,
    slot: row.slot as SlotName,
    until: toDate(row.until),
    note: row.note,
    sharedBy: row.shared_by,
    createdAt: toDate(row.created_at),
    state: row.state as ShareState,
    revokedAt: toDateOrNull(row.revoked_at),
  };
}
