import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../../src/cli/test-admin-api.js';
import { generateSecret } from '../../src/core/secret-format.js';
import { localCommands } from '../../src/main/local-commands.js';
import {
  type ApiClient,
  startTestKeyward,
  type TestKeyward,
  testStores,
} from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { buildWorld, type World } from '../support/world.js';

// Leak reports end to end: GitHub's signed partner payload (a test P-256 key in the config), the
// institution's leak policy, alert + webhook + audit, replay, tampering, batches, and the manage-
// key route for internal scanners.

const KEY_ID = 'test-github-key-1';

interface Feedback {
  token_raw: string;
  token_type: string;
  label: string;
}
type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };
type AuditEvents = { events: { action: string; target: string | null; details: unknown }[] };
type Alerts = {
  alerts: {
    type: string;
    severity: string;
    keyId: string | null;
    slot: string | null;
    evidence: Record<string, unknown>;
  }[];
};

describe.each(testStores())('leak reports on %s', (store) => {
  let kw: TestKeyward;
  let w: World;
  let upstream: TestUpstream;
  let receiver: WebhookReceiver;
  let privateKey: KeyObject;
  const leaked: string[] = [];

  beforeAll(async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateKey = pair.privateKey;
    upstream = await startUpstream();
    receiver = await startWebhookReceiver();
    kw = await startTestKeyward({
      store,
      config: {
        gateway: { routes: [{ path: '/api', upstream: upstream.url }] },
        leaks: {
          githubPublicKeys: {
            [KEY_ID]: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          },
        },
      },
    });
    w = await buildWorld(kw);
    const hook = await w.adminA.request<{ secret: string }>(
      'POST',
      `/institutions/${w.insA}/webhooks`,
      { url: receiver.url, events: ['alert.raised'] },
    );
    expect(hook.status, hook.text).toBe(201);
    receiver.acceptSecret(hook.body.secret);
  });
  afterAll(async () => {
    await kw?.stop();
    await upstream?.close();
    await receiver?.close();
  });

  async function newKey(admin: ApiClient, ins: string, name: string): Promise<Created> {
    const res = await admin.request<Created>('POST', `/institutions/${ins}/keys`, {
      name,
      allowedCidrs: ['0.0.0.0/0'],
    });
    expect(res.status, res.text).toBe(201);
    leaked.push(res.body.secrets.primary, res.body.secrets.secondary);
    return res.body;
  }

  function report(token: string, url = 'https://github.com/acme/app/blob/main/.env') {
    return { token, type: 'keyward_api_key', url, source: 'content' };
  }

  async function postGithub(
    body: string,
    headers: Record<string, string | null> = {},
  ): Promise<{ status: number; json: unknown; text: string }> {
    const signature = sign('sha256', Buffer.from(body), privateKey).toString('base64');
    const all: Record<string, string | null> = {
      'content-type': 'application/json',
      'github-public-key-identifier': KEY_ID,
      'github-public-key-signature': signature,
      ...headers,
    };
    const res = await fetch(`${kw.url}/api/v1/leaks/github`, {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries(all).filter((e): e is [string, string] => e[1] !== null),
      ),
      body,
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, json, text };
  }

  const gateway = (secret: string) =>
    fetch(`${kw.gatewayUrl}/api/ping`, { headers: { 'x-api-key': secret } });

  async function auditOf(ins: string, keyId: string) {
    const res = await w.adminA.request<AuditEvents>('GET', `/institutions/${ins}/audit?limit=100`);
    expect(res.status, res.text).toBe(200);
    return res.body.events.filter((e) => e.target === keyId);
  }

  async function setPolicy(policy: string) {
    const res = await w.adminA.request('PATCH', `/institutions/${w.insA}`, {
      settings: { leakPolicy: policy },
    });
    expect(res.status, res.text).toBe(200);
  }

  it('regenerates only the leaked slot; the other still passes; alert, webhook and audit', async () => {
    await setPolicy('regenerate-slot');
    const key = await newKey(w.adminA, w.insA, 'leaky');
    type KeyView = { slots: Record<string, { hint: string }> };
    const before = await w.adminA.request<KeyView>('GET', `/keys/${key.key.id}`);
    const body = JSON.stringify([report(key.secrets.secondary)]);
    const res = await postGithub(body);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual([
      { token_raw: key.secrets.secondary, token_type: 'keyward_api_key', label: 'true_positive' },
    ]);
    expect((await gateway(key.secrets.primary)).status).toBe(200);
    expect((await gateway(key.secrets.secondary)).status).toBe(401);
    const after = await w.adminA.request<KeyView>('GET', `/keys/${key.key.id}`);
    const hint = (r: typeof after, s: string) => r.body.slots[s]?.hint;
    expect(hint(before, 'secondary')).toBeTruthy();
    expect(hint(after, 'primary')).toBe(hint(before, 'primary'));
    expect(hint(after, 'secondary')).not.toBe(hint(before, 'secondary'));

    const alerts = await w.adminA.request<Alerts>('GET', `/institutions/${w.insA}/alerts`);
    const alert = alerts.body.alerts.find(
      (a) => a.type === 'SECRET_LEAKED' && a.keyId === key.key.id,
    );
    expect(alert).toMatchObject({
      severity: 'critical',
      slot: 'secondary',
      evidence: {
        url: 'https://github.com/acme/app/blob/main/.env',
        source: 'content',
        action: 'slot regenerated',
      },
    });
    const events = await auditOf(w.insA, key.key.id);
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['key.leak', 'key.regenerate']),
    );
    expect(events.find((e) => e.action === 'key.regenerate')?.details).toMatchObject({
      slot: 'secondary',
      reason: 'leaked',
    });
    await kw.running.deliverWebhooksNow();
    await receiver.waitFor(1, 5_000);
    const delivery = receiver.received.find(
      (r) => r.body.includes('SECRET_LEAKED') && r.body.includes(key.key.id),
    );
    expect(delivery?.verdict).toMatchObject({ ok: true });

    // Replay (the same signed body): answered the same, nothing changes.
    const replay = await postGithub(body);
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(res.json);
    const again = await w.adminA.request<KeyView>('GET', `/keys/${key.key.id}`);
    expect(again.body.slots).toEqual(after.body.slots);
    expect(await auditOf(w.insA, key.key.id)).toHaveLength(events.length);
  });

  it('refuses a tampered body, an unknown key id and a missing signature (401), changing nothing', async () => {
    const key = await newKey(w.adminA, w.insA, 'tamper');
    const body = JSON.stringify([report(key.secrets.primary)]);
    const signature = sign('sha256', Buffer.from(body), privateKey).toString('base64');
    const tampered = body.replace('content', 'commits');
    const cases = [
      await postGithub(tampered, { 'github-public-key-signature': signature }),
      await postGithub(body, { 'github-public-key-identifier': 'unknown-key' }),
      await postGithub(body, { 'github-public-key-identifier': null }),
      await postGithub(body, { 'github-public-key-signature': null }),
      await postGithub(body, { 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' }),
    ];
    for (const res of cases) {
      expect(res.status, res.text).toBe(401);
      expect(res.json).toMatchObject({ code: 'LEAK_SIGNATURE_INVALID' });
    }
    expect((await gateway(key.secrets.primary)).status).toBe(200);
    expect((await auditOf(w.insA, key.key.id)).map((e) => e.action)).toEqual(['key.create']);
  });

  it('answers false_positive for malformed and unknown tokens; 400 on a bad body', async () => {
    const unknown = generateSecret('kw_live');
    const res = await postGithub(JSON.stringify([report('not-a-secret'), report(unknown)]));
    expect(res.status, res.text).toBe(200);
    expect((res.json as Feedback[]).map((f) => f.label)).toEqual([
      'false_positive',
      'false_positive',
    ]);
    expect((await postGithub(JSON.stringify([{ token: 'x' }]))).status).toBe(400);
    expect((await postGithub(JSON.stringify({ token: 'x' }))).status).toBe(400);
    expect((await postGithub('[{')).status).toBe(400);
    const charset = await postGithub(JSON.stringify([report(unknown)]), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(charset.status, charset.text).toBe(200);
  });

  it('answers a batch of 1,000 tokens well within 10 s', async () => {
    const key = await newKey(w.adminA, w.insA, 'batch');
    const items = Array.from({ length: 999 }, () => report(generateSecret('kw_live')));
    items.push(report(key.secrets.primary));
    const started = performance.now();
    const res = await postGithub(JSON.stringify(items));
    const ms = performance.now() - started;
    console.log(`leak report of 1,000 tokens (${store}): ${ms.toFixed(0)} ms`);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const labels = (res.json as Feedback[]).map((f) => f.label);
    expect(labels).toHaveLength(1000);
    expect(labels.filter((l) => l === 'true_positive')).toHaveLength(1);
    expect(labels[999]).toBe('true_positive');
    expect(ms).toBeLessThan(10_000);
    expect((await gateway(key.secrets.secondary)).status).toBe(200);
  });

  it('suspend-key suspends the key; notify only alerts', async () => {
    await setPolicy('suspend-key');
    const a = await newKey(w.adminA, w.insA, 'suspend-me');
    let res = await postGithub(JSON.stringify([report(a.secrets.primary)]));
    expect((res.json as Feedback[])[0]?.label).toBe('true_positive');
    const got = await w.adminA.request<{ state: string }>('GET', `/keys/${a.key.id}`);
    expect(got.body.state).toBe('suspended');
    expect((await gateway(a.secrets.secondary)).status).not.toBe(200);
    const suspendEvents = (await auditOf(w.insA, a.key.id)).map((e) => e.action);
    expect(suspendEvents).toEqual(expect.arrayContaining(['key.suspend', 'key.leak']));
    // Replay: no second suspension or leak event.
    await postGithub(JSON.stringify([report(a.secrets.primary)]));
    expect(await auditOf(w.insA, a.key.id)).toHaveLength(suspendEvents.length);

    await setPolicy('notify');
    const b = await newKey(w.adminA, w.insA, 'notify-me');
    res = await postGithub(JSON.stringify([report(b.secrets.secondary)]));
    expect((res.json as Feedback[])[0]?.label).toBe('true_positive');
    expect((await gateway(b.secrets.secondary)).status).toBe(200);
    const notifyEvents = (await auditOf(w.insA, b.key.id)).map((e) => e.action);
    expect(notifyEvents.sort()).toEqual(['key.create', 'key.leak']);
    await postGithub(JSON.stringify([report(b.secrets.secondary)]));
    expect(await auditOf(w.insA, b.key.id)).toHaveLength(notifyEvents.length);
    const alerts = await w.adminA.request<Alerts>('GET', `/institutions/${w.insA}/alerts`);
    expect(
      alerts.body.alerts.find((x) => x.type === 'SECRET_LEAKED' && x.keyId === b.key.id),
    ).toMatchObject({ severity: 'critical', evidence: { action: 'notified' } });
    await setPolicy('regenerate-slot');
  });

  it('the manage-key route acts only on its own institution', async () => {
    const mine = await newKey(w.adminA, w.insA, 'internal-a');
    const admin = w.adminB;
    const theirs = await newKey(admin, w.insB, 'internal-b');
    const body = [report(mine.secrets.secondary), report(theirs.secrets.secondary)];
    const res = await w.manageA.request<Feedback[]>('POST', '/leaks/report', body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.map((f) => f.label)).toEqual(['true_positive', 'false_positive']);
    expect((await gateway(mine.secrets.secondary)).status).toBe(401);
    expect((await gateway(mine.secrets.primary)).status).toBe(200);
    expect((await gateway(theirs.secrets.secondary)).status).toBe(200);
    // A user session is refused: the route is for scanners holding a manage key.
    expect((await w.adminA.request('POST', '/leaks/report', body)).status).toBe(403);
    // The GitHub route does not take a manage key instead of a signature.
    const unsigned = await w.manageA.request('POST', '/leaks/github', body);
    expect(unsigned.status).toBe(401);
    expect((await gateway(theirs.secrets.secondary)).status).toBe(200);
  });

  it('a leaked secret in its grace window stops at once; the new secret of the slot keeps working', async () => {
    await setPolicy('regenerate-slot');
    const key = await newKey(w.adminA, w.insA, 'retiring');
    const regen = await w.adminA.request<{ secret: string }>(
      'POST',
      `/keys/${key.key.id}/regenerate`,
      { slot: 'secondary', graceSeconds: 3600 },
    );
    expect(regen.status, regen.text).toBe(200);
    leaked.push(regen.body.secret);
    expect((await gateway(key.secrets.secondary)).status).toBe(200);
    const body = JSON.stringify([report(key.secrets.secondary)]);
    const res = await postGithub(body);
    expect((res.json as Feedback[])[0]?.label).toBe('true_positive');
    expect((await gateway(key.secrets.secondary)).status).toBe(401);
    expect((await gateway(regen.body.secret)).status).toBe(200);
    expect((await gateway(key.secrets.primary)).status).toBe(200);
    const alerts = await w.adminA.request<Alerts>('GET', `/institutions/${w.insA}/alerts`);
    expect(
      alerts.body.alerts.find((a) => a.type === 'SECRET_LEAKED' && a.keyId === key.key.id),
    ).toMatchObject({ slot: 'secondary', evidence: { action: 'grace window ended' } });
    const events = await auditOf(w.insA, key.key.id);
    expect(events.filter((e) => e.action === 'key.leak')).toHaveLength(1);
    // Replay: the secret is retired for good now; nothing more happens.
    await postGithub(body);
    expect(await auditOf(w.insA, key.key.id)).toHaveLength(events.length);
  });

  it('checks whether secrets are live, telling each caller only what it may see', async () => {
    type Check = {
      results: {
        fingerprint: string;
        status: string;
        institution?: { id: string; name: string };
        key?: { id: string; name: string; state: string };
        slot?: string;
        until?: string;
        retiredAt?: string;
      }[];
    };
    const live = await newKey(w.adminA, w.insA, 'check-live');
    const suspended = await newKey(w.adminA, w.insA, 'check-suspended');
    expect(
      (await w.adminA.request('PATCH', `/keys/${suspended.key.id}`, { state: 'suspended' })).status,
    ).toBe(200);
    const retiring = await w.adminA.request<{ secret: string }>(
      'POST',
      `/keys/${live.key.id}/regenerate`,
      { slot: 'secondary', graceSeconds: 600 },
    );
    expect(retiring.status, retiring.text).toBe(200);
    leaked.push(retiring.body.secret);
    const gone = await newKey(w.adminA, w.insA, 'check-deleted');
    expect((await w.adminA.request('DELETE', `/keys/${gone.key.id}`)).status).toBe(204);
    const theirs = await newKey(w.adminB, w.insB, 'check-theirs');
    const secrets = [
      live.secrets.primary,
      live.secrets.secondary,
      suspended.secrets.primary,
      gone.secrets.primary,
      generateSecret('kw_live'),
      theirs.secrets.primary,
      'not-a-secret',
    ];
    const res = await w.adminA.request<Check>('POST', '/leaks/check', { secrets });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const secret of secrets) expect(res.text).not.toContain(secret);
    const insA = { id: w.insA, name: expect.any(String) };
    expect(res.body.results).toEqual([
      {
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        status: 'live',
        institution: insA,
        key: { id: live.key.id, name: 'check-live', state: 'active' },
        slot: 'primary',
      },
      {
        fingerprint: expect.any(String),
        status: 'retiring',
        institution: insA,
        key: { id: live.key.id, name: 'check-live', state: 'active' },
        slot: 'secondary',
        until: expect.any(String),
      },
      {
        fingerprint: expect.any(String),
        status: 'inactive',
        institution: insA,
        key: { id: suspended.key.id, name: 'check-suspended', state: 'suspended' },
        slot: 'primary',
      },
      {
        fingerprint: expect.any(String),
        status: 'retired',
        institution: insA,
        key: { id: gone.key.id, name: 'check-deleted', state: 'cancelled' },
        slot: 'primary',
        retiredAt: expect.any(String),
      },
      { fingerprint: expect.any(String), status: 'unknown' },
      // Another institution's live secret: what its gateway would say, nothing more.
      { fingerprint: expect.any(String), status: 'live' },
      { fingerprint: expect.any(String), status: 'unknown' },
    ]);
    const manage = await w.manageA.request<Check>('POST', '/leaks/check', { secrets });
    expect(manage.body).toEqual(res.body);
    // Institution B's admin: A's retiring reads as live and the deleted one as unknown.
    const outsider = await w.adminB.request<Check>('POST', '/leaks/check', { secrets });
    expect(outsider.body.results.map((r) => r.status)).toEqual([
      'live',
      'live',
      'inactive',
      'unknown',
      'unknown',
      'live',
      'unknown',
    ]);
    expect(outsider.body.results.slice(0, 5).every((r) => r.key === undefined)).toBe(true);
    expect(outsider.body.results[5]).toMatchObject({ key: { name: 'check-theirs' } });
    // Platform operators see the institution, not the key.
    const platform = await w.platform.request<Check>('POST', '/leaks/check', { secrets });
    expect(platform.body.results[0]).toEqual({
      fingerprint: expect.any(String),
      status: 'live',
      institution: insA,
    });
    // Checking changes nothing; bad bodies are refused.
    expect((await gateway(live.secrets.primary)).status).toBe(200);
    expect((await w.adminA.request('POST', '/leaks/check', { secrets: [] })).status).toBe(400);
    expect((await w.adminA.request('POST', '/leaks/check', [live.secrets.primary])).status).toBe(
      400,
    );
    const tooMany = Array.from({ length: 1001 }, () => 'x');
    expect((await w.adminA.request('POST', '/leaks/check', { secrets: tooMany })).status).toBe(400);
    const anonymous = await fetch(`${kw.url}/api/v1/leaks/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secrets }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('keyward scan --verify asks the server and reports whose each secret is, never printing one', async () => {
    const live = await newKey(w.adminA, w.insA, 'scan-live');
    const gone = await newKey(w.adminA, w.insA, 'scan-deleted');
    expect((await w.adminA.request('DELETE', `/keys/${gone.key.id}`)).status).toBe(204);
    const theirs = await newKey(w.adminB, w.insB, 'scan-theirs');
    const manage = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, {
      name: 'scanner',
      kind: 'manage',
    });
    expect(manage.status, manage.text).toBe(201);
    leaked.push(manage.body.secrets.primary, manage.body.secrets.secondary);
    const stranger = generateSecret('kw_live');
    const dir = await mkdtemp(join(tmpdir(), 'keyward-verify-'));
    try {
      await writeFile(
        join(dir, 'a.env'),
        `KEY=${live.secrets.secondary}\nOLD=${gone.secrets.primary}\n`,
      );
      await writeFile(join(dir, 'b.ts'), `x('${theirs.secrets.primary}', '${stranger}');\n`);
      await writeFile(join(dir, 'c.ts'), `again('${live.secrets.secondary}');\n`);
      const scan = async (args: string[], env: Record<string, string>) => {
        const r = await runKeyward(
          ['scan', dir, '--prefix', 'kw_live', ...args],
          testIo({ env }),
          localCommands(() => {}),
        );
        for (const secret of [...leaked, stranger]) {
          expect(r.stdout + r.stderr).not.toContain(secret);
        }
        return r;
      };
      const token = { KEYWARD_TOKEN: manage.body.secrets.primary };
      const json = await scan(['--verify', '--url', kw.url, '--json'], token);
      expect(json.code, json.stderr).toBe(1);
      type Finding = { file: string; verification?: { status: string; key?: { name: string } } };
      const findings = (JSON.parse(json.stdout) as { findings: Finding[] }).findings;
      const byFile = findings
        .map((f) => [
          f.file.replace(/^.*\//, ''),
          f.verification?.status,
          f.verification?.key?.name,
        ])
        .sort((a, b) => String(a).localeCompare(String(b)));
      expect(byFile).toEqual([
        ['a.env', 'live', 'scan-live'],
        ['a.env', 'retired', 'scan-deleted'],
        ['b.ts', 'live', undefined],
        ['b.ts', 'unknown', undefined],
        ['c.ts', 'live', 'scan-live'],
      ]);
      const table = await scan(['--url', kw.url], token);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/STATUS\s+KEY/);
      expect(table.stdout).toMatch(/live\s+scan-live \(key_\w+\) secondary in /);
      expect(table.stderr).toContain('2 of them still work or can be reactivated');
      const sarif = await scan(['--verify', '--url', kw.url, '--sarif'], token);
      expect(sarif.stdout).toContain('"status": "retired"');
      // Refused before anything is sent: no credentials, or a cleartext remote server.
      const anonymous = await scan(['--verify', '--url', kw.url], {});
      expect(anonymous.code).toBe(2);
      expect(anonymous.stderr).toContain('keyward login');
      const cleartext = await scan(['--verify', '--url', 'http://keyward.example.test'], token);
      expect(cleartext.code).toBe(2);
      expect(cleartext.stderr).toContain('use https');
      const revoked = await scan(['--verify', '--url', kw.url], {
        KEYWARD_TOKEN: generateSecret('kw_live'),
      });
      expect(revoked.code).toBe(2);
      expect(revoked.stderr).toContain('refused /api/v1/leaks/check');
      expect(revoked.stderr).toContain('KEYWARD_TOKEN');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keyward scan --report has the leak policy act on the secrets of its own institution', async () => {
    await setPolicy('regenerate-slot');
    const mine = await newKey(w.adminA, w.insA, 'scan-report');
    const theirs = await newKey(w.adminB, w.insB, 'scan-report-theirs');
    const manage = await w.adminA.request<Created>('POST', `/institutions/${w.insA}/keys`, {
      name: 'reporter',
      kind: 'manage',
    });
    leaked.push(manage.body.secrets.primary, manage.body.secrets.secondary);
    const dir = await mkdtemp(join(tmpdir(), 'keyward-report-'));
    try {
      await writeFile(
        join(dir, 'deploy.sh'),
        `# deploy\ncurl -H "x-api-key: ${mine.secrets.secondary}" \\\n  -H "x-other: ${theirs.secrets.primary}"\n`,
      );
      const run = (args: string[], env: Record<string, string>) =>
        runKeyward(
          ['scan', dir, '--prefix', 'kw_live', '--url', kw.url, ...args],
          testIo({ env }),
          localCommands(() => {}),
        );
      // A signed-in user is not a scanner: the manage key is required, checked before sending.
      const session = await run(['--report'], {});
      expect(session.code).toBe(2);
      expect(session.stderr).toContain('--report needs a manage key');
      expect((await gateway(mine.secrets.secondary)).status).toBe(200);

      const r = await run(['--report', '--verify', '--json'], {
        KEYWARD_TOKEN: manage.body.secrets.primary,
      });
      expect(r.code, r.stderr).toBe(1);
      for (const secret of leaked) expect(r.stdout + r.stderr).not.toContain(secret);
      type Finding = { line: number; report?: string; verification?: { status: string } };
      const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
      expect(findings.map((f) => [f.line, f.report, f.verification?.status])).toEqual([
        [2, 'handled', 'retired'],
        [3, 'not-ours', 'live'],
      ]);
      expect(r.stderr).toContain('1 belonged to your institution');
      expect((await gateway(mine.secrets.secondary)).status).toBe(401);
      expect((await gateway(mine.secrets.primary)).status).toBe(200);
      expect((await gateway(theirs.secrets.primary)).status).toBe(200);
      const alerts = await w.adminA.request<Alerts>('GET', `/institutions/${w.insA}/alerts`);
      expect(
        alerts.body.alerts.find((a) => a.type === 'SECRET_LEAKED' && a.keyId === mine.key.id),
      ).toMatchObject({
        slot: 'secondary',
        evidence: { url: `${dir}/deploy.sh:2`, source: 'keyward scan', action: 'slot regenerated' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never logs a reported token', async () => {
    for (const secret of leaked) expect(kw.logs.join('\n')).not.toContain(secret);
  });
});
