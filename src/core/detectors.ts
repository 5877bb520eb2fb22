import { canonicalIp, parseCidr } from './cidr.js';
import type { SlotName } from './model.js';

/**
 * Misuse detectors (DESIGN §3: "detects unauthorized use and alerts"). Each one is a pure
 * function of one usage event and a small state it owns: it updates the state and returns what
 * it found. No I/O, no clock: time comes from the events. Storage, deduplication (one open alert
 * per key × type) and delivery are the caller's.
 *
 * States are bounded: every map is capped and forgets its oldest subjects first.
 */

/** What detectors read of a gateway decision (the shape of ports/usage-sink UsageEvent). */
export interface ObservedEvent {
  readonly at: Date;
  readonly keyId: string | null;
  readonly institutionId: string | null;
  readonly slot: SlotName | null;
  /** For a retired secret: when its slot was regenerated away from it. */
  readonly retiredAt?: Date | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  /** `OK` or a refusal (`NOT_FOUND`, `RETIRED`, `IP_NOT_ALLOWED`, …). */
  readonly outcome: string;
}

export const ALERT_TYPES = [
  'RETIRED_SECRET_USED',
  'NEW_NETWORK',
  'VOLUME_SPIKE',
  'FAILED_AUTH_BURST',
  'IP_NOT_ALLOWED',
  'UNUSED',
  'SHARE_EXPIRED',
  'SECRET_AGE',
  'SECRET_LEAKED',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  readonly type: AlertType;
  readonly severity: Severity;
  readonly institutionId: string | null;
  readonly keyId: string | null;
  readonly slot: SlotName | null;
  /** What the alert is about beyond the key (the source IP of a failure burst); null otherwise. */
  readonly subject: string | null;
  readonly at: Date;
  /** Facts for a human: addresses, counts, rates. Never a secret. */
  readonly evidence: Readonly<Record<string, string | number | null>>;
}

/** Outcomes that mean "the secret did not authenticate" (counted per source address). */
const FAILED_AUTH: ReadonlySet<string> = new Set([
  'MISSING',
  'DUPLICATE',
  'INVALID',
  'MALFORMED',
  'NOT_FOUND',
  'RETIRED',
]);

function finding(
  event: ObservedEvent,
  type: AlertType,
  severity: Severity,
  evidence: Finding['evidence'],
  subject: string | null = null,
): Finding {
  return {
    type,
    severity,
    institutionId: event.institutionId,
    keyId: event.keyId,
    slot: event.slot,
    subject,
    at: event.at,
    evidence,
  };
}

/** Drops the oldest entries of `map` (insertion order) until it holds at most `max`. */
function capOldest<K, V>(map: Map<K, V>, max: number): void {
  if (map.size <= max) return;
  for (const key of map.keys()) {
    map.delete(key);
    if (map.size <= max) return;
  }
}

/**
 * 1. A retired secret was sent: a client that was not updated after a regenerate, or someone
 * still holding a revoked (shared) secret. The gateway refuses it; this says whose it was.
 */
export function detectRetiredUse(event: ObservedEvent): Finding | null {
  const retiring = event.outcome === 'RETIRING';
  if ((event.outcome !== 'RETIRED' && !retiring) || event.keyId === null) return null;
  // Still inside its grace window (accepted): a client to move before it ends; after: refused.
  return finding(event, 'RETIRED_SECRET_USED', retiring ? 'medium' : 'high', {
    regeneratedAt: event.retiredAt?.toISOString() ?? null,
    accepted: retiring ? 'yes, until the grace window ends' : 'no',
    clientIp: event.clientIp,
    userAgent: event.userAgent,
  });
}

/** 5. A valid secret sent from outside its key's allowed CIDRs. */
export function detectCidrViolation(event: ObservedEvent): Finding | null {
  if (event.outcome !== 'IP_NOT_ALLOWED' || event.keyId === null) return null;
  return finding(event, 'IP_NOT_ALLOWED', 'high', {
    clientIp: event.clientIp,
    userAgent: event.userAgent,
  });
}

/** The network a client address belongs to for "new network": its /24 (IPv4) or /48 (IPv6). */
export function networkOf(ip: string): string | null {
  const canonical = canonicalIp(ip);
  if (canonical === null) return null;
  const parsed = parseCidr(`${canonical}/${canonical.includes(':') ? 48 : 24}`);
  return parsed.ok ? parsed.cidr : null;
}

