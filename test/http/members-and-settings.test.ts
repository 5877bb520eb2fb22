import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld, MEMBER_PASSWORD, type World } from '../support/world.js';

let kw: TestKeyward;
let w: World;
beforeAll(async () => {
  kw = await startTestKeyward();
  w = await buildWorld(kw);
});
afterAll(async () => kw?.stop());

describe('members', () => {
  it('an institution keeps at least one admin', async () => {
    const demote = await w.adminA.request(
      'PATCH',
      `/institutions/${w.insA}/members/${w.adminAUserId}`,
      { role: 'operator' },
    );
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('CONFLICT');
    const remove = await w.adminA.request(
      'DELETE',
      `/institutions/${w.insA}/members/${w.adminAUserId}`,
    );
    expect(remove.status).toBe(409);
  });

  it('adding the same member twice is a conflict, and changes nothing', async () => {
    const res = await w.adminA.request('POST', `/institutions/${w.insA}/members`, {
      email: 'operator-a@example.test',
      name: 'Again',
      role: 'admin',
    });
    expect(res.status).toBe(409);
    const members = await w.adminA.request<{ members: { email: string; role: string }[] }>(
      'GET',
      `/institutions/${w.insA}/members`,
    );
    expect(members.body.members.find((m) => m.email === 'operator-a@example.test')?.role).toBe(
      'operator',
    );
  });

  it('a removed member loses access at once (404), a promoted one gains it', async () => {
    const added = await w.adminA.request<{ member: { userId: string } }>(
      'POST',
      `/institutions/${w.insA}/members`,
      {
        email: 'temp@example.test',
        name: 'Temp',
        role: 'operator',
        password: MEMBER_PASSWORD,
      },
    );
    const temp = await ApiClient.login(kw.url, 'temp@example.test', MEMBER_PASSWORD);
    expect(
      (await temp.request('POST', `/keys/${w.keyA.id}/regenerate`, { slot: 'secondary' })).status,
    ).toBe(403);
    const promoted = await w.adminA.request(
      'PATCH',
      `/institutions/${w.insA}/members/${added.body.member.userId}`,
      {
        role: 'admin',
      },
    );
    expect(promoted.body).toMatchObject({ role: 'admin', email: 'temp@example.test' });
    expect((await temp.request('GET', `/keys/${w.keyA.id}/secrets`)).status).toBe(200);
    expect(
      (
        await w.adminA.request(
          'DELETE',
          `/institutions/${w.insA}/members/${added.body.member.userId}`,
        )
      ).status,
    ).toBe(204);
    expect((await temp.request('GET', `/keys/${w.keyA.id}`)).status).toBe(404);
    expect(
      (await temp.request<{ institutions: unknown[] }>('GET', '/institutions')).body.institutions,
    ).toEqual([]);
  });
});

describe('institution settings', () => {
  it('operators view secrets only when the institution allows it, and the change is audited', async () => {
    expect((await w.operatorA.request('GET', `/keys/${w.keyA.id}/secrets`)).status).toBe(403);
    const allowed = await w.adminA.request<{ settings: { operatorsMayViewSecrets: boolean } }>(
      'PATCH',
      `/institutions/${w.insA}`,
      {
        settings: { operatorsMayViewSecrets: true },
      },
    );
    expect(allowed.body.settings.operatorsMayViewSecrets).toBe(true);
    const view = await w.operatorA.request('GET', `/keys/${w.keyA.id}/secrets`);
    expect(view.status).toBe(200);
    expect(view.body).toEqual({ primary: w.keyA.primary, secondary: w.keyA.secondary });
    await w.adminA.request('PATCH', `/institutions/${w.insA}`, {
      settings: { operatorsMayViewSecrets: false },
    });
    expect((await w.operatorA.request('GET', `/keys/${w.keyA.id}/secrets`)).status).toBe(403);
    const audit = await w.adminA.request<{ events: { action: string; actor: { id: string } }[] }>(
      'GET',
      `/institutions/${w.insA}/audit?limit=3`,
    );
    expect(audit.body.events.map((e) => e.action)).toEqual([
      'institution.update',
      'key.secrets.view',
      'institution.update',
    ]);
    expect(audit.body.events[1]?.actor.id).toBe(w.operatorAUserId);
  });

  it('only platform operators create institutions; members list only theirs', async () => {
    expect((await w.adminA.request('POST', '/institutions', { name: 'Nope' })).status).toBe(403);
    const mine = await w.adminA.request<{ institutions: { id: string }[] }>('GET', '/institutions');
    expect(mine.body.institutions.map((i) => i.id)).toEqual([w.insA]);
    const all = await w.platform.request<{ institutions: { id: string }[] }>(
      'GET',
      '/institutions',
    );
    expect(all.body.institutions.map((i) => i.id)).toEqual(
      expect.arrayContaining([w.insA, w.insB]),
    );
  });
});

