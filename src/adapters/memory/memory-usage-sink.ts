import { AppError } from '../../core/errors.js';
import type { UsageEvent, UsageSink } from '../../ports/usage-sink.js';

const DEFAULT_CAPACITY = 10_000;

/**
 * Keeps the newest `capacity` usage events in a ring buffer (tests, and a node without a
 * persistent sink). `emit` is O(1), allocation-free and cannot throw; when the buffer is full the
 * oldest event is overwritten and counted in `dropped`.
 */
export class MemoryUsageSink implements UsageSink {
  readonly #ring: (UsageEvent | undefined)[];
  /** Index the next event is written to. */
  #next = 0;
  #count = 0;
  #dropped = 0;

  constructor(options: { readonly capacity?: number } = {}) {
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new AppError('CONFIG_INVALID', 'capacity must be a positive integer');
    }
    this.#ring = new Array<UsageEvent | undefined>(capacity).fill(undefined);
  }

  /** Events overwritten because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    if (this.#count === this.#ring.length) this.#dropped += 1;
    else this.#count += 1;
    this.#ring[this.#next] = event;
    this.#next = this.#next + 1 === this.#ring.length ? 0 : this.#next + 1;
  }

  /** The buffered events, oldest first (a copy). */
  events(): UsageEvent[] {
    const out: UsageEvent[] = [];
    const size = this.#ring.length;
    const first = (this.#next - this.#count + size) % size;
    for (let i = 0; i < this.#count; i++) {
      const event = this.#ring[(first + i) % size];
      if (event !== undefined) out.push(event);
    }
    return out;
  }

  /** Empties the buffer and resets `dropped`. */
  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#count = 0;
    this.#dropped = 0;
  }
}
