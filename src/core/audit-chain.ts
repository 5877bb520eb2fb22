import { createHash } from 'node:crypto';
import type { AuditEvent, AuditInput } from './model.js';

/** prevHash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Deterministic JSON: object keys sorted at every depth, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical form of an event: every field but the hashes. */
export function canonicalAuditEvent(event: AuditInput & { readonly seq: number }): string {
  return canonicalJson({
    seq: event.seq,
    id: event.id,
    at: event.at.toISOString(),
    actor: { type: event.actor.type, id: event.actor.id },
    institutionId: event.institutionId,
    action: event.action,
    target: event.target,
    sourceIp: event.sourceIp,
    details: event.details,
  });
}

/** hash = SHA-256(prevHash ‖ canonical event), hex. */
export function computeAuditHash(
  prevHash: string,
  event: AuditInput & { readonly seq: number },
): string {
  return createHash('sha256').update(prevHash).update(canonicalAuditEvent(event)).digest('hex');
}

/** Builds the stored event that follows `previous` (or starts the chain). */
export function chainAuditEvent(previous: AuditEvent | null, input: AuditInput): AuditEvent {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : GENESIS_HASH;
  const withSeq = { ...input, seq };
  return { ...withSeq, prevHash, hash: computeAuditHash(prevHash, withSeq) };
}

export type ChainCheck =
  | { readonly ok: true; readonly checked: number; readonly last: AuditEvent | null }
  | { readonly ok: false; readonly checked: number; readonly firstBrokenSeq: number };

/**
 * Checks a run of events in ascending order, continuing from `previous`. Detects an edited row
 * (hash mismatch), a deleted row (seq gap / prevHash mismatch) and reordered rows.
 */
export function checkAuditChain(
  previous: AuditEvent | null,
  events: readonly AuditEvent[],
): ChainCheck {
  let prev = previous;
  let checked = 0;
  for (const event of events) {
    const expectedSeq = prev ? prev.seq + 1 : 1;
    const expectedPrev = prev ? prev.hash : GENESIS_HASH;
    if (
      event.seq !== expectedSeq ||
      event.prevHash !== expectedPrev ||
      computeAuditHash(event.prevHash, event) !== event.hash
    ) {
      return {
        ok: false,
        checked,
        firstBrokenSeq: event.seq === expectedSeq ? event.seq : expectedSeq,
      };
    }
    checked += 1;
    prev = event;
  }
  return { ok: true, checked, last: prev };
}