describe('sessions', () => {
  it('sets an HttpOnly, SameSite=Strict cookie; logout ends the session', async () => {
    const res = await fetch(`${kw.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin-b@example.test', password: MEMBER_PASSWORD }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^keyward_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const client = await ApiClient.login(kw.url, 'admin-b@example.test', MEMBER_PASSWORD);
    expect((await client.request('POST', '/auth/logout')).status).toBe(204);
    expect((await client.request('GET', '/auth/me')).status).toBe(401);
  });

  it('changing the password ends the user’s other sessions', async () => {
    await w.platform.request('POST', `/institutions/${w.insB}/members`, {
      email: 'grace@example.test',
      name: 'Grace',
      role: 'operator',
      password: MEMBER_PASSWORD,
    });
    const laptop = await ApiClient.login(kw.url, 'grace@example.test', MEMBER_PASSWORD);
    const phone = await ApiClient.login(kw.url, 'grace@example.test', MEMBER_PASSWORD);
    const weak = await laptop.request('POST', '/auth/password', {
      currentPassword: MEMBER_PASSWORD,
      newPassword: 'short',
    });
    expect(weak.status).toBe(422);
    const wrong = await laptop.request('POST', '/auth/password', {
      currentPassword: 'not-the-password',
      newPassword: 'grace-new-password',
    });
    expect(wrong.status).toBe(401);
    expect(
      (
        await laptop.request('POST', '/auth/password', {
          currentPassword: MEMBER_PASSWORD,
          newPassword: 'grace-new-password',
        })
      ).status,
    ).toBe(204);
    expect((await laptop.request('GET', '/auth/me')).status).toBe(200);
    expect((await phone.request('GET', '/auth/me')).status).toBe(401);
    expect(
      (
        await new ApiClient(kw.url).request('POST', '/auth/login', {
          email: 'grace@example.test',
          password: MEMBER_PASSWORD,
        })
      ).status,
    ).toBe(401);
  });
});

describe('behind a TLS-terminating proxy', () => {
  it('marks the cookie Secure when a trusted proxy says the request came over https', async () => {
    const proxied = await startTestKeyward({
      config: { admin: { trustedProxies: ['127.0.0.1/32'] } },
    });
    try {
      const res = await fetch(`${proxied.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-proto': 'https',
          'x-forwarded-for': '198.51.100.7',
        },
        body: JSON.stringify({
          email: proxied.operator.email,
          password: proxied.operator.password,
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/Secure/);
      const events = await proxied.running.store.audit.scan(0, 100);
      expect(events.find((e) => e.action === 'auth.login.success')?.sourceIp).toBe('198.51.100.7');
    } finally {
      await proxied.stop();
    }
  });
});

describe('a deployment without viewable secrets', () => {
  it('shows secrets only once and refuses to view them later', async () => {
    const blind = await startTestKeyward({ config: { viewableSecrets: false } });
    try {
      const bw = await buildWorld(blind);
      const view = await bw.adminA.request('GET', `/keys/${bw.keyA.id}/secrets`);
      expect(view.status).toBe(403);
      expect(view.body.detail).toMatch(/regenerate/);
      const slots = await blind.running.store.keys.getSlots(bw.keyA.id);
      expect(slots.map((s) => s.sealed)).toEqual([null, null]);
    } finally {
      await blind.stop();
    }
  });
});
