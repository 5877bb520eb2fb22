import type { StoreRepos } from './store.js';

/**
 * Something that happened in an institution and may be sent to its webhooks. Never carries a
 * secret or anything derived from one (no digest, no hint beyond what key metadata shows).
 */
export interface OutboundEvent {
  /** Unique per event (`evt_…`); a webhook receiver deduplicates retries with it. */
  readonly id: string;
  /** `alert.raised`, `webhook.test`, … */
  readonly type: string;
  readonly institutionId: string;
  readonly at: Date;
  /** The event's body (for `alert.raised`: the alert as the admin API presents it). */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Durable outbound notifications (webhooks). `enqueue` is called inside the transaction that
 * makes the change it reports, so an event is queued if and only if its change commits; delivery
 * happens later, with retries, outside any transaction.
 */
export interface Notifier {
  enqueue(tx: StoreRepos, event: OutboundEvent): Promise<void>;
}
