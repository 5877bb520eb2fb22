import type { Webhook, WebhookAttempt, WebhookDelivery } from '../core/webhook.js';

/** Webhooks and deliveries → JSON. Never the secret (sealed or not), never a delivery's body. */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function webhookView(w: Webhook) {
  return {
    id: w.id,
    institutionId: w.institutionId,
    url: w.url,
    description: w.description,
    events: [...w.events],
    minSeverity: w.minSeverity,
    createdAt: w.createdAt.toISOString(),
    createdBy: w.createdBy,
  };
}

export function deliveryView(d: WebhookDelivery, attempts: readonly WebhookAttempt[]) {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: iso(d.deliveredAt),
    log: attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      status: a.status,
      error: a.error,
      durationMs: Math.round(a.durationMs),
    })),
  };
}
