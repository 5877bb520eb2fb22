import { openValue } from '../core/envelope.js';
import type { Keyring } from '../core/keyring.js';
import type { WebhookDelivery } from '../core/webhook.js';
import { webhookSecretAad } from '../core/webhook.js';
import { retryDelayMs, signWebhook } from '../core/webhook-signature.js';
import type { Clock } from '../ports/clock.js';
import type { DeliveryOutcome, Store } from '../ports/store.js';
import type { WebhookTransport } from '../ports/webhook-transport.js';

/** Where the worker reports what an operator should know (pino's logger fits). */
export interface DeliveryLog {
  info(facts: object, message: string): void;
  warn(facts: object, message: string): void;
}

export interface WebhookDeliveryOptions {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly transport: WebhookTransport;
  readonly log?: DeliveryLog;
  /** In [0, 1): the retry jitter (default Math.random). */
  readonly random?: () => number;
  /** How often the timer polls for due deliveries (default 1 s). */
  readonly pollIntervalMs?: number;
  /**
   * How long a claim holds a delivery (default 60 s): longer than a send can take (10 s), so only
   * a claimant that died leaves its delivery to be claimed again.
   */
  readonly leaseMs?: number;
  /** Sends in flight at once per process (default 8). */
  readonly maxInFlight?: number;
  /** Finished deliveries older than this are pruned, once an hour (default 30 days). */
  readonly retentionMs?: number;
}

/** What one attempt came to; `final` failures are not retried (the webhook is gone). */
interface AttemptResult {
  readonly status: number | null;
  readonly error: string | null;
  readonly final: boolean;
}

const NUDGE_DELAY_MS = 25;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DRAIN_ROUNDS = 1000;

/**
 * Sends queued webhook deliveries: claims due ones (a guarded UPDATE, so any number of processes
 * may share one database and each attempt is made once), signs and POSTs them, and records every
 * attempt. A non-2xx answer or no answer is retried with exponential backoff and jitter
 * (core/webhook-signature.ts) until the attempts run out.
 *
 * `start()` polls every second (unref'd: it never keeps the process alive) and `nudge()` polls
 * at once; tests drive it with `runOnce()`/`drain()` and an injected clock instead.
 */
export class WebhookDeliveryWorker {
  readonly #o: WebhookDeliveryOptions;
  readonly #leaseMs: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  #claimPhase: Promise<Promise<void>[]> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #nudgeTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #pollFailing = false;
  #lastPruneAt = 0;
  #pruning: Promise<void> | null = null;

  constructor(options: WebhookDeliveryOptions) {
    this.#o = options;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 8);
  }

