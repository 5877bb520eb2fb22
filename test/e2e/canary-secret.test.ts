import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld, type World } from '../support/world.js';

let kw: TestKeyward;
let world: World;
let canaries: string[];
const errorBodies: string[] = [];

beforeAll(async () => {
  kw = await startTestKeyward();
  world = await buildWorld(kw);
  const created = await world.adminA.request<{ secrets: { primary: string; secondary: string } }>(
    'POST',
    `/institutions/${world.insA}/keys`,
    { name: 'canary' },
  );
  canaries = [created.body.secrets.primary, created.body.secrets.secondary];
});
afterAll(async () => kw?.stop());

/** Sends the canary everywhere a careless server might echo, log or store it. */
async function abuse(secret: string): Promise<void> {
  const anon = new ApiClient(kw.url);
  const attempts = [
    // A use key is not a manage key: refused as bearer.
    ApiClient.withBearer(kw.url, secret).request('GET', '/institutions'),
    // Malformed JSON containing the secret.
    world.adminA.request('POST', `/institutions/${world.insA}/keys`, `{"name": "${secret}`),
    // Unknown field carrying the secret.
    world.adminA.request('POST', `/institutions/${world.insA}/keys`, { name: 'x', secret }),
    // Wrong type carrying the secret.
    world.adminA.request('POST', `/keys/${world.keyA.id}/regenerate`, { slot: secret }),
    // Invalid CIDR carrying the secret (semantic validation).
    world.adminA.request('PATCH', `/keys/${world.keyA.id}`, {
      allowedCidrs: [secret.slice(0, 60)],
    }),
    // The secret as a password and as an email.
    anon.request('POST', '/auth/login', { email: 'admin-a@example.test', password: secret }),
    // The secret as a malformed bearer header.
    anon.request('GET', '/institutions', undefined, { authorization: `Token ${secret}` }),
    // The secret in a path (what a careless client might do).
    world.adminA.request('GET', `/keys/${secret}`),
  ];
  for (const res of await Promise.all(attempts)) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    errorBodies.push(res.text);
  }
}

describe('a canary secret', () => {
  it('never appears in an error body, a log line or the database files', async () => {
    for (const secret of canaries) await abuse(secret);
    // Viewing secrets is the one place they are shown: do it, so the log of that request exists too.
    const view = await world.adminA.request('GET', `/keys/${world.keyA.id}/secrets`);
    expect(view.status).toBe(200);
    const viewed = [world.keyA.primary, world.keyA.secondary];

    await kw.running.store.close().catch(() => {});
    const dbFiles = (await readdir(kw.dataDir)).filter((f) => f.startsWith('keyward.db'));
    expect(dbFiles).toContain('keyward.db');
    const db = Buffer.concat(await Promise.all(dbFiles.map((f) => readFile(join(kw.dataDir, f)))));
    const logs = kw.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [...canaries, ...viewed]) {
      const body = secret.slice(secret.lastIndexOf('_') + 1);
      for (const needle of [secret, body]) {
        expect(db.includes(Buffer.from(needle)), 'database').toBe(false);
        expect(db.includes(Buffer.from(needle, 'utf16le')), 'database (utf16)').toBe(false);
        expect(
          kw.logs.filter((l) => l.includes(needle)),
          'logs',
        ).toEqual([]);
        for (const text of errorBodies)
          expect(text.includes(needle), `error body ${text}`).toBe(false);
      }
    }
    // Passwords are not logged either.
    expect(logs).not.toContain('member-password-1234');
  });
});
