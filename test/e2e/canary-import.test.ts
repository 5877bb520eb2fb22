import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * The canary test for imported secrets: legacy-format values (no prefix to recognise them by)
 * sent through every door of the import route and the gateway never show up in an error body, a
 * log line or the database files.
 */

let upstream: TestUpstream;
let kw: TestKeyward;
let world: World;
const canaries = {
  primary: randomBytes(16).toString('hex'),
  secondary: randomBytes(32).toString('hex'),
};
const errorBodies: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
  kw = await startTestKeyward({
    config: {
      gateway: {
        profile: 'apim',
        routes: [
          { path: '/legacy', upstream: upstream.url, allowQueryKey: true },
          { path: '/strict', upstream: upstream.url },
        ],
      },
    },
  });
  world = await buildWorld(kw);
  const res = await world.adminA.request('POST', `/institutions/${world.insA}/keys/import`, {
    name: 'canary import',
    ...canaries,
  });
  expect(res.status, res.text).toBe(201);
  errorBodies.push(res.text); // not an error, but it must not carry the values either
});
afterAll(async () => {
  await kw?.stop();
  await upstream?.close();
});

/** Sends an imported value everywhere a careless server might echo, log or store it. */
async function abuse(secret: string, other: string): Promise<void> {
  const importPath = `/institutions/${world.insA}/keys/import`;
  const attempts = [
    // Already held: CONFLICT.
    world.adminA.request('POST', importPath, {
      name: 'again',
      primary: secret,
      secondary: randomBytes(16).toString('hex'),
    }),
    // Both slots the same, and a value of no accepted format.
    world.adminA.request('POST', importPath, { name: 'x', primary: secret, secondary: secret }),
    world.adminA.request('POST', importPath, {
      name: 'x',
      primary: secret.toUpperCase(),
      secondary: other,
    }),
    // Malformed JSON, an unknown field, a wrong type: each carrying the value.
    world.adminA.request('POST', importPath, `{"name": "x", "primary": "${secret}`),
    world.adminA.request('POST', importPath, {
      name: 'x',
      primary: secret,
      secondary: other,
      secret,
    }),
    world.adminA.request('POST', importPath, { name: secret, primary: [secret], secondary: other }),
    // As a manage-key bearer (it is a use key, and not of the Keyward format).
    ApiClient.withBearer(kw.url, secret).request('GET', '/institutions'),
    // In a path.
    world.adminA.request('GET', `/keys/${secret}`),
  ];
  for (const res of await Promise.all(attempts)) {
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    errorBodies.push(res.text);
  }
  // The gateway: a near miss, a query key where the route refuses it, and header + query.
  const gateway = [
    fetch(`${kw.gatewayUrl}/strict/a`, {
      headers: { 'ocp-apim-subscription-key': secret.toUpperCase() },
    }),
    fetch(`${kw.gatewayUrl}/strict/a?subscription-key=${secret}`),
    fetch(`${kw.gatewayUrl}/legacy/a?subscription-key=${secret}`, {
      headers: { 'ocp-apim-subscription-key': other },
    }),
  ];
  for (const res of await Promise.all(gateway)) {
    expect(res.status).toBe(401);
    errorBodies.push(await res.text());
  }
  // And one accepted request, so its log lines exist too.
  const ok = await fetch(`${kw.gatewayUrl}/legacy/b?subscription-key=${secret}`);
  expect(ok.status).toBe(200);
}

describe('an imported canary secret', () => {
  it('never appears in an error body, a log line or the database files', async () => {
    await abuse(canaries.primary, canaries.secondary);
    await abuse(canaries.secondary, canaries.primary);
    await kw.running.flushUsage();

    await kw.running.store.close().catch(() => {});
    const dbFiles = (await readdir(kw.dataDir)).filter((f) => f.startsWith('keyward.db'));
    expect(dbFiles).toContain('keyward.db');
    const db = Buffer.concat(await Promise.all(dbFiles.map((f) => readFile(join(kw.dataDir, f)))));
    expect(kw.logs.join('').length).toBeGreaterThan(1000);
    for (const secret of Object.values(canaries)) {
      for (const needle of [secret, secret.toUpperCase()]) {
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
  });
});
