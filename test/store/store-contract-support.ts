import { expect } from 'vitest';
import { checkAuditChain } from '../../src/core/audit-chain.js';
import { AppError } from '../../src/core/errors.js';
import type { ApiKey, AuditEvent, Institution, SecretSlot } from '../../src/core/model.js';
import type { Store } from '../../src/ports/store.js';
import { aKeyWithSlots, anInstitution } from './fixtures.js';

/** Expects a CONFLICT whose message names none of `mustNotMention` (digests, secrets). */
export async function expectConflict(
  promise: Promise<unknown>,
  ...mustNotMention: string[]
): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('CONFLICT');
  expect((err as AppError).message).toMatch(/already exists/);
  for (const value of mustNotMention) expect((err as AppError).message).not.toContain(value);
}

/** Reads the whole audit chain in small pages (exercising scan) and verifies it. */
export async function wholeChain(store: Store): Promise<{ events: AuditEvent[]; ok: boolean }> {
  const events: AuditEvent[] = [];
  for (;;) {
    const page = await store.audit.scan(events.at(-1)?.seq ?? 0, 7);
    if (page.length === 0) break;
    events.push(...page);
  }
  return { events, ok: checkAuditChain(null, events).ok };
}

export async function lastSeq(store: Store): Promise<number> {
  return (await wholeChain(store)).events.at(-1)?.seq ?? 0;
}

/** A new institution holding one key with both slots. */
export async function seedKey(
  store: Store,
): Promise<{ institution: Institution; key: ApiKey; slots: [SecretSlot, SecretSlot] }> {
  const institution = anInstitution();
  await store.institutions.insert(institution);
  const { key, slots } = aKeyWithSlots(institution.id);
  await store.keys.insert(key, slots);
  return { institution, key, slots };
}
