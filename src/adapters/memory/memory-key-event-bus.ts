import type { KeyChange, KeyChangeListener, KeyEventBus } from '../../ports/key-events.js';

/**
 * The key-change bus of one process: a publish runs every current listener synchronously and
 * resolves after the last one. A listener that throws does not stop the others; `keyChanged` then
 * rejects with the first error after all have run, so a broken invalidation is never silent.
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

  keyChanged(keyId: string): Promise<void> {
    return this.#publish({ kind: 'key', id: keyId });
  }

  institutionChanged(institutionId: string): Promise<void> {
    return this.#publish({ kind: 'institution', id: institutionId });
  }

  async #publish(change: KeyChange): Promise<void> {
    let failure: { error: unknown } | null = null;
    // A Set iterates entries added during iteration too; a snapshot keeps one publish bounded.
    for (const { listener } of [...this.#subscriptions]) {
      try {
        listener(change);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
