import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Rotation, RotationEvent, RotationState, RotationStep } from '../../core/rotation.js';
import type { RotationRepo } from '../../ports/store.js';
import { toDate, toDateOrNull, toMs, toMsOrNull } from './row-mappers.js';
import type { Database, RotationsTable } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

interface StoredEvent {
  at: number;
  by: string;
  from: RotationStep | null;
  to: RotationStep | 'abandoned';
  forced: string[];
}

/** Rotations on SQLite and PostgreSQL alike; one active per key through the unique `active_key`. */
export class SqlRotationRepo implements RotationRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Pick<SqlDialect, 'isUniqueViolation'>,
  ) {}

  async insert(rotation: Rotation): Promise<void> {
    try {
      await this.db
        .insertInto('rotations')
        .values({ ...fields(rotation), id: rotation.id, key_id: rotation.keyId })
        .execute();
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) {
        throw new AppError('CONFLICT', 'A rotation of this key is already in progress');
      }
      throw err;
    }
  }

  async getActive(keyId: string): Promise<Rotation | null> {
    const row = await this.db
      .selectFrom('rotations')
      .selectAll()
      .where('active_key', '=', keyId)
      .executeTakeFirst();
    return row === undefined ? null : toRotation(row);
  }

  async update(rotation: Rotation): Promise<void> {
    await this.db
      .updateTable('rotations')
      .set(fields(rotation))
      .where('id', '=', rotation.id)
      .execute();
  }
}

function fields(r: Rotation) {
  const history: StoredEvent[] = r.history.map((e) => ({
    at: toMs(e.at),
    by: e.by,
    from: e.from,
    to: e.to,
    forced: [...e.forced],
  }));
  return {
    institution_id: r.institutionId,
    active_key: r.state === 'active' ? r.keyId : null,
    step: r.step,
    state: r.state,
    started_at: toMs(r.startedAt),
    started_by: r.startedBy,
    updated_at: toMs(r.updatedAt),
    primary_regenerated_at: toMsOrNull(r.primaryRegeneratedAt),
    secondary_regenerated_at: toMsOrNull(r.secondaryRegeneratedAt),
    history: JSON.stringify(history),
  };
}

function toRotation(row: Selectable<RotationsTable>): Rotation {
  const history = (JSON.parse(row.history) as StoredEvent[]).map(
    (e): RotationEvent => ({
      at: toDate(e.at),
      by: e.by,
      from: e.from,
      to: e.to,
      forced: e.forced as RotationEvent['forced'],
    }),
  );
  return {
    id: row.id,
    keyId: row.key_id,
    institutionId: row.institution_id,
    step: row.step as RotationStep,
    state: row.state as RotationState,
    startedAt: toDate(row.started_at),
    startedBy: row.started_by,
    updatedAt: toDate(row.updated_at),
    primaryRegeneratedAt: toDateOrNull(row.primary_regenerated_at),
    secondaryRegeneratedAt: toDateOrNull(row.secondary_regenerated_at),
    history,
  };
}
