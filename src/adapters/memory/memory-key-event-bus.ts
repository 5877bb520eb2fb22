import type { KeyChangeListener, KeyEventBus } from '../../ports/key-events.js';

/**
 * The key-change bus of one process: `keyChanged` runs every current listener synchronously and
 * resolves after the last one. A listener that throws does not stop the others; `keyChanged` then
 * rejects with its error after all have run, so a broken invalidation is never silent.
 */
export class MemoryKeyEventBus implements KeyEventBus {
  /** One entry per subscription (the same function may be subscribed twice). */
  readonly #subscriptions = new Set<{ readonly listener: KeyChangeListener }>();

  /** Current subscriptions (for tests). */
  get listenerCount(): number {
    return this.#subscriptions.size;
  }

  subscribe(listener: KeyChangeListener): () => void {
    const subscription = { listener };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }

  async keyChanged(keyId: string): Promise<void> {
    let failure: { error: unknown } | null = null;
    // A Set iterates entries added during iteration too; a snapshot keeps one publish bounded.
    for (const { listener } of [...this.#subscriptions]) {
      try {
        listener(keyId);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
