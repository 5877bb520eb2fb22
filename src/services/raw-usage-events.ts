import type { SlotName } from '../core/model.js';
import type { StoreRepos } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import type { UsagePart } from './usage-pipeline.js';

/**
 * Which raw events are kept: every request; `refused`: the refused or failed requests that name a
 * key (a retired secret, a blocked address, a rate limit, an upstream failure …: the evidence about
 * that key); or none. Guesses that name no key are counted (metrics, the failure-burst detector)
 * but not kept one by one in `refused` mode: a flood of them would otherwise write a row each
 * (measured: +110 MB peak RSS and several µs per refusal under a 19k/s flood).
 */
export type RawEventsMode = 'all' | 'refused' | 'off';

/** Lets queued requests run (between chunks of a long write). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rows per INSERT round; between rounds the event loop serves requests (≈ 5 ms on SQLite). */
const CHUNK = 2_000;

type Column = (string | null)[];

/** One buffer of rows, column by column: numbers in typed arrays, strings by reference. */
class Columns {
  readonly at: Float64Array;
  readonly latency: Float64Array;
  readonly status: Uint16Array;
  readonly requestId: Column;
  readonly keyId: Column;
  readonly institutionId: Column;
  readonly slot: Column;
  readonly route: Column;
  readonly outcome: Column;
  readonly clientIp: Column;
  readonly userAgent: Column;
  size = 0;

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
    this.status = new Uint16Array(capacity);
    const column = (): Column => new Array<string | null>(capacity).fill(null);
    this.requestId = column();
    this.keyId = column();
    this.institutionId = column();
    this.slot = column();
    this.route = column();
    this.outcome = column();
    this.clientIp = column();
    this.userAgent = column();
  }

  /** Appends a row; false when full. */
  push(e: UsageEvent): boolean {
    const i = this.size;
    if (i >= this.capacity) return false;
    this.size = i + 1;
    this.at[i] = e.at.getTime();
    this.latency[i] = e.latencyMs;
    this.status[i] = e.status;
    this.requestId[i] = e.requestId;
    this.keyId[i] = e.keyId;
    this.institutionId[i] = e.institutionId;
    this.slot[i] = e.slot;
    this.route[i] = e.route;
    this.outcome[i] = e.outcome;
    this.clientIp[i] = e.clientIp;
    this.userAgent[i] = e.userAgent;
    return true;
  }

  /** Rows [from, to) as events (built only when written, a chunk at a time). */
  events(from: number, to: number): UsageEvent[] {
    const out: UsageEvent[] = [];
    for (let i = from; i < to; i += 1) {
      out.push({
        at: new Date(this.at[i] as number),
        requestId: this.requestId[i] as string,
        keyId: this.keyId[i] ?? null,
        institutionId: this.institutionId[i] ?? null,
        slot: (this.slot[i] ?? null) as SlotName | null,
        retiredAt: null,
        route: this.route[i] ?? null,
        status: this.status[i] as number,
        latencyMs: this.latency[i] as number,
        clientIp: this.clientIp[i] ?? null,
        userAgent: this.userAgent[i] ?? null,
        outcome: this.outcome[i] as string,
      });
    }
    return out;
  }

  /** Empties the buffer, letting go of the strings it referenced. */
  clear(): void {
    for (const column of [this.requestId, this.clientIp, this.userAgent, this.keyId]) {
      column.fill(null, 0, this.size);
    }
    this.size = 0;
  }
}

/**
 * Raw gateway decisions, buffered column by column in two preallocated buffers: `emit` copies
 * the event's fields into the next row and keeps no event object; a flush takes the full buffer
 * while requests fill the other. Rows become objects only a chunk at a time while being written,
 * and the writer yields to the event loop between chunks: a flood's 90,000 refusals then never
 * stall requests for long, nor pile up as objects (measured: one 90k-row write blocked the event
 * loop ~250 ms and doubled the gateway's peak RSS). Full → the event is dropped and counted.
 */
export class RawUsageEvents implements UsagePart<Columns> {
  readonly #mode: RawEventsMode;
  #active: Columns;
  #spare: Columns;
  #dropped = 0;

  constructor(options: { mode?: RawEventsMode; capacity?: number } = {}) {
    this.#mode = options.mode ?? 'refused';
    const capacity = this.#mode === 'off' ? 0 : (options.capacity ?? 100_000);
    this.#active = new Columns(capacity);
    this.#spare = new Columns(capacity);
  }

  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    if (
      this.#mode === 'off' ||
      (this.#mode === 'refused' && (event.outcome === 'OK' || event.keyId === null))
    ) {
      return;
    }
    if (!this.#active.push(event)) this.#dropped += 1;
  }

  take(): Columns | null {
    if (this.#active.size === 0) return null;
    const full = this.#active;
    this.#active = this.#spare;
    this.#spare = full;
    return full;
  }

  async write(tx: StoreRepos, batch: Columns): Promise<number> {
    const written = batch.size;
    for (let from = 0; from < written; from += CHUNK) {
      if (from > 0) await yieldToEventLoop();
      await tx.usage.recordEvents(batch.events(from, Math.min(written, from + CHUNK)));
    }
    batch.clear();
    return written;
  }

  restore(batch: Columns): void {
    // The failed rows first, then what arrived meanwhile (as far as room allows).
    const arrived = this.#active;
    for (const event of arrived.events(0, arrived.size)) {
      if (!batch.push(event)) this.#dropped += 1;
    }
    arrived.clear();
    this.#active = batch;
    this.#spare = arrived;
  }
}
