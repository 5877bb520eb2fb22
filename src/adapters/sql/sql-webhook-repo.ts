import type { Insertable, Kysely, Selectable } from 'kysely';
import type {
  AlertSeverity,
  DeliveryState,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
} from '../../core/webhook.js';
import type { DeliveryOutcome, WebhookRepo } from '../../ports/store.js';
import { toDate, toDateOrNull, toMs, toMsOrNull } from './row-mappers.js';
import type {
  Database,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './schema.js';
import type { SqlDialect } from './sql-dialect.js';
import { affected, conflictAs, inTransaction } from './sql-support.js';

/** The error recorded on deliveries still pending when their webhook is deleted. */
const DELETED_ERROR = 'webhook deleted';

function toWebhook(row: Selectable<WebhooksTable>): Webhook {
  return {
    id: row.id,
    institutionId: row.institution_id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    minSeverity: row.min_severity as AlertSeverity | null,
    sealedSecret:
      row.master_key_id === null || row.secret_ciphertext === null
        ? null
        : { masterKeyId: row.master_key_id, ciphertext: row.secret_ciphertext },
    createdAt: toDate(row.created_at),
    createdBy: row.created_by,
    deletedAt: toDateOrNull(row.deleted_at),
  };
}

function fromWebhook(webhook: Webhook): Insertable<WebhooksTable> {
  return {
    id: webhook.id,
    institution_id: webhook.institutionId,
    url: webhook.url,
    description: webhook.description,
    events: JSON.stringify(webhook.events),
    min_severity: webhook.minSeverity,
    master_key_id: webhook.sealedSecret?.masterKeyId ?? null,
    secret_ciphertext: webhook.sealedSecret?.ciphertext ?? null,
    created_at: toMs(webhook.createdAt),
    created_by: webhook.createdBy,
    deleted_at: toMsOrNull(webhook.deletedAt),
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    institutionId: row.institution_id,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    state: row.state as DeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: toDateOrNull(row.next_attempt_at),
    lastAttemptAt: toDateOrNull(row.last_attempt_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: toDate(row.created_at),
    deliveredAt: toDateOrNull(row.delivered_at),
  };
}

function fromDelivery(delivery: WebhookDelivery): Insertable<WebhookDeliveriesTable> {
  return {
    id: delivery.id,
    webhook_id: delivery.webhookId,
    institution_id: delivery.institutionId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    body: delivery.body,
    state: delivery.state,
    attempts: delivery.attempts,
    next_attempt_at: toMsOrNull(delivery.nextAttemptAt),
    last_attempt_at: toMsOrNull(delivery.lastAttemptAt),
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    created_at: toMs(delivery.createdAt),
    delivered_at: toMsOrNull(delivery.deliveredAt),
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    deliveryId: row.delivery_id,
    attempt: Number(row.attempt),
    at: toDate(row.at),
    status: row.status === null ? null : Number(row.status),
    error: row.error,
    durationMs: Number(row.duration_ms),
  };
}

/** Webhooks and their deliveries, on SQLite and PostgreSQL alike. */
export class SqlWebhookRepo implements WebhookRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(webhook: Webhook): Promise<void> {
    await conflictAs(this.dialect, 'webhook', () =>
      this.db.insertInto('webhooks').values(fromWebhook(webhook)).execute(),
    );
  }

  async get(id: string): Promise<Webhook | null> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async listByInstitution(institutionId: string): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('institution_id', '=', institutionId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toWebhook);
  }

  async markDeleted(id: string, at: Date): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const result = await trx
        .updateTable('webhooks')
        .set({ deleted_at: toMs(at), master_key_id: null, secret_ciphertext: null })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (affected(result.numUpdatedRows) === 0) return false;
      await trx
        .updateTable('webhook_deliveries')
        .set({ state: 'failed', next_attempt_at: null, last_error: DELETED_ERROR })
        .where('webhook_id', '=', id)
        .where('state', '=', 'pending')
        .execute();
      return true;
    });
  }

  async insertDelivery(delivery: WebhookDelivery): Promise<boolean> {
    const result = await this.db
      .insertInto('webhook_deliveries')
      .values(fromDelivery(delivery))
      .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
      .executeTakeFirst();
    return affected(result.numInsertedOrUpdatedRows) === 1;
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(take)
      .execute();
    return rows.map(toDelivery);
  }

  async listAttempts(deliveryIds: readonly string[]): Promise<WebhookAttempt[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', [...deliveryIds])
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    return rows.map(toAttempt);
  }

  async listDue(now: Date, limit: number): Promise<{ id: string; attempts: number }[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'attempts'])
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', toMs(now))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(take)
      .execute();
    return rows.map((r) => ({ id: r.id, attempts: Number(r.attempts) }));
  }

  async claim(
    id: string,
    attempts: number,
    now: Date,
    leaseUntil: Date,
  ): Promise<WebhookDelivery | null> {
    // The WHERE is the lock: of several workers that read the same due row, only the first
    // UPDATE still matches `attempts`; the others change nothing and get no row back.
    const row = await this.db
      .updateTable('webhook_deliveries')
      .set({ attempts: attempts + 1, next_attempt_at: toMs(leaseUntil) })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('attempts', '=', attempts)
      .where('next_attempt_at', '<=', toMs(now))
      .returningAll()
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async finishAttempt(attempt: WebhookAttempt, outcome: DeliveryOutcome): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      // The attempt happened whatever became of the claim: it is always logged.
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: attempt.deliveryId,
          attempt: attempt.attempt,
          at: toMs(attempt.at),
          status: attempt.status,
          error: attempt.error,
          duration_ms: Math.max(0, Math.round(attempt.durationMs)),
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
      const result = await trx
        .updateTable('webhook_deliveries')
        .set({
          state: outcome.state,
          next_attempt_at: toMsOrNull(outcome.nextAttemptAt),
          delivered_at: toMsOrNull(outcome.deliveredAt),
          last_attempt_at: toMs(attempt.at),
          last_status: attempt.status,
          last_error: attempt.error,
        })
        .where('id', '=', attempt.deliveryId)
        .where('state', '=', 'pending')
        .where('attempts', '=', attempt.attempt)
        .executeTakeFirst();
      return affected(result.numUpdatedRows) === 1;
    });
  }

  async pruneFinished(before: Date): Promise<number> {
    const cutoff = toMs(before);
    return inTransaction(this.db, async (trx) => {
      await trx
        .deleteFrom('webhook_attempts')
        .where('delivery_id', 'in', (eb) =>
          eb
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('state', 'in', ['delivered', 'failed'])
            .where('created_at', '<', cutoff),
        )
        .execute();
      const result = await trx
        .deleteFrom('webhook_deliveries')
        .where('state', 'in', ['delivered', 'failed'])
        .where('created_at', '<', cutoff)
        .executeTakeFirst();
      return affected(result.numDeletedRows);
    });
  }
}
