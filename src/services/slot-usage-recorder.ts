import { SLOT_NAMES, type SlotName } from '../core/model.js';
import type { SlotClient, Store } from '../ports/store.js';
import type { UsageEvent, UsageSink } from '../ports/usage-sink.js';

export interface SlotUsageRecorderOptions {
  /** How often pending observations are written (key metadata is exact to this). Default 5 s. */
  readonly flushIntervalMs?: number;
  /** Distinct clients (slot × address × user agent) pending at most; beyond it new ones are dropped and counted. */
  readonly maxPendingClients?: number;
  /** A flush failed (the store is down): the batch is kept and retried at the next flush. */
  readonly onFlushError?: (err: unknown) => void;
}

/** One source of a slot, not yet written. Mutated in place while pending. */
interface PendingClient {
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  firstMs: number;
  lastMs: number;
  requests: number;
}

/** A slot's newest use and its clients, not yet written. */
interface PendingSlot {
  lastMs: number;
  from: string | null;
  userAgent: string | null;
  readonly clients: Map<string, PendingClient>;
}

type PendingKey = Partial<Record<SlotName, PendingSlot>>;

/**
 * Which slot each client uses (rotation needs the evidence): a usage sink that keeps, per slot,
 * the newest accepted use (time, address, user agent) and each distinct client (address × user
 * agent: first and last seen, requests), and writes them in one transaction every
 * `flushIntervalMs` and on `close()`. The store never moves a last use backwards and merges
 * client rows, so flushes from several gateway nodes may arrive in any order.
 *
 * On the hot path `emit` is a few Map lookups and field writes; an event is never kept. Events
 * of retired secrets are not a use of the slot (it holds a newer secret); refusals of a valid
 * secret carry no slot and are not counted either.
 */
export class SlotUsageRecorder implements UsageSink {
  readonly #store: Pick<Store, 'transaction'>;
  readonly #maxPendingClients: number;
  readonly #onFlushError: (err: unknown) => void;
  #pending = new Map<string, PendingKey>();
  #pendingClients = 0;
  #dropped = 0;
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  constructor(store: Pick<Store, 'transaction'>, options: SlotUsageRecorderOptions = {}) {
    this.#store = store;
    this.#maxPendingClients = options.maxPendingClients ?? 100_000;
    this.#onFlushError = options.onFlushError ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 5_000);
    this.#timer.unref();
  }

  /** Observations dropped because too many clients were pending (e.g. a long store outage). */
  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    const { keyId, slot } = event;
    if (keyId === null || slot === null || event.outcome === 'RETIRED') return;
    const atMs = event.at.getTime();
    this.#note(keyId, slot, {
      clientIp: event.clientIp,
      userAgent: event.userAgent,
      firstMs: atMs,
      lastMs: atMs,
      requests: 1,
    });
  }

  #note(keyId: string, slot: SlotName, seen: PendingClient): void {
    const clientKey = `${seen.clientIp ?? ''}\n${seen.userAgent ?? ''}`;
    let key = this.#pending.get(keyId);
    const use = key?.[slot];
    const client = use?.clients.get(clientKey);
    if (client === undefined && this.#pendingClients >= this.#maxPendingClients) {
      this.#dropped += 1;
      return;
    }
    if (use === undefined) {
      if (key === undefined) {
        key = {};
        this.#pending.set(keyId, key);
      }
      key[slot] = {
        lastMs: seen.lastMs,
        from: seen.clientIp,
        userAgent: seen.userAgent,
        clients: new Map([[clientKey, { ...seen }]]),
      };
    } else {
      if (seen.lastMs >= use.lastMs) {
        use.lastMs = seen.lastMs;
        use.from = seen.clientIp;
        use.userAgent = seen.userAgent;
      }
      if (client === undefined) {
        use.clients.set(clientKey, { ...seen });
      } else {
        client.requests += seen.requests;
        if (seen.firstMs < client.firstMs) client.firstMs = seen.firstMs;
        if (seen.lastMs > client.lastMs) client.lastMs = seen.lastMs;
        return;
      }
    }
    this.#pendingClients += 1;
  }

  /** Writes what is pending (one transaction); resolves when written, or kept after a failure. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#pendingClients === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#pendingClients = 0;
    const clients: SlotClient[] = [];
    for (const [keyId, slots] of batch) {
      for (const slot of SLOT_NAMES) {
        for (const c of slots[slot]?.clients.values() ?? []) {
          clients.push({
            keyId,
            slot,
            clientIp: c.clientIp,
            userAgent: c.userAgent,
            firstSeenAt: new Date(c.firstMs),
            lastSeenAt: new Date(c.lastMs),
            requests: c.requests,
          });
        }
      }
    }
    try {
      await this.#store.transaction(async (tx) => {
        for (const [keyId, slots] of batch) {
          for (const slot of SLOT_NAMES) {
            const use = slots[slot];
            if (use === undefined) continue;
            const { from, userAgent } = use;
            await tx.keys.touchSlot(keyId, slot, { at: new Date(use.lastMs), from, userAgent });
          }
        }
        await tx.usage.recordClients(clients);
      });
    } catch (err) {
      this.#onFlushError(err);
      this.#restore(batch);
    }
  }

  /**
   * Puts a batch that could not be written back, merged with what arrived meanwhile. A slot's
   * last use is its most recently seen client, so noting the clients restores it too.
   */
  #restore(batch: Map<string, PendingKey>): void {
    for (const [keyId, slots] of batch) {
      for (const slot of SLOT_NAMES) {
        for (const client of slots[slot]?.clients.values() ?? []) this.#note(keyId, slot, client);
      }
    }
  }
}
