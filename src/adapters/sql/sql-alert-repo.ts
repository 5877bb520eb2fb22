import type { Kysely, Selectable } from 'kysely';
import { type Alert, type AlertState, openKeyOf } from '../../core/alert.js';
import type { AlertType, Severity } from '../../core/detectors.js';
import type { SlotName } from '../../core/model.js';
import type { AlertOccurrence, AlertPage, AlertRepo } from '../../ports/store.js';
import { toDate, toDateOrNull, toMs } from './row-mappers.js';
import type { AlertsTable, Database } from './schema.js';

/** Alerts on SQLite and PostgreSQL alike; deduplicated by the unique `open_key`. */
export class SqlAlertRepo implements AlertRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async raise({
    id,
    finding,
    firstSeenAt,
    count,
  }: AlertOccurrence): Promise<{ alert: Alert; opened: boolean }> {
    const at = toMs(finding.at);
    const row = await this.db
      .insertInto('alerts')
      .values({
        id,
        institution_id: finding.institutionId,
        type: finding.type,
        severity: finding.severity,
        key_id: finding.keyId,
        slot: finding.slot,
        subject: finding.subject,
        open_key: openKeyOf(finding),
        evidence: JSON.stringify(finding.evidence),
        first_seen_at: toMs(firstSeenAt),
        last_seen_at: at,
        count,
        state: 'open',
        acknowledged_at: null,
        acknowledged_by: null,
      })
      .onConflict((oc) =>
        oc.column('open_key').doUpdateSet((eb) => ({
          count: eb('alerts.count', '+', count),
          last_seen_at: eb
            .case()
            .when('alerts.last_seen_at', '<', at)
            .then(at)
            .else(eb.ref('alerts.last_seen_at'))
            .end(),
          evidence: eb.ref('excluded.evidence'),
          slot: eb.ref('excluded.slot'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return { alert: toAlert(row), opened: row.id === id };
  }

  async get(id: string): Promise<Alert | null> {
    const row = await this.db
      .selectFrom('alerts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : toAlert(row);
  }

  async listByInstitution(
    institutionId: string | null,
    options: { state?: AlertState; before?: { lastSeenAt: Date; id: string }; limit: number },
  ): Promise<AlertPage> {
    let query = this.db
      .selectFrom('alerts')
      .selectAll()
      .where((eb) =>
        institutionId === null
          ? eb('institution_id', 'is', null)
          : eb('institution_id', '=', institutionId),
      )
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.state !== undefined) query = query.where('state', '=', options.state);
    const before = options.before;
    if (before !== undefined) {
      const beforeMs = toMs(before.lastSeenAt);
      query = query.where((eb) =>
        eb.or([
          eb('last_seen_at', '<', beforeMs),
          eb.and([eb('last_seen_at', '=', beforeMs), eb('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await query.execute();
    const alerts = rows.slice(0, options.limit).map(toAlert);
    const last = alerts.at(-1);
    return {
      alerts,
      next:
        rows.length > options.limit && last !== undefined
          ? { lastSeenAt: last.lastSeenAt, id: last.id }
          : null,
    };
  }

  async acknowledge(id: string, by: string, at: Date): Promise<Alert | null> {
    await this.db
      .updateTable('alerts')
      .set({
        state: 'acknowledged',
        open_key: null,
        acknowledged_at: toMs(at),
        acknowledged_by: by,
      })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .execute();
    return this.get(id);
  }
}

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    institutionId: row.institution_id,
    type: row.type as AlertType,
    severity: row.severity as Severity,
    keyId: row.key_id,
    slot: row.slot as SlotName | null,
    subject: row.subject,
    evidence: JSON.parse(row.evidence) as Alert['evidence'],
    firstSeenAt: toDate(row.first_seen_at),
    lastSeenAt: toDate(row.last_seen_at),
    count: Number(row.count),
    state: row.state as AlertState,
    acknowledgedAt: toDateOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
  };
}
