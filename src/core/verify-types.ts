import type { ApiKey, RetiredSecret, VerifiedSlot } from './model.js';

/** Same shape as the store's DigestMatch, declared in core so core does not import ports. */
export type DigestMatchLike =
  | { readonly kind: 'slot'; readonly key: ApiKey; readonly slot: VerifiedSlot }
  | { readonly kind: 'retired'; readonly retired: RetiredSecret; readonly key?: ApiKey };
