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

/** A slot's pending clients: address → user agent → client (null keys for unknown ones). */
type PendingSlot = Map<string | null, Map<string | null, PendingClient>>;

type PendingKey = Partial<Record<SlotName, PendingSlot>>;

/**
 * Which slot each client uses (rotation needs the evidence): a usage sink that keeps, per slot,
 * the newest accepted use (time, address, user agent) and each distinct client (address × user
 * agent: first and last seen, requests), and writes them in one transaction every
 * `flushIntervalMs` and on `close()`. The store never moves a last use backwards and merges
 * client rows, so flushes from several gateway nodes may arrive in any order.
 *
 * On the hot path `emit` is four Map lookups and a few field writes for a client already
 * pending (no allocation); an event is never kept. A slot's last use is derived at the write
 * (its most recently seen client). Events of retired secrets are not a use of the slot (it
 * holds a newer secret); refusals of a valid secret carry no slot and are not counted either.
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
    this.#note(keyId, slot, event.clientIp, event.userAgent, atMs, atMs, 1);
  }

  /** Adds an observation; allocates only for a client not pending yet. */
  #note(
    keyId: string,
    slot: SlotName,
    clientIp: string | null,
    userAgent: string | null,
    firstMs: number,
    lastMs: number,
    requests: number,
  ): void {
    let key = this.#pending.get(keyId);
    let addresses = key?.[slot];
    let agents = addresses?.get(clientIp);
    const client = agents?.get(userAgent);
    if (client !== undefined) {
      client.requests += requests;
      if (firstMs < client.firstMs) client.firstMs = firstMs;
      if (lastMs > client.lastMs) client.lastMs = lastMs;
      return;
    }
    if (this.#pendingClients >= this.#maxPendingClients) {
      this.#dropped += 1;
      return;
    }
    if (key === undefined) {
      key = {};
      this.#pending.set(keyId, key);
    }
    if (addresses === undefined) {
      addresses = new Map();
      key[slot] = addresses;
    }
    if (agents === undefined) {
      agents = new Map();
      addresses.set(clientIp, agents);
    }
    agents.set(userAgent, { clientIp, userAgent, firstMs, lastMs, requests });
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
    const lastUses: { keyId: string; slot: SlotName; newest: PendingClient }[] = [];
    for (const [keyId, slot, pending] of clientsOf(batch)) {
      let newest: PendingClient | undefined;
      for (const c of pending) {
        if (newest === undefined || c.lastMs >= newest.lastMs) newest = c;
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
      if (newest !== undefined) lastUses.push({ keyId, slot, newest });
    }
    try {
      await this.#store.transaction(async (tx) => {
        // A slot's last use is its most recently seen client.
        for (const { keyId, slot, newest } of lastUses) {
          const { clientIp: from, userAgent } = newest;
          await tx.keys.touchSlot(keyId, slot, { at: new Date(newest.lastMs), from, userAgent });
        }
        await tx.usage.recordClients(clients);
      });
    } catch (err) {
      this.#onFlushError(err);
      this.#restore(batch);
    }
  }

  /** Puts a batch that could not be written back, merged with what arrived meanwhile. */
  #restore(batch: Map<string, PendingKey>): void {
    for (const [keyId, slot, pending] of clientsOf(batch)) {
      for (const c of pending) {
        this.#note(keyId, slot, c.clientIp, c.userAgent, c.firstMs, c.lastMs, c.requests);
      }
    }
  }
}

/** Each pending slot of a batch with its clients. */
function* clientsOf(
  batch: Map<string, PendingKey>,
): Generator<[string, SlotName, PendingClient[]]> {
  for (const [keyId, slots] of batch) {
    for (const slot of SLOT_NAMES) {
      const addresses = slots[slot];
      if (addresses === undefined) continue;
      const pending: PendingClient[] = [];
      for (const agents of addresses.values()) pending.push(...agents.values());
      yield [keyId, slot, pending];
    }
  }
}
