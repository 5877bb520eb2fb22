import type { Kysely } from 'kysely';
import { chainAuditEvent } from '../../core/audit-chain.js';
import type { AuditEvent, AuditInput } from '../../core/model.js';
import type { AuditPage, AuditRepo } from '../../ports/store.js';
import { fromAuditEvent, storedAuditInput, toAuditEvent } from './row-mappers.js';
import type { Database } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';
import { conflictAs, inTransaction } from './sql-support.js';

/** The one global, append-only, hash-chained audit log. */
export class SqlAuditRepo implements AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  /**
   * Lock, read the last event, chain, insert — all in one transaction (the caller's, or a new one
   * when called on the root store), so concurrent appenders always produce a gapless chain.
   */
  async append(input: AuditInput): Promise<AuditEvent> {
    const stored = storedAuditInput(input);
    return conflictAs(this.dialect, 'audit event', () =>
      inTransaction(this.db, async (trx) => {
        await this.dialect.lockAuditChain(trx);
        const last = await trx
          .selectFrom('audit_events')
          .selectAll()
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        const event = chainAuditEvent(last ? toAuditEvent(last) : null, stored);
        await trx.insertInto('audit_events').values(fromAuditEvent(event)).execute();
        return event;
      }),
    );
  }

  async listByInstitution(
    institutionId: string,
    options: { beforeSeq?: number; limit: number },
  ): Promise<AuditPage> {
    const limit = Math.max(0, Math.floor(options.limit));
    if (limit === 0) return { events: [], nextBeforeSeq: null };
    let query = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('institution_id', '=', institutionId);
    if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
    // One row more than asked tells whether an older page exists.
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const events = rows.slice(0, limit).map(toAuditEvent);
    const last = events[events.length - 1];
    return { events, nextBeforeSeq: rows.length > limit && last ? last.seq : null };
  }

  async scan(afterSeq: number, limit: number): Promise<AuditEvent[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0) return [];
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(take)
      .execute();
    return rows.map(toAuditEvent);
  }
}