  /** Starts polling. Idempotent. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#o.pollIntervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Polls soon (a delivery was just queued in this process). */
  nudge(): void {
    if (this.#closed || this.#nudgeTimer) return;
    // A short delay: the enqueueing transaction has usually committed by then; if not, the next
    // regular poll finds the delivery.
    this.#nudgeTimer = setTimeout(() => {
      this.#nudgeTimer = null;
      this.#tick();
    }, NUDGE_DELAY_MS);
    this.#nudgeTimer.unref();
  }

  /**
   * Claims what is due now (up to the free send capacity), sends it, and resolves when those
   * sends are recorded, with how many attempts were made. Rejects when the store cannot be read.
   */
  async runOnce(): Promise<number> {
    // One claim phase at a time per process: claims are safe anyway, but this keeps the
    // in-flight bound exact.
    while (this.#claimPhase) await this.#claimPhase.catch(() => {});
    const phase = this.#claimDue();
    this.#claimPhase = phase;
    let sends: Promise<void>[];
    try {
      sends = await phase;
    } finally {
      this.#claimPhase = null;
    }
    await Promise.all(sends);
    return sends.length;
  }

  /** Runs until nothing is due now and nothing is in flight (retries scheduled later stay). */
  async drain(): Promise<void> {
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      const attempted = await this.runOnce();
      if (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
      else if (attempted === 0) return;
    }
  }

  /** Stops polling and waits for the sends in flight (each bounded by the transport's timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#nudgeTimer) clearTimeout(this.#nudgeTimer);
    this.#timer = null;
    this.#nudgeTimer = null;
    await this.#claimPhase?.catch(() => {});
    await Promise.all([...this.#inFlight]);
    await this.#pruning;
  }

  #tick(): void {
    if (this.#closed || this.#claimPhase) return;
    this.runOnce().then(
      () => {
        if (this.#pollFailing) this.#o.log?.info({}, 'webhook deliveries resumed');
        this.#pollFailing = false;
        this.#maybePrune();
      },
      (err: unknown) => {
        // Once per outage, not once a second (e.g. the store is down, or a gateway-only node
        // started before an admin node migrated the schema).
        if (!this.#pollFailing) {
          this.#o.log?.warn({ err: errorName(err) }, 'webhook deliveries cannot be read; retrying');
        }
        this.#pollFailing = true;
      },
    );
  }

  async #claimDue(): Promise<Promise<void>[]> {
    const free = this.#maxInFlight - this.#inFlight.size;
    if (this.#closed || free <= 0) return [];
    const now = this.#o.clock.now();
    // A few more candidates than slots: some may be claimed by another process meanwhile.
    const due = await this.#o.store.webhooks.listDue(now, free * 2);
    const leaseUntil = new Date(now.getTime() + this.#leaseMs);
    const sends: Promise<void>[] = [];
    for (const candidate of due) {
      if (sends.length >= free || this.#closed) break;
      const claimed = await this.#o.store.webhooks.claim(
        candidate.id,
        candidate.attempts,
        now,
        leaseUntil,
      );
      if (!claimed) continue;
      const send = this.#attempt(claimed).finally(() => this.#inFlight.delete(send));
      this.#inFlight.add(send);
      sends.push(send);
    }
    return sends;
  }

  /** One claimed attempt, start to record. Never rejects: a failure to record is logged. */
  async #attempt(delivery: WebhookDelivery): Promise<void> {
    const at = this.#o.clock.now();
    const started = performance.now();
    const facts = { deliveryId: delivery.id, webhookId: delivery.webhookId };
    try {
      const result = await this.#send(delivery, at);
      const durationMs = performance.now() - started;
      const outcome = this.#outcome(delivery, result, at);
      const applied = await this.#o.store.webhooks.finishAttempt(
        {
          deliveryId: delivery.id,
          attempt: delivery.attempts,
          at,
          durationMs,
          status: result.status,
          error: result.error,
        },
        outcome,
      );
      if (applied && outcome.state === 'failed') {
        this.#o.log?.warn(
          { ...facts, attempts: delivery.attempts, status: result.status, error: result.error },
          'webhook delivery failed for good',
        );
      }
    } catch (err) {
      // The claim's lease runs out and the attempt is made again: at least once, never lost.
      this.#o.log?.warn({ ...facts, err: errorName(err) }, 'webhook attempt not recorded');
    }
  }

  /** Signs and posts; what the attempt log records. */
  async #send(delivery: WebhookDelivery, at: Date): Promise<AttemptResult> {
    const webhook = await this.#o.store.webhooks.get(delivery.webhookId);
    if (!webhook || webhook.deletedAt !== null || webhook.sealedSecret === null) {
      return { status: null, error: 'webhook deleted', final: true };
    }
    let secret: string;
    try {
      secret = openValue(webhook.sealedSecret, webhookSecretAad(webhook), this.#o.keyring);
    } catch {
      // A master key missing from this process's keyring: an operator must fix the deployment.
      this.#o.log?.warn(
        { deliveryId: delivery.id, webhookId: webhook.id },
        'webhook secret cannot be decrypted with this keyring',
      );
      return { status: null, error: 'signing secret could not be decrypted', final: false };
    }
    const timestamp = Math.floor(at.getTime() / 1000);
    const response = await this.#o.transport.post({
      url: webhook.url,
      body: delivery.body,
      headers: {
        'content-type': 'application/json',
        'x-keyward-event': delivery.eventType,
        'x-keyward-delivery': delivery.id,
        'x-keyward-timestamp': String(timestamp),
        'x-keyward-signature': signWebhook(secret, timestamp, delivery.body),
      },
    });
    if (response.kind === 'error') return { status: null, error: response.error, final: false };
    const ok = response.status >= 200 && response.status < 300;
    return { status: response.status, error: ok ? null : `HTTP ${response.status}`, final: false };
  }

  #outcome(delivery: WebhookDelivery, result: AttemptResult, at: Date): DeliveryOutcome {
    if (result.error === null) return { state: 'delivered', nextAttemptAt: null, deliveredAt: at };
    if (result.final) return { state: 'failed', nextAttemptAt: null, deliveredAt: null };
    const delay = retryDelayMs(delivery.attempts, (this.#o.random ?? Math.random)());
    return delay === null
      ? { state: 'failed', nextAttemptAt: null, deliveredAt: null }
      : { state: 'pending', nextAttemptAt: new Date(at.getTime() + delay), deliveredAt: null };
  }

  #maybePrune(): void {
    const retentionMs = this.#o.retentionMs ?? 30 * 24 * 60 * 60 * 1000;
    const now = this.#o.clock.now().getTime();
    if (now - this.#lastPruneAt < PRUNE_EVERY_MS) return;
    this.#lastPruneAt = now;
    this.#pruning = this.#o.store.webhooks
      .pruneFinished(new Date(now - retentionMs))
      .then(
        () => {},
        (err: unknown) => {
          this.#o.log?.warn({ err: errorName(err) }, 'old webhook deliveries not pruned');
        },
      )
      .finally(() => {
        this.#pruning = null;
      });
  }
}

/** A name and code only: driver errors can carry row contents in their message. */
function errorName(err: unknown): { type?: string; code?: string } {
  const e = err as { name?: unknown; code?: unknown } | null;
  return {
    ...(typeof e?.name === 'string' && { type: e.name }),
    ...(typeof e?.code === 'string' && { code: e.code }),
  };
}
