import type { KeyInvalidation } from './key-invalidation.js';

/** Called with the id of a key whose verification outcome may have changed. */
export type KeyChangeListener = (keyId: string) => void;

/**
 * The key-change event bus: the admin side publishes (`keyChanged`, awaited before the admin API
 * answers), verifiers subscribe and drop what they cached about the key.
 *
 * Invariant: when `keyChanged(id)` resolves, every listener of this process has run, so on a
 * single node the very next verification already sees the change. A bus spanning several nodes
 * (Redis, with scale-out) additionally broadcasts to the other nodes, which apply it within the
 * revocation bound.
 */
export interface KeyEventBus extends KeyInvalidation {
  /**
   * Registers `listener` for every key change published from now on. Listeners must be fast and
   * synchronous (they run inside `keyChanged`). Returns a function that unsubscribes (idempotent).
   */
  subscribe(listener: KeyChangeListener): () => void;
}
