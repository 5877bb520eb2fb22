import type { SlotName } from './model.js';

/** A source seen on a slot within the quiet period. */
export interface ActiveClient {
  readonly address: string | null;
  readonly userAgent: string | null;
  readonly lastSeenAt: Date;
  readonly requests: number;
}

/**
 * Who still uses a slot: what regenerate and rotation show before they cut anyone off. Built from
 * the recorded usage, so it is exact to the gateway's usage flush (5 s by default).
 */
export interface SlotEvidence {
  readonly slot: SlotName;
  readonly quietPeriodSeconds: number;
  /** True when the slot carried no accepted request within the quiet period. */
  readonly quiet: boolean;
  readonly lastUsedAt: Date | null;
  readonly lastUsedFrom: string | null;
  readonly lastUserAgent: string | null;
  /** Clients seen on the slot within the quiet period, most recent first. */
  readonly clients: readonly ActiveClient[];
  /** Accepted requests on the slot within the quiet period (per-minute rollups: to the minute). */
  readonly requestsInPeriod: number;
}

/** Whether a slot last used at `lastUsedAt` is quiet at `now`. */
export function isQuiet(lastUsedAt: Date | null, now: Date, quietPeriodSeconds: number): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= quietPeriodSeconds * 1000;
}

/** The evidence as JSON (problem bodies, rotation state). */
export interface SlotEvidenceJson {
  readonly slot: SlotName;
  readonly quiet: boolean;
  readonly quietPeriodSeconds: number;
  readonly lastUsedAt: string | null;
  readonly lastUsedFrom: string | null;
  readonly lastUserAgent: string | null;
  readonly requestsInPeriod: number;
  readonly clients: {
    address: string | null;
    userAgent: string | null;
    lastSeenAt: string;
    requests: number;
  }[];
}

export function evidenceView(e: SlotEvidence): SlotEvidenceJson {
  return {
    slot: e.slot,
    quiet: e.quiet,
    quietPeriodSeconds: e.quietPeriodSeconds,
    lastUsedAt: e.lastUsedAt?.toISOString() ?? null,
    lastUsedFrom: e.lastUsedFrom,
    lastUserAgent: e.lastUserAgent,
    requestsInPeriod: e.requestsInPeriod,
    clients: e.clients.map((c) => ({
      address: c.address,
      userAgent: c.userAgent,
      lastSeenAt: c.lastSeenAt.toISOString(),
      requests: c.requests,
    })),
  };
}
