import { SLOT_NAMES, type SlotName } from '../core/model.js';
import {
  addCounts,
  countRequest,
  emptyCounts,
  type RollupCounts,
  type UsageRollup,
} from '../core/usage-rollup.js';
import type { StoreRepos } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import type { UsagePart } from './usage-pipeline.js';

/** A key's pending cells: minute → slot ('' for none) → outcome → counts. */
interface PendingKey {
  readonly institutionId: string;
  readonly minutes: Map<number, Map<string, Map<string, RollupCounts>>>;
}

type Batch = Map<string, PendingKey>;

const SLOT_KEYS: readonly string[] = ['', ...SLOT_NAMES];

/**
 * Per-minute rollups per key × slot × outcome (DESIGN: "aggregated per minute per key per
 * slot"). `emit` finds the event's cell through four Map lookups and bumps its counters in
 * place; only a new cell allocates. Requests that named no key are not rolled up (they belong
 * to no tenant; metrics and raw events keep them).
 */
export class UsageRollups implements UsagePart<Batch> {
  readonly #maxPendingCells: number;
  #pending: Batch = new Map();
  #cells = 0;
  #dropped = 0;

  constructor(options: { maxPendingCells?: number } = {}) {
    this.#maxPendingCells = options.maxPendingCells ?? 200_000;
  }

  get dropped(): number {
    return this.#dropped;
  }

  emit(event: UsageEvent): void {
    const { keyId, institutionId } = event;
    if (keyId === null || institutionId === null) return;
    const minute = Math.floor(event.at.getTime() / 60_000) * 60_000;
    const cell = this.#cell(keyId, institutionId, minute, event.slot ?? '', event.outcome);
    if (cell === null) this.#dropped += 1;
    else countRequest(cell, event.status, event.latencyMs);
  }

  #cell(
    keyId: string,
    institutionId: string,
    minute: number,
    slot: string,
    outcome: string,
  ): RollupCounts | null {
    let key = this.#pending.get(keyId);
    let slots = key?.minutes.get(minute);
    let outcomes = slots?.get(slot);
    const cell = outcomes?.get(outcome);
    if (cell !== undefined) return cell;
    if (this.#cells >= this.#maxPendingCells) return null;
    if (key === undefined) {
      key = { institutionId, minutes: new Map() };
      this.#pending.set(keyId, key);
    }
    if (slots === undefined) {
      slots = new Map();
      key.minutes.set(minute, slots);
    }
    if (outcomes === undefined) {
      outcomes = new Map();
      slots.set(slot, outcomes);
    }
    const created = emptyCounts();
    outcomes.set(outcome, created);
    this.#cells += 1;
    return created;
  }

  take(): Batch | null {
    if (this.#cells === 0) return null;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#cells = 0;
    return batch;
  }

  async write(tx: StoreRepos, batch: Batch): Promise<number> {
    const rollups = [...rollupsOf(batch)];
    await tx.usage.recordRollups(rollups);
    return rollups.length;
  }

  restore(batch: Batch): void {
    for (const r of rollupsOf(batch)) {
      const cell = this.#cell(
        r.keyId,
        r.institutionId,
        r.minute.getTime(),
        r.slot ?? '',
        r.outcome,
      );
      if (cell === null) this.#dropped += r.counts.requests;
      else addCounts(cell, r.counts);
    }
  }
}

function* rollupsOf(batch: Batch): Generator<UsageRollup> {
  for (const [keyId, key] of batch) {
    for (const [minute, slots] of key.minutes) {
      for (const slot of SLOT_KEYS) {
        const outcomes = slots.get(slot);
        if (outcomes === undefined) continue;
        for (const [outcome, counts] of outcomes) {
          yield {
            minute: new Date(minute),
            keyId,
            institutionId: key.institutionId,
            slot: slot === '' ? null : (slot as SlotName),
            outcome,
            counts,
          };
        }
      }
    }
  }
}
