import type { SlotName } from '../core/model.js';
import type { StoreRepos } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import type { UsagePart } from './usage-pipeline.js';

/** Which raw events are kept: every request, only refused or failed ones, or none. */
export type RawEventsMode = 'all' | 'refused' | 'off';

/**
 * Raw gateway decisions, buffered column by column in preallocated arrays: `emit` copies the
 * event's fields into the next row and keeps no event object (numbers go into typed arrays;
 * strings are references the request already holds). Full → the event is dropped and counted.
 */
type Column = (string | null)[];

export class RawUsageEvents implements UsagePart<UsageEvent[]> {
  readonly #mode: RawEventsMode;
  readonly #capacity: number;
  readonly #at: Float64Array;
  readonly #latency: Float64Array;
  readonly #status: Uint16Array;
  readonly #requestId: Column;
  readonly #keyId: Column;
  readonly #institutionId: Column;
  readonly #slot: Column;
  readonly #route: Column;
  readonly #outcome: Column;
  readonly #clientIp: Column;
  readonly #userAgent: Column;
  #size = 0;
  #dropped = 0;

  constructor(options: { mode?: RawEventsMode; capacity?: number } = {}) {
    this.#mode = options.mode ?? 'refused';
    const capacity = this.#mode === 'off' ? 0 : (options.capacity ?? 100_000);
    this.#capacity = capacity;
    this.#at = new Float64Array(capacity);
    this.#latency = new Float64Array(capacity);
    this.#status = new Uint16Array(capacity);
    const column = (): Column => new Array<string | null>(capacity).fill(null);
    this.#requestId = column();
    this.#keyId = column();
    this.#institutionId = column();
    this.#slot = column();
    this.#route = column();
    this.#outcome = column();
    this.#clientIp = column();
    this.#userAgent = column();
  }

  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    if (this.#mode === 'off' || (this.#mode === 'refused' && event.outcome === 'OK')) return;
    const i = this.#size;
    if (i >= this.#capacity) {
      this.#dropped += 1;
      return;
    }
    this.#size = i + 1;
    this.#at[i] = event.at.getTime();
    this.#latency[i] = event.latencyMs;
    this.#status[i] = event.status;
    this.#requestId[i] = event.requestId;
    this.#keyId[i] = event.keyId;
    this.#institutionId[i] = event.institutionId;
    this.#slot[i] = event.slot;
    this.#route[i] = event.route;
    this.#outcome[i] = event.outcome;
    this.#clientIp[i] = event.clientIp;
    this.#userAgent[i] = event.userAgent;
  }

  take(): UsageEvent[] | null {
    const size = this.#size;
    if (size === 0) return null;
    const events: UsageEvent[] = new Array(size);
    for (let i = 0; i < size; i += 1) {
      events[i] = {
        at: new Date(this.#at[i] as number),
        requestId: this.#requestId[i] as string,
        keyId: this.#keyId[i] ?? null,
        institutionId: this.#institutionId[i] ?? null,
        slot: (this.#slot[i] ?? null) as SlotName | null,
        retiredAt: null,
        route: this.#route[i] ?? null,
        status: this.#status[i] as number,
        latencyMs: this.#latency[i] as number,
        clientIp: this.#clientIp[i] ?? null,
        userAgent: this.#userAgent[i] ?? null,
        outcome: this.#outcome[i] as string,
      };
    }
    // Let go of the strings (user agents, request ids) rather than keep them until overwritten.
    for (const column of [this.#requestId, this.#clientIp, this.#userAgent])
      column.fill(null, 0, size);
    this.#size = 0;
    return events;
  }

  async write(tx: StoreRepos, events: UsageEvent[]): Promise<number> {
    await tx.usage.recordEvents(events);
    return events.length;
  }

  restore(events: UsageEvent[]): void {
    for (const event of events) this.emit(event);
  }
}
