import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import { ALL_MIGRATIONS, aMembership, anInstitution, aSession, at, aUser } from './fixtures.js';
import { describeAuditContract } from './store-contract-audit.js';
import { describeApiKeyContract } from './store-contract-keys.js';
import { describeMonitoringContract } from './store-contract-monitoring.js';
import { expectConflict } from './store-contract-support.js';
import { describeUsageContract } from './store-contract-usage.js';
import { describeWebhookContract } from './store-contract-webhooks.js';

export interface StoreUnderTest {
  /** A store on an empty, not yet migrated database. */
  readonly store: Store;
  /** Closes the store and removes its database. */
  readonly cleanup: () => Promise<void>;
}

/**
 * The behaviour every `Store` implementation must have. Runs unchanged against each dialect, on a
 * real database: one store per suite run, tests isolated by fresh ids.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let opened: StoreUnderTest | undefined;
    let firstMigration: string[] = [];
    const store = (): Store => {
      if (!opened) throw new Error('store not opened');
      return opened.store;
    };

    beforeAll(async () => {
      opened = await open();
      firstMigration = await opened.store.migrate();
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    describe('migrations and health', () => {
      it('applies every migration once; a second run applies nothing', async () => {
        expect(firstMigration).toEqual(ALL_MIGRATIONS);
        expect(await store().migrate()).toEqual([]);
      });

      it('pings a reachable database', async () => {
        await expect(store().ping()).resolves.toBeUndefined();
      });
    });

    describe('institutions', () => {
      it('round-trips an institution exactly', async () => {
        const institution = anInstitution({
          settings: {
            operatorsMayViewSecrets: true,
            defaultRateLimit: { limit: 5, windowSeconds: 1 },
            rateLimit: { limit: 50, windowSeconds: 60 },
            unusedAlertDays: null,
            quietPeriodSeconds: 60,
            maxSecretAgeDays: 90,
            ageReminderDays: [30, 7, 1],
            suspendUnusedAfterDays: 180,
            leakPolicy: 'suspend-key',
          },
        });
        await store().institutions.insert(institution);
        expect(await store().institutions.get(institution.id)).toEqual(institution);
        expect(await store().institutions.get(anInstitution().id)).toBeNull();
      });

      it('lists by createdAt then id, optionally filtered by id', async () => {
        const a = anInstitution({ createdAt: at(-3_000_000), id: 'ins_zzzzzzzzzzzzzzzzzzzzzz' });
        const b = anInstitution({ createdAt: at(-3_000_000), id: 'ins_aaaaaaaaaaaaaaaaaaaaaa' });
        const c = anInstitution({ createdAt: at(-4_000_000) });
        for (const i of [a, b, c]) await store().institutions.insert(i);
        const all = await store().institutions.list();
        const ours = all.filter((i) => [a.id, b.id, c.id].includes(i.id)).map((i) => i.id);
        expect(ours).toEqual([c.id, b.id, a.id]);
        const filtered = await store().institutions.list([a.id, c.id, anInstitution().id]);
        expect(filtered.map((i) => i.id)).toEqual([c.id, a.id]);
        expect(await store().institutions.list([])).toEqual([]);
      });

      it('updates only the patched fields', async () => {
        const institution = anInstitution();
        await store().institutions.insert(institution);
        const settings = {
          operatorsMayViewSecrets: true,
          defaultRateLimit: null,
          rateLimit: null,
          unusedAlertDays: 30,
          quietPeriodSeconds: 0,
          maxSecretAgeDays: null,
          ageReminderDays: [],
          suspendUnusedAfterDays: 7,
          leakPolicy: 'notify' as const,
        };
        const updated = await store().institutions.update(institution.id, {
          externalCode: null,
          settings,
        });
        expect(updated).toEqual({ ...institution, externalCode: null, settings });
        expect(await store().institutions.get(institution.id)).toEqual(updated);
        expect(await store().institutions.update(institution.id, {})).toEqual(updated);
        expect(await store().institutions.update(anInstitution().id, { name: 'x' })).toBeNull();
      });

      it('rejects a duplicate id with CONFLICT', async () => {
        const institution = anInstitution();
        await store().institutions.insert(institution);
        await expectConflict(store().institutions.insert({ ...institution, name: 'other' }));
      });
    });

    describe('users', () => {
      it('stores the email lower-cased and finds it case-insensitively', async () => {
        const user = aUser({ platformOperator: true, mustChangePassword: false, disabled: true });
        await store().users.insert({ ...user, email: user.email.toUpperCase() });
        expect(await store().users.getById(user.id)).toEqual(user);
        expect(await store().users.getByEmail(user.email.toUpperCase())).toEqual(user);
        expect(await store().users.getByEmail('nobody@example.test')).toBeNull();
        expect(await store().users.getById(aUser().id)).toBeNull();
      });

      it('rejects a taken email, whatever its case, with CONFLICT', async () => {
        const user = aUser();
        await store().users.insert(user);
        await expectConflict(store().users.insert(aUser({ email: user.email.toUpperCase() })));
      });

      it('updates, and counts users', async () => {
        const before = await store().users.count();
        const user = aUser();
        await store().users.insert(user);
        expect(await store().users.count()).toBe(before + 1);
        const updated = await store().users.update(user.id, {
          name: 'Ada Lovelace',
          passwordHash: '$scrypt$new',
          mustChangePassword: false,
          disabled: true,
        });
        expect(updated).toEqual({
          ...user,
          name: 'Ada Lovelace',
          passwordHash: '$scrypt$new',
          mustChangePassword: false,
          disabled: true,
        });
        expect(await store().users.getById(user.id)).toEqual(updated);
        expect(await store().users.update(aUser().id, { disabled: true })).toBeNull();
      });
    });

    describe('memberships', () => {
      it('inserts, lists in order with the user, changes roles, counts admins, deletes', async () => {
        const institution = anInstitution();
        await store().institutions.insert(institution);
        const [u1, u2, u3] = [aUser(), aUser(), aUser()];
        for (const u of [u1, u2, u3]) await store().users.insert(u);
        const m1 = aMembership(u1.id, institution.id, { createdAt: at(30) });
        const m2 = aMembership(u2.id, institution.id, { createdAt: at(10), role: 'operator' });
        const m3 = aMembership(u3.id, institution.id, { createdAt: at(20) });
        for (const m of [m1, m2, m3]) await store().memberships.insert(m);

        expect(await store().memberships.get(u1.id, institution.id)).toEqual(m1);
        expect(await store().memberships.get(u1.id, anInstitution().id)).toBeNull();
        expect(await store().memberships.listForUser(u2.id)).toEqual([m2]);
        expect(await store().memberships.listForInstitution(institution.id)).toEqual([
          { ...m2, user: u2 },
          { ...m3, user: u3 },
          { ...m1, user: u1 },
        ]);
        expect(await store().memberships.countAdmins(institution.id)).toBe(2);

        const demoted = await store().memberships.updateRole(u1.id, institution.id, 'operator');
        expect(demoted).toEqual({ ...m1, role: 'operator' });
        expect(await store().memberships.countAdmins(institution.id)).toBe(1);
        expect(await store().memberships.updateRole(u1.id, anInstitution().id, 'admin')).toBeNull();

        expect(await store().memberships.delete(u3.id, institution.id)).toBe(true);
        expect(await store().memberships.delete(u3.id, institution.id)).toBe(false);
        expect(await store().memberships.countAdmins(institution.id)).toBe(0);
      });

      it('lists every institution of a user', async () => {
        const user = aUser();
        await store().users.insert(user);
        const [i1, i2] = [anInstitution(), anInstitution()];
        for (const i of [i1, i2]) await store().institutions.insert(i);
        const m1 = aMembership(user.id, i1.id, { createdAt: at(2) });
        const m2 = aMembership(user.id, i2.id, { createdAt: at(1), role: 'operator' });
        for (const m of [m1, m2]) await store().memberships.insert(m);
        expect(await store().memberships.listForUser(user.id)).toEqual([m2, m1]);
      });

      it('rejects a second membership of the same user with CONFLICT', async () => {
        const institution = anInstitution();
        const user = aUser();
        await store().institutions.insert(institution);
        await store().users.insert(user);
        await store().memberships.insert(aMembership(user.id, institution.id));
        await expectConflict(
          store().memberships.insert(aMembership(user.id, institution.id, { role: 'operator' })),
        );
      });

      it('enforces foreign keys', async () => {
        const institution = anInstitution();
        await store().institutions.insert(institution);
        await expect(
          store().memberships.insert(aMembership(aUser().id, institution.id)),
        ).rejects.toThrow();
      });
    });

    describeApiKeyContract(store);
    describeAuditContract(store);
    describeUsageContract(store);
    describeWebhookContract(store);
    describeMonitoringContract(store);

    describe('sessions', () => {
      it('inserts, reads, deletes one or all of a user', async () => {
        const user = aUser();
        await store().users.insert(user);
        const [s1, s2] = [aSession(user.id), aSession(user.id)];
        await store().sessions.insert(s1);
        await store().sessions.insert(s2);
        expect(await store().sessions.get(s1.idHash)).toEqual(s1);
        await expectConflict(store().sessions.insert(s1), s1.idHash);
        await store().sessions.delete(s1.idHash);
        expect(await store().sessions.get(s1.idHash)).toBeNull();
        await store().sessions.deleteForUser(user.id);
        expect(await store().sessions.get(s2.idHash)).toBeNull();
      });

      it('deletes sessions expired at or before now and returns how many', async () => {
        const user = aUser();
        await store().users.insert(user);
        const now = at(-10_000_000_000); // before every other fixture time
        const expired = aSession(user.id, { expiresAt: new Date(now.getTime() - 1) });
        const expiringNow = aSession(user.id, { expiresAt: now });
        const live = aSession(user.id, { expiresAt: new Date(now.getTime() + 1) });
        for (const s of [expired, expiringNow, live]) await store().sessions.insert(s);
        expect(await store().sessions.deleteExpired(now)).toBe(2);
        expect(await store().sessions.get(expired.idHash)).toBeNull();
        expect(await store().sessions.get(live.idHash)).toEqual(live);
        expect(await store().sessions.deleteExpired(now)).toBe(0);
      });
    });
  });
}
