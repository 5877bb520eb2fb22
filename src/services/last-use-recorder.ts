import { SLOT_NAMES, type SlotName } from '../core/model.js';
import type { Store } from '../ports/store.js';
import type { UsageEvent, UsageSink } from '../ports/usage-sink.js';

export interface LastUseRecorderOptions {
  /** How often pending last uses are written (key metadata is exact to this). Default 5 s. */
  readonly flushIntervalMs?: number;
  /** Slots with a pending last use at most; beyond it new slots are dropped and counted. */
  readonly maxPendingSlots?: number;
  /** A flush failed (the store is down): the batch is kept and retried at the next flush. */
  readonly onFlushError?: (err: unknown) => void;
}

/** A slot's newest use not yet written. Mutated in place: emitting allocates nothing per event. */
interface PendingUse {
  atMs: number;
  from: string | null;
  userAgent: string | null;
}

type PendingKey = Partial<Record<SlotName, PendingUse>>;

/**
 * Which slot each client uses, and when (issue: rotation needs the evidence): a usage sink that
 * keeps, per slot, the newest accepted use (time, source address, user agent) and writes them to the store
 * in one transaction every `flushIntervalMs` and on `close()`. The store never moves a slot's
 * last use backwards, so flushes from several gateway nodes may arrive in any order.
 *
 * On the hot path `emit` is two Map lookups and two field writes; nothing is kept per request.
 * Events of retired secrets are not a use of the slot (the slot holds a newer secret); refusals
 * of a valid secret carry no slot and are not counted either.
 */
export class LastUseRecorder implements UsageSink {
  readonly #store: Pick<Store, 'transaction'>;
  readonly #maxPendingSlots: number;
  readonly #onFlushError: (err: unknown) => void;
  #pending = new Map<string, PendingKey>();
  #pendingSlots = 0;
  #dropped = 0;
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  constructor(store: Pick<Store, 'transaction'>, options: LastUseRecorderOptions = {}) {
    this.#store = store;
    this.#maxPendingSlots = options.maxPendingSlots ?? 100_000;
    this.#onFlushError = options.onFlushError ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 5_000);
    this.#timer.unref();
  }

  /** Uses dropped because too many slots were pending (a full buffer during a store outage). */
  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    const { keyId, slot } = event;
    if (keyId === null || slot === null || event.outcome === 'RETIRED') return;
    this.#note(keyId, slot, event.at.getTime(), event.clientIp, event.userAgent);
  }

  #note(
    keyId: string,
    slot: SlotName,
    atMs: number,
    from: string | null,
    userAgent: string | null,
  ): void {
    let key = this.#pending.get(keyId);
    const use = key?.[slot];
    if (use !== undefined) {
      if (atMs >= use.atMs) {
        use.atMs = atMs;
        use.from = from;
        use.userAgent = userAgent;
      }
      return;
    }
    if (this.#pendingSlots >= this.#maxPendingSlots) {
      this.#dropped += 1;
      return;
    }
    if (key === undefined) {
      key = {};
      this.#pending.set(keyId, key);
    }
    key[slot] = { atMs, from, userAgent };
    this.#pendingSlots += 1;
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
    if (this.#pendingSlots === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#pendingSlots = 0;
    try {
      await this.#store.transaction(async (tx) => {
        for (const [keyId, slots] of batch) {
          for (const slot of SLOT_NAMES) {
            const use = slots[slot];
            if (use === undefined) continue;
            const { from, userAgent } = use;
            await tx.keys.touchSlot(keyId, slot, { at: new Date(use.atMs), from, userAgent });
          }
        }
      });
    } catch (err) {
      this.#onFlushError(err);
      this.#restore(batch);
    }
  }

  /** Puts a batch that could not be written back, under the newer uses that arrived meanwhile. */
  #restore(batch: Map<string, PendingKey>): void {
    for (const [keyId, slots] of batch) {
      for (const slot of SLOT_NAMES) {
        const use = slots[slot];
        if (use !== undefined) this.#note(keyId, slot, use.atMs, use.from, use.userAgent);
      }
    }
  }
}
