import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/adapters/keyring/file-keyring.js';
import { lookupDigests } from '../../src/core/digest.js';
import { parseSecret } from '../../src/core/secret-format.js';
import { ApiClient, startTestKeyward, type TestKeyward, testStores } from '../support/harness.js';

describe.each(testStores())('on %s', (store) => {
  let kw: TestKeyward;
  beforeAll(async () => {
    kw = await startTestKeyward({ store });
  });
  afterAll(async () => kw?.stop());

  type Key = {
    id: string;
    state: string;
    slots: Record<'primary' | 'secondary', { hint: string; generatedAt: string }>;
  };
  type Created = { key: Key; secrets: { primary: string; secondary: string } };

  describe('a scripted admin session over real HTTP', () => {
    it('operator → institution → admin → key pair → view → regenerate primary, with tenancy and roles enforced', async () => {
      // The platform operator creates an institution and invites its first admin (generated password).
      const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
      const ins = await platform.request<{ id: string }>('POST', '/institutions', {
        name: 'Comune di Test',
        externalCode: '80000000000',
      });
      expect(ins.status).toBe(201);
      const invited = await platform.request<{
        member: { userId: string };
        temporaryPassword: string;
      }>('POST', `/institutions/${ins.body.id}/members`, {
        email: 'Alice@Example.test',
        name: 'Alice',
        role: 'admin',
      });
      expect(invited.status).toBe(201);
      expect(invited.headers.get('cache-control')).toBe('no-store');
      expect(invited.body.temporaryPassword).toHaveLength(20);

      // The generated password must be changed before anything else.
      const alice = await ApiClient.login(
        kw.url,
        'alice@example.test',
        invited.body.temporaryPassword,
      );
      const blocked = await alice.request('GET', `/institutions/${ins.body.id}/keys`);
      expect(blocked.status).toBe(403);
      expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
      const changed = await alice.request('POST', '/auth/password', {
        currentPassword: invited.body.temporaryPassword,
        newPassword: 'alice-chose-this-one',
      });
      expect(changed.status).toBe(204);

      // The admin creates a key: both secrets, once.
      const created = await alice.request<Created>('POST', `/institutions/${ins.body.id}/keys`, {
        name: 'Protocol integration',
        scopes: ['messages'],
        allowedCidrs: ['10.1.2.3/8', '2001:DB8::/32'],
      });
      expect(created.status).toBe(201);
      const { primary, secondary } = created.body.secrets;
      expect(primary).not.toBe(secondary);
      for (const s of [primary, secondary]) expect(parseSecret(s, 'kw_live').ok).toBe(true);
      expect(created.body.key.slots.primary.hint).toBe(`kw_live_…${primary.slice(-4)}`);
      const keyId = created.body.key.id;

      // Metadata never carries a secret; viewing does, with no-store, and is audited.
      const meta = await alice.request('GET', `/keys/${keyId}`);
      expect(meta.text).not.toContain(primary);
      expect(meta.body.allowedCidrs).toEqual(['10.0.0.0/8', '2001:db8::/32']);
      const view = await alice.request<{ primary: string; secondary: string }>(
        'GET',
        `/keys/${keyId}/secrets`,
      );
      expect(view.status).toBe(200);
      expect(view.headers.get('cache-control')).toBe('no-store');
      expect(view.body).toEqual({ primary, secondary });

      // Regenerate primary: new primary differs, secondary unchanged, old primary retired.
      const regen = await alice.request<{ key: Key; slot: string; secret: string }>(
        'POST',
        `/keys/${keyId}/regenerate`,
        {
          slot: 'primary',
        },
      );
      expect(regen.status).toBe(200);
      expect(regen.body.slot).toBe('primary');
      expect(regen.body.secret).not.toBe(primary);
      expect(regen.body.key.slots.secondary).toEqual(created.body.key.slots.secondary);
      const after = await alice.request<{ primary: string; secondary: string }>(
        'GET',
        `/keys/${keyId}/secrets`,
      );
      expect(after.body).toEqual({ primary: regen.body.secret, secondary });
      const { keyring } = await loadKeyring({ dataDir: kw.dataDir, generateIfMissing: false });
      const oldMatch = await kw.running.store.keys.findByDigests(lookupDigests(primary, keyring));
      expect(oldMatch).toMatchObject({
        kind: 'retired',
        retired: { keyId, slot: 'primary', reason: 'regenerated' },
      });
      const newMatch = await kw.running.store.keys.findByDigests(
        lookupDigests(regen.body.secret, keyring),
      );
      expect(newMatch).toMatchObject({ kind: 'slot', slot: { slot: 'primary' } });
      const secondaryMatch = await kw.running.store.keys.findByDigests(
        lookupDigests(secondary, keyring),
      );
      expect(secondaryMatch).toMatchObject({ kind: 'slot', slot: { slot: 'secondary' } });

      // An operator of the same institution sees the key but cannot regenerate.
      await alice.request('POST', `/institutions/${ins.body.id}/members`, {
        email: 'olga@example.test',
        name: 'Olga',
        role: 'operator',
        password: 'olga-password-123',
      });
      const olga = await ApiClient.login(kw.url, 'olga@example.test', 'olga-password-123');
      expect((await olga.request('GET', `/keys/${keyId}`)).status).toBe(200);
      const refused = await olga.request('POST', `/keys/${keyId}/regenerate`, {
        slot: 'secondary',
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await olga.request('GET', `/keys/${keyId}/secrets`)).status).toBe(403);

      // An admin of another institution gets 404 on every key route.
      const other = await platform.request<{ id: string }>('POST', '/institutions', {
        name: 'Other',
      });
      await platform.request('POST', `/institutions/${other.body.id}/members`, {
        email: 'bob@example.test',
        name: 'Bob',
        role: 'admin',
        password: 'bob-password-1234',
      });
      const bob = await ApiClient.login(kw.url, 'bob@example.test', 'bob-password-1234');
      const attempts: [string, string, unknown?][] = [
        ['GET', `/institutions/${ins.body.id}/keys`],
        ['POST', `/institutions/${ins.body.id}/keys`, { name: 'x' }],
        ['GET', `/keys/${keyId}`],
        ['GET', `/keys/${keyId}/secrets`],
        ['POST', `/keys/${keyId}/regenerate`, { slot: 'secondary' }],
        ['PATCH', `/keys/${keyId}`, { state: 'suspended' }],
        ['DELETE', `/keys/${keyId}`],
      ];
      for (const [method, path, body] of attempts) {
        const res = await bob.request(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.text).not.toContain(keyId.slice(4));
      }

      // Nothing changed for the attempts; the audit log tells the story.
      const audit = await alice.request<{
        events: { action: string; details: Record<string, unknown> }[];
      }>('GET', `/institutions/${ins.body.id}/audit?limit=100`);
      const actions = audit.body.events.map((e) => e.action).reverse();
      expect(actions).toEqual([
        'institution.create',
        'member.add',
        'key.create',
        'key.secrets.view',
        'key.regenerate',
        'key.secrets.view',
        'member.add',
      ]);
      expect(audit.text).not.toContain(primary);
      expect(audit.text).not.toContain(regen.body.secret);
    });

    it('deleting a key retires both digests and the key disappears', async () => {
      const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
      const ins = await platform.request<{ id: string }>('POST', '/institutions', {
        name: 'Deleting',
      });
      await platform.request('POST', `/institutions/${ins.body.id}/members`, {
        email: 'carol@example.test',
        name: 'Carol',
        role: 'admin',
        password: 'carol-password-123',
      });
      const carol = await ApiClient.login(kw.url, 'carol@example.test', 'carol-password-123');
      const created = await carol.request<Created>('POST', `/institutions/${ins.body.id}/keys`, {
        name: 'old',
      });
      expect((await carol.request('DELETE', `/keys/${created.body.key.id}`)).status).toBe(204);
      expect((await carol.request('GET', `/keys/${created.body.key.id}`)).status).toBe(404);
      expect(
        (await carol.request<{ keys: unknown[] }>('GET', `/institutions/${ins.body.id}/keys`)).body
          .keys,
      ).toEqual([]);
      const { keyring } = await loadKeyring({ dataDir: kw.dataDir, generateIfMissing: false });
      for (const secret of Object.values(created.body.secrets)) {
        const match = await kw.running.store.keys.findByDigests(lookupDigests(secret, keyring));
        expect(match).toMatchObject({ kind: 'retired', retired: { reason: 'deleted' } });
      }
    });

    it('a manage key automates its own institution’s keys; its regenerated secret stops working at once', async () => {
      const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
      const ins = await platform.request<{ id: string }>('POST', '/institutions', {
        name: 'Automated',
      });
      await platform.request('POST', `/institutions/${ins.body.id}/members`, {
        email: 'dave@example.test',
        name: 'Dave',
        role: 'admin',
        password: 'dave-password-123',
      });
      const dave = await ApiClient.login(kw.url, 'dave@example.test', 'dave-password-123');
      const manage = await dave.request<Created>('POST', `/institutions/${ins.body.id}/keys`, {
        name: 'ci',
        kind: 'manage',
      });
      const bot = ApiClient.withBearer(kw.url, manage.body.secrets.secondary);
      const made = await bot.request<Created>('POST', `/institutions/${ins.body.id}/keys`, {
        name: 'made by ci',
      });
      expect(made.status).toBe(201);
      expect(
        (
          await bot.request('POST', `/institutions/${ins.body.id}/keys`, {
            name: 'x',
            kind: 'manage',
          })
        ).status,
      ).toBe(403);
      expect((await bot.request('GET', `/institutions/${ins.body.id}/members`)).status).toBe(403);
      // Rotate the manage key's secondary with the secondary itself: the old one is refused next.
      const rotated = await bot.request<{ secret: string }>(
        'POST',
        `/keys/${manage.body.key.id}/regenerate`,
        { slot: 'secondary' },
      );
      expect(rotated.status).toBe(200);
      expect((await bot.request('GET', `/keys/${made.body.key.id}`)).status).toBe(401);
      const rotatedBot = ApiClient.withBearer(kw.url, rotated.body.secret);
      expect((await rotatedBot.request('GET', `/keys/${made.body.key.id}`)).status).toBe(200);
      // The primary was never touched and still works.
      const primaryBot = ApiClient.withBearer(kw.url, manage.body.secrets.primary);
      expect((await primaryBot.request('GET', `/keys/${made.body.key.id}`)).status).toBe(200);
    });
    it('concurrent regenerations of one slot leave a consistent pair', async () => {
      const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
      const ins = await platform.request<{ id: string }>('POST', '/institutions', {
        name: 'Racing',
      });
      await platform.request('POST', `/institutions/${ins.body.id}/members`, {
        email: 'rita@example.test',
        name: 'Rita',
        role: 'admin',
        password: 'rita-password-123',
      });
      const rita = await ApiClient.login(kw.url, 'rita@example.test', 'rita-password-123');
      const created = await rita.request<Created>('POST', `/institutions/${ins.body.id}/keys`, {
        name: 'raced',
      });
      const keyId = created.body.key.id;
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          rita.request<{ secret: string }>('POST', `/keys/${keyId}/regenerate`, {
            slot: 'primary',
          }),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      for (const r of results) expect([200, 409]).toContain(r.status);
      // Every success retired exactly one secret; the live primary is one of the returned ones.
      const retired = await kw.running.store.keys.listRetired(keyId);
      expect(retired).toHaveLength(ok.length);
      const secrets = await rita.request<{ primary: string; secondary: string }>(
        'GET',
        `/keys/${keyId}/secrets`,
      );
      expect(ok.map((r) => r.body.secret)).toContain(secrets.body.primary);
      expect(secrets.body.secondary).toBe(created.body.secrets.secondary);
      const regenerations = (await kw.running.store.audit.scan(0, 10_000)).filter(
        (e) => e.action === 'key.regenerate' && e.target === keyId,
      );
      expect(regenerations).toHaveLength(ok.length);
    });
  });
});