export interface NewNetworkOptions {
  /** How long after a key's first accepted request its networks are learned silently. */
  readonly learningMs: number;
  /** Networks remembered per key (beyond it the oldest are forgotten). */
  readonly maxNetworksPerKey: number;
  /** Keys tracked (beyond it the least recently seen are forgotten, and learn again). */
  readonly maxKeys: number;
}

export const DEFAULT_NEW_NETWORK: NewNetworkOptions = Object.freeze({
  learningMs: 7 * 24 * 3_600_000,
  maxNetworksPerKey: 256,
  maxKeys: 100_000,
});

interface KeyNetworks {
  readonly firstSeenMs: number;
  readonly networks: Map<string, number>;
}

export interface NewNetworkState {
  readonly keys: Map<string, KeyNetworks>;
}

export function newNetworkState(): NewNetworkState {
  return { keys: new Map() };
}

/**
 * 2. An accepted request from a network the key has not used before, once the key's learning
 * period is over. Each new network is reported once (then it is known). The state starts empty:
 * whoever wires this should seed it from the networks the store already knows for each key, or a
 * restart begins a new learning period.
 */
export function detectNewNetwork(
  state: NewNetworkState,
  event: ObservedEvent,
  options: NewNetworkOptions = DEFAULT_NEW_NETWORK,
): Finding | null {
  if (event.outcome !== 'OK' || event.keyId === null || event.clientIp === null) return null;
  const network = networkOf(event.clientIp);
  if (network === null) return null;
  const atMs = event.at.getTime();
  let known = state.keys.get(event.keyId);
  if (known === undefined) {
    known = { firstSeenMs: atMs, networks: new Map() };
  } else {
    state.keys.delete(event.keyId); // re-inserted below: most recently seen last
  }
  state.keys.set(event.keyId, known);
  capOldest(state.keys, options.maxKeys);

  const seen = known.networks.has(network);
  known.networks.delete(network);
  known.networks.set(network, atMs);
  capOldest(known.networks, options.maxNetworksPerKey);
  if (seen || atMs - known.firstSeenMs < options.learningMs) return null;
  return finding(event, 'NEW_NETWORK', 'medium', {
    network,
    clientIp: event.clientIp,
    userAgent: event.userAgent,
    knownNetworks: known.networks.size - 1,
  });
}

export interface SpikeOptions {
  /** Weight of the newest minute in the moving average (0 < alpha ≤ 1). */
  readonly alpha: number;
  /** A minute is a spike when its count exceeds `factor` × the average … */
  readonly factor: number;
  /** … and at least this many requests (small numbers are never a spike). */
  readonly minRequests: number;
  /** Minutes of history before the average is trusted. */
  readonly warmupMinutes: number;
  readonly maxKeys: number;
}

export const DEFAULT_SPIKE: SpikeOptions = Object.freeze({
  alpha: 0.1,
  factor: 10,
  minRequests: 100,
  warmupMinutes: 30,
  maxKeys: 100_000,
});

interface KeyVolume {
  minute: number;
  count: number;
  /** Requests per minute, exponentially weighted over closed minutes. */
  average: number;
  minutes: number;
  /** The minute already reported as a spike (one finding per minute). */
  reportedMinute: number;
}

export interface SpikeState {
  readonly keys: Map<string, KeyVolume>;
}

export function spikeState(): SpikeState {
  return { keys: new Map() };
}

/**
 * 3. A key's requests in the current minute far above its own baseline: an EWMA of its
 * per-minute counts (idle minutes count as zero). Every request naming the key counts, refused
 * ones too (a flood of rate-limited requests is a spike). Reported as soon as the running minute
 * crosses the threshold, once per minute.
 */
