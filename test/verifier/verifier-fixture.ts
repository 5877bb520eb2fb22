import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { MemoryAttemptLimiter } from '../../src/adapters/memory/memory-attempt-limiter.js';
import { MemoryKeyEventBus } from '../../src/adapters/memory/memory-key-event-bus.js';
import { MemoryRateLimitStore } from '../../src/adapters/memory/memory-rate-limit-store.js';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import { newId } from '../../src/core/ids.js';
import { issuePair, regenerateSlot, retireAllSlots } from '../../src/core/key-pair.js';
import { buildKeyring, type Keyring } from '../../src/core/keyring.js';
import type { ApiKey, RateLimit, SlotName } from '../../src/core/model.js';
import type { Clock } from '../../src/ports/clock.js';
import type { DigestMatch, Store } from '../../src/ports/store.js';
import { InstitutionLimitsCache } from '../../src/services/institution-limits.js';
import { Verifier } from '../../src/services/verifier.js';
import { VerifyCache, type VerifyCacheOptions } from '../../src/services/verify-cache.js';
import { anApiKey, anInstitution } from '../store/fixtures.js';

export const PREFIX = 'kw_test';
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function randomKeyring(): Keyring {
  return buildKeyring({ peppers: { 1: randomBytes(32) }, masterKeys: { 1: randomBytes(32) } });
}

export interface IssuedKey {
  readonly key: ApiKey;
  readonly primary: string;
  readonly secondary: string;
}

export interface VerifierWorld {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: ManualClock;
  readonly cache: VerifyCache;
  readonly events: MemoryKeyEventBus;
  readonly rateLimits: MemoryRateLimitStore;
  readonly failures: MemoryAttemptLimiter;
  readonly verifier: Verifier;
  readonly institutionId: string;
  /** Store reads made by the verifier so far. */
  lookups(): number;
  /** While set, the verifier's store reads throw (the store is down). */
  storeDown: boolean;
  /** While set, each store read, once done, waits for this before answering (to interleave). */
  holdReads: Promise<void> | null;
  /** Store reads that have been held so far. */
  readsHeld: number;
  /** Inserts a key with both slots (secrets issued under the world's keyring). */
  newKey(overrides?: Partial<ApiKey>, institutionId?: string): Promise<IssuedKey>;
  newInstitution(): Promise<string>;
  /** Changes an institution's rate-limit settings as the institution service does, announced. */
  setInstitutionLimits(
    institutionId: string,
    limits: { rateLimit?: RateLimit | null; defaultRateLimit?: RateLimit | null },
  ): Promise<void>;
  /** Regenerates one slot as the key service does; returns the new secret. Does not announce it. */
  regenerate(keyId: string, slot: SlotName): Promise<string>;
  /** Deletes the key as the key service does (digests retired, slots removed); no announcement. */
  deleteKey(keyId: string): Promise<void>;
  close(): Promise<void>;
}

export interface VerifierWorldOptions {
  readonly cache?: VerifyCacheOptions;
  readonly failures?: { readonly maxFailures: number; readonly windowSeconds: number };
  readonly keyring?: Keyring;
}

/** A real SQLite store in a temp directory, the memory adapters and a Verifier over them. */
export async function openVerifierWorld(
  options: VerifierWorldOptions = {},
): Promise<VerifierWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-verifier-'));
  const store = await openSqliteStore({ file: join(dir, 'keyward.db') });
  await store.migrate();
  const keyring = options.keyring ?? randomKeyring();
  const clock = new ManualClock(T0);
  const cache = new VerifyCache(options.cache);
  const events = new MemoryKeyEventBus();
  const rateLimits = new MemoryRateLimitStore();
  const failures = new MemoryAttemptLimiter(
    options.failures ?? { maxFailures: 30, windowSeconds: 60 },
  );
  let lookups = 0;
  const world: VerifierWorld = {
    store,
    keyring,
    clock,
    cache,
    events,
    rateLimits,
    failures,
    institutionId: '',
    storeDown: false,
    holdReads: null,
    readsHeld: 0,
    verifier: new Verifier({
      keys: {
        async findByDigests(digests: readonly string[]): Promise<DigestMatch | null> {
          lookups += 1;
          // What better-sqlite3 reports when the file is gone or locked.
          if (world.storeDown) throw new Error('SQLITE_IOERR: disk I/O error');
          const match = await store.keys.findByDigests(digests);
          if (world.holdReads) {
            world.readsHeld += 1;
            await world.holdReads;
          }
          return match;
        },
      },
      keyring,
      secretPrefix: PREFIX,
      clock,
      cache,
      rateLimits,
      failures,
      events,
      institutions: new InstitutionLimitsCache(store.institutions, { ttlMs: 30_000 }),
    }),
    lookups: () => lookups,
    async newInstitution() {
      const institution = anInstitution();
      await store.institutions.insert(institution);
      return institution.id;
    },
    async setInstitutionLimits(institutionId, limits) {
      const current = await store.institutions.get(institutionId);
      if (!current) throw new Error(`no institution ${institutionId}`);
      await store.institutions.update(institutionId, {
        settings: { ...current.settings, ...limits },
      });
      await events.institutionChanged(institutionId);
    },
    async newKey(overrides = {}, institutionId = world.institutionId) {
      const key = anApiKey(institutionId, {
        scopes: [],
        allowedCidrs: [],
        expiresAt: null,
        rateLimit: null,
        ...overrides,
      });
      const pair = issuePair(key, factory());
      await store.keys.insert(key, [pair.primary.slot, pair.secondary.slot]);
      return { key, primary: pair.primary.secret, secondary: pair.secondary.secret };
    },
    async regenerate(keyId, slot) {
      const key = await store.keys.get(keyId);
      const current = await store.keys.getSlot(keyId, slot);
      if (!key || !current) throw new Error(`no ${slot} slot for ${keyId}`);
      const { issued, retired } = regenerateSlot(key, current, factory());
      await store.transaction(async (tx) => {
        await tx.keys.insertRetired(retired);
        await tx.keys.replaceSlot(issued.slot);
      });
      return issued.secret;
    },
    async deleteKey(keyId) {
      const key = await store.keys.get(keyId);
      if (!key) throw new Error(`no key ${keyId}`);
      const now = clock.now();
      await store.transaction(async (tx) => {
        for (const retired of retireAllSlots(key, await tx.keys.getSlots(keyId), 'usr_x', now)) {
          await tx.keys.insertRetired(retired);
        }
        await tx.keys.deleteSlots(keyId);
        await tx.keys.update(keyId, { state: 'cancelled', deletedAt: now, updatedAt: now });
      });
    },
    async close() {
      world.verifier.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const factory = () => ({
    prefix: PREFIX,
    keyring,
    viewable: false,
    actorId: newId('usr'),
    now: clock.now(),
  });
  (world as { institutionId: string }).institutionId = await world.newInstitution();
  return world;
}

/**
 * `open(options)` for a test file: each call opens a world that is closed after the test
 * (registers the `afterEach`; call once at the top of the file).
 */
export function verifierWorldOpener(): (options?: VerifierWorldOptions) => Promise<VerifierWorld> {
  let world: VerifierWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return async (options) => {
    world = await openVerifierWorld(options);
    return world;
  };
}
