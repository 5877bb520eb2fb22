import type { KeyInvalidation } from './key-invalidation.js';

/** What changed: one key, or the settings every key of an institution is verified against. */
export type KeyChange =
  | { readonly kind: 'key'; readonly id: string }
  | { readonly kind: 'institution'; readonly id: string };

export type KeyChangeListener = (change: KeyChange) => void;

/**
 * The key-change event bus: the admin side publishes (`keyChanged` / `institutionChanged`,
 * awaited before the admin API answers), verifiers subscribe and drop what they cached.
 *
 * Invariant: when a publish resolves, every listener of this process has run, so on a single node
 * the very next verification already sees the change. A bus spanning several nodes (Redis, with
 * scale-out) additionally broadcasts to the other nodes, which apply it within the revocation
 * bound.
 */
export interface KeyEventBus extends KeyInvalidation {
  /**
   * Registers `listener` for every change published from now on. Listeners must be fast and
   * synchronous (they run inside the publish). Returns a function that unsubscribes (idempotent).
   */
  subscribe(listener: KeyChangeListener): () => void;
}
