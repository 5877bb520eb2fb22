import { alertView, openKeyOf } from '../core/alert.js';
import {
  DEFAULT_FAILURE_BURST,
  DEFAULT_NEW_NETWORK,
  DEFAULT_SPIKE,
  detectCidrViolation,
  detectFailureBurst,
  detectNewNetwork,
  detectRetiredUse,
  detectVolumeSpike,
  type FailureBurstOptions,
  type Finding,
  failureBurstState,
  type NewNetworkOptions,
  networkOf,
  newNetworkState,
  type SpikeOptions,
  spikeState,
} from '../core/detectors.js';
import { newId } from '../core/ids.js';
import type { Notifier } from '../ports/notifier.js';
import type { SlotClient, StoreRepos } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import type { UsagePart } from './usage-pipeline.js';

export interface DetectorOptions {
  readonly newNetwork?: NewNetworkOptions;
  readonly spike?: SpikeOptions;
  readonly failureBurst?: FailureBurstOptions;
}

/** Findings waiting for the next flush, deduplicated like stored alerts. */
interface PendingFinding {
  finding: Finding;
  readonly firstSeenAt: Date;
  count: number;
}

type Batch = Map<string, PendingFinding>;

/**
 * Runs the detectors (core/detectors.ts) over the gateway's events as they are emitted and
 * stores what they find at each pipeline flush: one open alert per institution × type × key ×
 * subject, repeats adding to its count (in memory first, then in the store). A newly opened
 * alert is queued for the institution's webhooks in the same transaction.
 *
 * Cost on the request path: an accepted request runs the volume detector (a Map lookup) and,
 * when its address differs from the key's previous one, the new-network detector; refusals run
 * the others. Detector state is per process: with several gateway nodes, volume and failure
 * bursts are judged per node (the alerts they raise are shared through the store).
 */
export class AlertMonitor implements UsagePart<Batch> {
  readonly #notifier: Notifier | null;
  readonly #options: Required<DetectorOptions>;
  readonly #networks = newNetworkState();
  readonly #volumes = spikeState();
  readonly #failures = failureBurstState();
  /** The last address each key was seen from: the new-network check runs only when it changes. */
  readonly #lastAddress = new Map<string, string>();
  readonly #maxPending: number;
  #pending: Batch = new Map();
  #dropped = 0;
  #opened = 0;

  constructor(
    options: DetectorOptions & { notifier?: Notifier | null; maxPendingFindings?: number } = {},
  ) {
    this.#notifier = options.notifier ?? null;
    this.#options = {
      newNetwork: options.newNetwork ?? DEFAULT_NEW_NETWORK,
      spike: options.spike ?? DEFAULT_SPIKE,
      failureBurst: options.failureBurst ?? DEFAULT_FAILURE_BURST,
    };
    this.#maxPending = options.maxPendingFindings ?? 10_000;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Alerts this monitor has opened (not counting repeats of open ones). */
  get opened(): number {
    return this.#opened;
  }

  /**
   * Teaches the new-network detector what the store already knows (each key's networks and
   * since when), so a restart does not begin a new learning period.
   */
  seed(clients: readonly SlotClient[]): void {
    const byKey = new Map<string, SlotClient[]>();
    for (const client of clients) {
      if (client.clientIp === null) continue;
      const list = byKey.get(client.keyId) ?? [];
      list.push(client);
      byKey.set(client.keyId, list);
    }
    for (const [keyId, list] of byKey) {
      const firstSeenMs = Math.min(...list.map((c) => c.firstSeenAt.getTime()));
      const networks = new Map<string, number>();
      for (const c of list.sort((a, b) => a.lastSeenAt.getTime() - b.lastSeenAt.getTime())) {
        const network = networkOf(c.clientIp as string);
        if (network !== null) networks.set(network, c.lastSeenAt.getTime());
      }
      this.#networks.keys.set(keyId, { firstSeenMs, networks });
    }
  }

  emit(event: UsageEvent): void {
    if (event.keyId !== null)
      this.#found(detectVolumeSpike(this.#volumes, event, this.#options.spike));
    if (event.outcome === 'OK') {
      const { keyId, clientIp } = event;
      if (keyId === null || clientIp === null || this.#lastAddress.get(keyId) === clientIp) return;
      if (this.#lastAddress.size >= this.#options.newNetwork.maxKeys) this.#lastAddress.clear();
      this.#lastAddress.set(keyId, clientIp);
      this.#found(detectNewNetwork(this.#networks, event, this.#options.newNetwork));
      return;
    }
    this.#found(detectRetiredUse(event));
    this.#found(detectCidrViolation(event));
    this.#found(detectFailureBurst(this.#failures, event, this.#options.failureBurst));
  }

  /** Adds findings from elsewhere (e.g. the periodic unused-key check) to the next flush. */
  report(findings: readonly Finding[]): void {
    for (const finding of findings) this.#found(finding);
  }

  #found(finding: Finding | null): void {
    if (finding === null) return;
    this.#merge(openKeyOf(finding), finding, finding.at, 1);
  }

  #merge(key: string, finding: Finding, firstSeenAt: Date, count: number): void {
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      pending.count += count;
      if (finding.at.getTime() >= pending.finding.at.getTime()) pending.finding = finding;
      return;
    }
    if (this.#pending.size >= this.#maxPending) {
      this.#dropped += count;
      return;
    }
    this.#pending.set(key, { finding, firstSeenAt, count });
  }

  take(): Batch | null {
    if (this.#pending.size === 0) return null;
    const batch = this.#pending;
    this.#pending = new Map();
    return batch;
  }

  async write(tx: StoreRepos, batch: Batch): Promise<number> {
    for (const pending of batch.values()) {
      if (await raiseAlert(tx, this.#notifier, pending)) this.#opened += 1;
    }
    return batch.size;
  }

  restore(batch: Batch): void {
    for (const [key, { finding, firstSeenAt, count }] of batch) {
      this.#merge(key, finding, firstSeenAt, count);
    }
  }
}

/**
 * Stores occurrences of a finding: opens an alert, or adds to the open one. A newly opened alert
 * is queued for the institution's webhooks in the same transaction. Returns whether it opened.
 */
export async function raiseAlert(
  tx: StoreRepos,
  notifier: Notifier | null,
  occurrence: { finding: Finding; firstSeenAt: Date; count: number },
): Promise<boolean> {
  const { alert, opened } = await tx.alerts.raise({ id: newId('alr'), ...occurrence });
  if (opened && notifier !== null && alert.institutionId !== null) {
    await notifier.enqueue(tx, {
      id: newId('evt'),
      type: 'alert.raised',
      institutionId: alert.institutionId,
      at: alert.firstSeenAt,
      data: { ...alertView(alert) },
    });
  }
  return opened;
}
