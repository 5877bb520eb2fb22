import type { ApiKey, SecretSlot } from '../core/model.js';
import { isQuiet, type SlotEvidence } from '../core/slot-activity.js';
import { VERIFY_FAILURES } from '../core/verify-decision.js';
import type { StoreRepos } from '../ports/store.js';
import { CLIENTS_LISTED } from './key-service.js';

/** Not a use of the slot's current secret: refusals, and an old secret in its grace window. */
const REFUSALS: ReadonlySet<string> = new Set([...VERIFY_FAILURES, 'RETIRING']);

/**
 * What the store knows of a slot's recent use: its last use, the clients seen on it and the
 * accepted requests within the institution's quiet period. Refused requests (a retired secret of
 * the same slot, a blocked address) are not a use.
 */
export async function slotEvidence(
  repos: Pick<StoreRepos, 'usage'>,
  key: ApiKey,
  slot: SecretSlot,
  quietPeriodSeconds: number,
  now: Date,
): Promise<SlotEvidence> {
  const since = new Date(now.getTime() - quietPeriodSeconds * 1000);
  const [clients, rollups] = await Promise.all([
    repos.usage.listClients(key.id, CLIENTS_LISTED),
    repos.usage.listRollups(
      key.id,
      new Date(Math.floor(since.getTime() / 60_000) * 60_000),
      new Date(now.getTime() + 60_000),
    ),
  ]);
  return {
    slot: slot.slot,
    quietPeriodSeconds,
    quiet: isQuiet(slot.lastUsedAt, now, quietPeriodSeconds),
    lastUsedAt: slot.lastUsedAt,
    lastUsedFrom: slot.lastUsedFrom,
    lastUserAgent: slot.lastUserAgent,
    clients: clients
      .filter((c) => c.slot === slot.slot && c.lastSeenAt.getTime() >= since.getTime())
      .map((c) => ({
        address: c.clientIp,
        userAgent: c.userAgent,
        lastSeenAt: c.lastSeenAt,
        requests: c.requests,
      })),
    requestsInPeriod: rollups
      .filter((r) => r.slot === slot.slot && !REFUSALS.has(r.outcome))
      .reduce((n, r) => n + r.counts.requests, 0),
  };
}
