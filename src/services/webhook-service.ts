import { randomBytes } from 'node:crypto';
import { sealValue } from '../core/envelope.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Keyring } from '../core/keyring.js';
import { type AddressPolicy, literalAddressOf } from '../core/outbound-address.js';
import {
  newDelivery,
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TEST_EVENT,
  type Webhook,
  type WebhookAttempt,
  type WebhookDelivery,
  webhookDescription,
  webhookEvents,
  webhookMinSeverity,
  webhookPayload,
  webhookSecretAad,
  webhookUrl,
} from '../core/webhook.js';
import type { Clock } from '../ports/clock.js';
import type { Store, StoreRepos } from '../ports/store.js';
import {
  actorId,
  auditOf,
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  requireAccess,
} from './principal.js';

/** Bounds the fan-out of one event (and the work of one institution's admins). */
export const MAX_WEBHOOKS_PER_INSTITUTION = 20;
/** Deliveries listed at most per request. */
export const MAX_DELIVERIES_LISTED = 200;

export interface CreateWebhookInput {
  readonly url: string;
  readonly events?: readonly string[];
  readonly minSeverity?: string | null;
  readonly description?: string | null;
}

export interface DeliveryWithAttempts {
  readonly delivery: WebhookDelivery;
  readonly attempts: readonly WebhookAttempt[];
}

export interface WebhookServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyring: Keyring;
  /** Asks this process's delivery worker to poll now (after a commit that queued something). */
  readonly deliverSoon: () => void;
  /** Addresses webhooks may reach (config `webhooks.allowedNetworks`); checked again at delivery. */
  readonly allowAddress: AddressPolicy;
}

const ADMINS: readonly InstitutionAccess[] = ['admin'];

/**
 * The scheme, host and port of a webhook URL: what the audit log records. The path and query
 * are left out because receivers often carry a token there, and operators read the audit log.
 */
function originOf(url: string): string {
  return new URL(url).origin;
}

