import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/adapters/keyring/file-keyring.js';
import { openPostgresStore } from '../../src/adapters/sql/postgres-store.js';
import { newId } from '../../src/core/ids.js';
import { DEFAULT_INSTITUTION_SETTINGS } from '../../src/core/model.js';
import type { Store } from '../../src/ports/store.js';
import { KeyService } from '../../src/services/key-service.js';
import { SYSTEM_CONTEXT } from '../../src/services/principal.js';
import { ShareService } from '../../src/services/share-service.js';

/**
 * Done-means 3 of the rotation issue: with two scheduler "processes" (two stores, two pools, two
 * services) on one PostgreSQL, a due share's slot is regenerated exactly once, even when both run
 * at the same moment and again afterwards.
 */

const url = process.env.KEYWARD_TEST_DATABASE_URL;
if (!url) {
  console.warn('[keyward] share revocation on PostgreSQL SKIPPED: set KEYWARD_TEST_DATABASE_URL');
}

describe.skipIf(!url)('share revocation with two schedulers on PostgreSQL', () => {
  const schema = `keyward_test_${randomBytes(6).toString('hex')}`;
  let stores: Store[] = [];
  let dir: string;
  let now = new Date();
  const clock = { now: () => now };

  beforeAll(async () => {
    stores = [
      await openPostgresStore({ url: url as string, schema }),
      await openPostgresStore({ url: url as string, schema }),
    ];
    await stores[0]?.migrate();
    dir = await mkdtemp(join(tmpdir(), 'keyward-shares-'));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('regenerates the shared slot exactly once', async () => {
    const { keyring } = await loadKeyring({ dataDir: dir, generateIfMissing: true });
    const services = stores.map((store) => {
      const keys = new KeyService({
        store,
        clock,
        keyring,
        secretPrefix: 'kw_live',
        viewableSecrets: false,
        invalidation: { keyChanged: async () => {}, institutionChanged: async () => {} },
      });
      return new ShareService({
        store,
        clock,
        keys,
        invalidation: { keyChanged: async () => {}, institutionChanged: async () => {} },
        notifier: null,
      });
    });
    const [first, second] = stores as [Store, Store];
    const institutionId = newId('ins');
    await first.institutions.insert({
      id: institutionId,
      name: 'Shares',
      externalCode: null,
      settings: DEFAULT_INSTITUTION_SETTINGS,
      createdAt: now,
    });
    const keys = new KeyService({
      store: first,
      clock,
      keyring,
      secretPrefix: 'kw_live',
      viewableSecrets: false,
      invalidation: { keyChanged: async () => {}, institutionChanged: async () => {} },
    });
    const created = await keys.create(SYSTEM_CONTEXT, institutionId, { name: 'shared' });
    const keyId = created.key.id;
    const before = await first.keys.getSlot(keyId, 'secondary');
    const until = new Date(now.getTime() + 60_000);
    await services[0]?.share(SYSTEM_CONTEXT, keyId, { until: until.toISOString() });

    expect(await Promise.all(services.map((s) => s.revokeDue()))).toEqual([0, 0]); // not due
    now = new Date(until.getTime() + 1);
    for (let round = 0; round < 3; round++) {
      const revoked = await Promise.all(services.map((s) => s.revokeDue()));
      expect(revoked.reduce((a, b) => a + b, 0)).toBe(round === 0 ? 1 : 0);
    }
    const after = await second.keys.getSlot(keyId, 'secondary');
    expect(after?.digest).not.toBe(before?.digest);
    const retired = await second.keys.listRetired(keyId);
    expect(retired.filter((r) => r.slot === 'secondary')).toHaveLength(1);
    const audit = await second.audit.listByInstitution(institutionId, { limit: 50 });
    expect(audit.events.filter((e) => e.action === 'key.regenerate')).toHaveLength(1);
    expect((await second.shares.listForKey(keyId)).map((s) => s.state)).toEqual(['revoked']);
  });
});
