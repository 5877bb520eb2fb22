import type { Store, StoreRepos } from '../ports/store.js';
import type { UsageEvent, UsageSink } from '../ports/usage-sink.js';

/**
 * One consumer of the gateway's usage events inside the pipeline. `emit` runs on the request
 * path: synchronous, cheap, never throws, bounded (drops and counts rather than grow). The rest
 * runs at flush time, off the request path.
 */
export interface UsagePart<Batch> {
  emit(event: UsageEvent): void;
  /** Hands over what is pending and starts a new batch; null when nothing is pending. */
  take(): Batch | null;
  /** Writes a batch (inside the pipeline's transaction); returns how many items it wrote. */
  write(tx: StoreRepos, batch: Batch): Promise<number>;
  /** Takes back a batch whose transaction failed (merged with what arrived meanwhile). */
  restore(batch: Batch): void;
  /** Observations dropped because this part's pending state was full. */
  readonly dropped: number;
}

export interface UsagePipelineOptions {
  /** How often pending usage is written (key metadata's last use is exact to this). Default 5 s. */
  readonly flushIntervalMs?: number;
  /** A flush failed (the store is down): its batches are kept and retried at the next flush. */
  readonly onFlushError?: (err: unknown) => void;
}

export interface UsageStats {
  /** Per part: items written (its own unit: events, rollup cells, clients, alerts) and dropped. */
  readonly parts: Readonly<Record<string, { readonly written: number; readonly dropped: number }>>;
  readonly dropped: number;
  readonly flushes: number;
  readonly failedFlushes: number;
}

/**
 * The gateway's usage sink when usage is persisted: hands each event to its parts (slot clients
 * and last use, per-minute rollups, raw events, detectors) and writes all their batches in ONE
 * transaction every `flushIntervalMs` and on `close()` — all or nothing, retried after a failure.
 * Parts never keep event objects for long: they aggregate on emit (keeping objects alive for
 * seconds promotes them to V8's old space, measured at 5–9 % of gateway throughput).
 */
export class UsagePipeline implements UsageSink {
  readonly #store: Pick<Store, 'transaction'>;
  readonly #parts: readonly [string, UsagePart<unknown>][];
  readonly #written = new Map<UsagePart<unknown>, number>();
  readonly #onFlushError: (err: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  #flushes = 0;
  #failedFlushes = 0;

  constructor(
    store: Pick<Store, 'transaction'>,
    parts: Readonly<Record<string, UsagePart<unknown>>>,
    options: UsagePipelineOptions = {},
  ) {
    this.#store = store;
    this.#parts = Object.entries(parts);
    this.#onFlushError = options.onFlushError ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 5_000);
    this.#timer.unref();
  }

  emit(event: UsageEvent): void {
    for (const [, part] of this.#parts) part.emit(event);
  }

  stats(): UsageStats {
    const parts: Record<string, { written: number; dropped: number }> = {};
    let dropped = 0;
    for (const [name, part] of this.#parts) {
      parts[name] = { written: this.#written.get(part) ?? 0, dropped: part.dropped };
      dropped += part.dropped;
    }
    return { parts, dropped, flushes: this.#flushes, failedFlushes: this.#failedFlushes };
  }

  /** Writes what is pending; resolves when written, or kept for the next flush after a failure. */
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
    const batches: [UsagePart<unknown>, unknown][] = [];
    for (const [, part] of this.#parts) {
      const batch = part.take();
      if (batch !== null) batches.push([part, batch]);
    }
    if (batches.length === 0) return;
    this.#flushes += 1;
    try {
      const counts = await this.#store.transaction(async (tx) => {
        const written: number[] = [];
        for (const [part, batch] of batches) written.push(await part.write(tx, batch));
        return written;
      });
      batches.forEach(([part], i) => {
        this.#written.set(part, (this.#written.get(part) ?? 0) + (counts[i] ?? 0));
      });
    } catch (err) {
      this.#failedFlushes += 1;
      this.#onFlushError(err);
      for (const [part, batch] of batches) part.restore(batch);
    }
  }
}
