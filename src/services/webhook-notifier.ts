import { newId } from '../core/ids.js';
import { newDelivery, webhookPayload, webhookWants } from '../core/webhook.js';
import type { Clock } from '../ports/clock.js';
import type { Notifier, OutboundEvent } from '../ports/notifier.js';
import type { StoreRepos } from '../ports/store.js';

export interface WebhookNotifierDeps {
  readonly clock: Clock;
  /**
   * Called after deliveries were queued (still inside the caller's transaction): the worker of
   * this process polls soon after instead of waiting for its next tick.
   */
  readonly onEnqueued?: () => void;
}

/**
 * The `Notifier` port on webhooks: one pending delivery per matching webhook of the event's
 * institution, written in the caller's transaction, so a delivery exists if and only if the
 * change it reports committed. Sending is the delivery worker's job.
 *
 * Deliberately light (no admin services): a gateway-only process raises alerts too.
 */
export class WebhookNotifier implements Notifier {
  constructor(private readonly deps: WebhookNotifierDeps) {}

  async enqueue(tx: StoreRepos, event: OutboundEvent): Promise<void> {
    const webhooks = (await tx.webhooks.listByInstitution(event.institutionId)).filter((webhook) =>
      webhookWants(webhook, event),
    );
    if (webhooks.length === 0) return;
    // Serialised once: every webhook receives (and has signed) the very same bytes.
    const body = webhookPayload(event);
    const now = this.deps.clock.now();
    let queued = false;
    for (const webhook of webhooks) {
      // A repeat of the same event to the same webhook is ignored by the store.
      if (await tx.webhooks.insertDelivery(newDelivery(newId('dlv'), webhook, event, body, now))) {
        queued = true;
      }
    }
    if (queued) this.deps.onEnqueued?.();
  }
}