/**
 * Webhooks of an institution (admins only). The signing secret is generated here, sealed with the
 * keyring (AAD `webhook|institution|webhook`) and returned once, by `create`; nothing else ever
 * returns it. Every change is audited in its own transaction.
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** Creates a webhook; its secret is in the result and never shown again. */
  async create(
    ctx: RequestContext,
    institutionId: string,
    input: CreateWebhookInput,
  ): Promise<{ webhook: Webhook; secret: string }> {
    requireAccess(institutionAccess(ctx, institutionId), ADMINS, 'manage webhooks');
    const url = webhookUrl(input.url);
    const literal = literalAddressOf(url);
    if (literal !== null && !this.deps.allowAddress(literal)) {
      throw new AppError(
        'VALIDATION_FAILED',
        'url points at a loopback, private or reserved address, which webhooks may not reach; a platform operator can allow its network (webhooks.allowedNetworks)',
      );
    }
    const events = webhookEvents(input.events);
    const description = webhookDescription(input.description);
    const minSeverity = webhookMinSeverity(input.minSeverity);
    const id = newId('whk');
    // 256 bits from the CSPRNG; the prefix makes a leaked one recognisable.
    const secret = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const webhook: Webhook = {
      id,
      institutionId,
      url,
      description,
      events,
      minSeverity,
      sealedSecret: sealValue(secret, webhookSecretAad({ institutionId, id }), this.deps.keyring),
      createdAt: this.deps.clock.now(),
      createdBy: actorId(ctx),
      deletedAt: null,
    };
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.institutions.get(institutionId))) {
        throw new AppError('NOT_FOUND', 'Institution not found');
      }
      const existing = await tx.webhooks.listByInstitution(institutionId);
      if (existing.length >= MAX_WEBHOOKS_PER_INSTITUTION) {
        throw new AppError(
          'CONFLICT',
          `An institution has at most ${MAX_WEBHOOKS_PER_INSTITUTION} webhooks; delete one first`,
        );
      }
      await tx.webhooks.insert(webhook);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'webhook.create', {
          institutionId,
          target: id,
          details: { origin: originOf(url), events, minSeverity: webhook.minSeverity },
        }),
      );
    });
    return { webhook, secret };
  }

  /** The institution's live webhooks (never their secrets). */
  async list(ctx: RequestContext, institutionId: string): Promise<Webhook[]> {
    requireAccess(institutionAccess(ctx, institutionId), ADMINS, 'read webhooks');
    if (!(await this.deps.store.institutions.get(institutionId))) {
      throw new AppError('NOT_FOUND', 'Institution not found');
    }
    return this.deps.store.webhooks.listByInstitution(institutionId);
  }

  /** Deletes the webhook: its secret is erased and its pending deliveries are not sent. */
  async delete(ctx: RequestContext, webhookId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const webhook = await this.visibleWebhook(tx, ctx, webhookId, 'delete webhooks');
      if (!(await tx.webhooks.markDeleted(webhook.id, this.deps.clock.now()))) {
        throw new AppError('NOT_FOUND', 'Webhook not found');
      }
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'webhook.delete', {
          institutionId: webhook.institutionId,
          target: webhook.id,
          details: { origin: originOf(webhook.url) },
        }),
      );
    });
  }

  /**
   * Queues a `webhook.test` event to this webhook only (whatever its filter) and asks the worker
   * to send it now. Resolves with the queued delivery; its outcome shows in `deliveries`.
   */
  async test(ctx: RequestContext, webhookId: string): Promise<WebhookDelivery> {
    const delivery = await this.deps.store.transaction(async (tx) => {
      const webhook = await this.visibleWebhook(tx, ctx, webhookId, 'test webhooks');
      const now = this.deps.clock.now();
      const event = {
        id: newId('evt'),
        type: WEBHOOK_TEST_EVENT,
        institutionId: webhook.institutionId,
        at: now,
        data: { webhookId: webhook.id, message: 'A test delivery from Keyward.' },
      };
      const queued = newDelivery(newId('dlv'), webhook, event, webhookPayload(event), now);
      await tx.webhooks.insertDelivery(queued);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'webhook.test', {
          institutionId: webhook.institutionId,
          target: webhook.id,
          details: { deliveryId: queued.id },
        }),
      );
      return queued;
    });
    this.deps.deliverSoon();
    return delivery;
  }

  /** The webhook's deliveries, newest first, each with its attempts (the delivery log). */
  async deliveries(
    ctx: RequestContext,
    webhookId: string,
    limit: number,
  ): Promise<DeliveryWithAttempts[]> {
    const webhook = await this.visibleWebhook(this.deps.store, ctx, webhookId, 'read webhooks');
    const take = Math.min(Math.max(1, Math.floor(limit)), MAX_DELIVERIES_LISTED);
    const deliveries = await this.deps.store.webhooks.listDeliveries(webhook.id, take);
    const attempts = await this.deps.store.webhooks.listAttempts(deliveries.map((d) => d.id));
    const byDelivery = new Map<string, WebhookAttempt[]>();
    for (const attempt of attempts) {
      byDelivery.set(attempt.deliveryId, [...(byDelivery.get(attempt.deliveryId) ?? []), attempt]);
    }
    return deliveries.map((delivery) => ({
      delivery,
      attempts: byDelivery.get(delivery.id) ?? [],
    }));
  }

  /** A live webhook the caller may see (404 otherwise, never 403), then checks it is an admin. */
  private async visibleWebhook(
    repos: StoreRepos,
    ctx: RequestContext,
    webhookId: string,
    what: string,
  ): Promise<Webhook> {
    const webhook = await repos.webhooks.get(webhookId);
    if (!webhook || webhook.deletedAt !== null) {
      throw new AppError('NOT_FOUND', 'Webhook not found');
    }
    let access: InstitutionAccess;
    try {
      access = institutionAccess(ctx, webhook.institutionId);
    } catch {
      throw new AppError('NOT_FOUND', 'Webhook not found');
    }
    if (access === 'platform') throw new AppError('NOT_FOUND', 'Webhook not found');
    requireAccess(access, ADMINS, what);
    return webhook;
  }
}
