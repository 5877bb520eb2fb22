import { SLOT_NAMES, type SlotName } from '../core/model.js';
import { VERIFY_FAILURES } from '../core/verify-decision.js';
import type { SlotClient, StoreRepos } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import type { UsagePart } from './usage-pipeline.js';

export interface SlotUsageRecorderOptions {
  /** Distinct clients (slot × address × user agent) pending at most; beyond it new ones are dropped and counted. */
  readonly maxPendingClients?: number;
}

/** Refusals, and an old secret in its grace window: not a use of the slot (it holds a newer one). */
const REFUSALS: ReadonlySet<string> = new Set([...VERIFY_FAILURES, 'RETIRING']);

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

type Batch = Map<string, PendingKey>;

/**
 * Which slot each client uses (rotation needs the evidence): a usage part that keeps, per slot,
 * the newest accepted use (time, address, user agent) and each distinct client (address × user
 * agent: first and last seen, requests), written at each pipeline flush. The store never moves a
 * last use backwards and merges client rows, so flushes from several gateway nodes may arrive in
 * any order.
 *
 * On the hot path `emit` is four Map lookups and a few field writes for a client already
 * pending (no allocation); an event is never kept. A slot's last use is derived at the write
 * (its most recently seen client). Refused requests are not a use of the slot.
 */
export class SlotUsageRecorder implements UsagePart<Batch> {
  readonly #maxPendingClients: number;
  #pending: Batch = new Map();
  #pendingClients = 0;
  #dropped = 0;

  constructor(options: SlotUsageRecorderOptions = {}) {
    this.#maxPendingClients = options.maxPendingClients ?? 100_000;
  }

  /** Observations dropped because too many clients were pending (e.g. a long store outage). */
  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    const { keyId, slot } = event;
    if (keyId === null || slot === null || REFUSALS.has(event.outcome)) return;
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

  take(): Batch | null {
    if (this.#pendingClients === 0) return null;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#pendingClients = 0;
    return batch;
  }

  async write(tx: StoreRepos, batch: Batch): Promise<number> {
    const clients: SlotClient[] = [];
    for (const [keyId, slot, pending] of clientsOf(batch)) {
      // A slot's last use is its most recently seen client.
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
      if (newest !== undefined) {
        const { clientIp: from, userAgent, lastMs } = newest;
        await tx.keys.touchSlot(keyId, slot, { at: new Date(lastMs), from, userAgent });
      }
    }
    await tx.usage.recordClients(clients);
    return clients.length;
  }

  restore(batch: Batch): void {
    for (const [keyId, slot, pending] of clientsOf(batch)) {
      for (const c of pending) {
        this.#note(keyId, slot, c.clientIp, c.userAgent, c.firstMs, c.lastMs, c.requests);
      }
    }
  }
}

/** Each pending slot of a batch with its clients. */
function* clientsOf(batch: Batch): Generator<[string, SlotName, PendingClient[]]> {
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