export function detectVolumeSpike(
  state: SpikeState,
  event: ObservedEvent,
  options: SpikeOptions = DEFAULT_SPIKE,
): Finding | null {
  if (event.keyId === null) return null;
  const minute = Math.floor(event.at.getTime() / 60_000);
  let volume = state.keys.get(event.keyId);
  if (volume === undefined) {
    volume = { minute, count: 0, average: 0, minutes: 0, reportedMinute: -1 };
    state.keys.set(event.keyId, volume);
    capOldest(state.keys, options.maxKeys);
  }
  if (minute > volume.minute) {
    // Close the finished minute, then the idle ones in between (at most an hour's worth: beyond
    // that the average is ~0 anyway).
    volume.average += options.alpha * (volume.count - volume.average);
    const idle = Math.min(minute - volume.minute - 1, 60);
    volume.average *= (1 - options.alpha) ** idle;
    volume.minutes += 1 + idle;
    volume.minute = minute;
    volume.count = 0;
  }
  volume.count += 1;
  const threshold = Math.max(options.minRequests, options.factor * volume.average);
  if (
    volume.minutes < options.warmupMinutes ||
    volume.count <= threshold ||
    volume.reportedMinute === minute
  ) {
    return null;
  }
  volume.reportedMinute = minute;
  return finding(event, 'VOLUME_SPIKE', 'medium', {
    requestsThisMinute: volume.count,
    baselinePerMinute: Math.round(volume.average * 100) / 100,
    clientIp: event.clientIp,
  });
}

export interface FailureBurstOptions {
  /** Failed authentications from one address within `windowMs` that make a burst. */
  readonly threshold: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
}

export const DEFAULT_FAILURE_BURST: FailureBurstOptions = Object.freeze({
  threshold: 20,
  windowMs: 60_000,
  maxAddresses: 100_000,
});

interface AddressFailures {
  windowStartMs: number;
  count: number;
  reported: boolean;
}

export interface FailureBurstState {
  readonly addresses: Map<string, AddressFailures>;
}

export function failureBurstState(): FailureBurstState {
  return { addresses: new Map() };
}

/**
 * 4. Many failed authentications from one address in a fixed window (guessing, or a client
 * with a wrong or revoked secret). Reported once per window, naming the last key it aimed at
 * when the secret identified one (a retired secret does).
 */
export function detectFailureBurst(
  state: FailureBurstState,
  event: ObservedEvent,
  options: FailureBurstOptions = DEFAULT_FAILURE_BURST,
): Finding | null {
  if (!FAILED_AUTH.has(event.outcome) || event.clientIp === null) return null;
  const atMs = event.at.getTime();
  let failures = state.addresses.get(event.clientIp);
  if (failures === undefined || atMs - failures.windowStartMs >= options.windowMs) {
    failures = { windowStartMs: atMs, count: 0, reported: false };
    state.addresses.delete(event.clientIp);
    state.addresses.set(event.clientIp, failures);
    capOldest(state.addresses, options.maxAddresses);
  }
  failures.count += 1;
  if (failures.reported || failures.count < options.threshold) return null;
  failures.reported = true;
  return finding(
    event,
    'FAILED_AUTH_BURST',
    'high',
    {
      clientIp: event.clientIp,
      failures: failures.count,
      windowSeconds: options.windowMs / 1000,
      lastOutcome: event.outcome,
      userAgent: event.userAgent,
    },
    event.clientIp,
  );
}

/** A slot's use, for the hygiene check (from the store, not the event stream). */
export interface SlotUse {
  readonly institutionId: string;
  readonly keyId: string;
  readonly slot: SlotName;
  /** When the slot's secret was generated (a slot never used counts from there). */
  readonly generatedAt: Date;
  readonly lastUsedAt: Date | null;
}

/**
 * 6. Slots not used for longer than the institution's threshold (hygiene: "eliminate unnecessary
 * API keys"). Run periodically over the store's slots, not per event.
 */
export function detectUnused(slots: readonly SlotUse[], thresholdMs: number, now: Date): Finding[] {
  const out: Finding[] = [];
  for (const use of slots) {
    const since = use.lastUsedAt ?? use.generatedAt;
    const idleMs = now.getTime() - since.getTime();
    if (idleMs <= thresholdMs) continue;
    out.push({
      type: 'UNUSED',
      severity: 'low',
      institutionId: use.institutionId,
      keyId: use.keyId,
      slot: use.slot,
      // One alert per idle slot (they are regenerated or removed one at a time).
      subject: use.slot,
      at: now,
      evidence: {
        lastUsedAt: use.lastUsedAt === null ? null : use.lastUsedAt.toISOString(),
        idleDays: Math.floor(idleMs / 86_400_000),
      },
    });
  }
  return out;
}
