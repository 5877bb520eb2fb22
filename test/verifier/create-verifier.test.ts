import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/core/secret-format.js';
import { createVerifier, type EmbeddedVerifier } from '../../src/index.js';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld, type World } from '../support/world.js';

/**
 * The embedded verifier in "another process": its own store connection and keyring load over the
 * data directory of a running server, whose keys are made through the real admin API.
 */

let kw: TestKeyward;
let w: World;
let embedded: EmbeddedVerifier;

beforeAll(async () => {
  kw = await startTestKeyward();
  w = await buildWorld(kw);
  embedded = await createVerifier({ dataDir: kw.dataDir });
});
afterAll(async () => {
  await embedded?.close();
  await kw?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function newKey(body: Record<string, unknown> = {}) {
  const res = await w.adminA.request<{
    key: { id: string };
    secrets: { primary: string; secondary: string };
  }>('POST', `/institutions/${w.insA}/keys`, { name: 'embedded', ...body });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.key.id, ...res.body.secrets };
}

describe('createVerifier', () => {
  it('verifies both secrets of a key made through the admin API', async () => {
    const primary = await embedded.verify({ secret: w.keyA.primary });
    const secondary = await embedded.verify({ secret: w.keyA.secondary });
    expect(primary).toMatchObject({
      valid: true,
      key: { id: w.keyA.id, institutionId: w.insA },
      slot: { slot: 'primary' },
    });
    expect(secondary).toMatchObject({ valid: true, slot: { slot: 'secondary' } });
  });

  it('gives the same refusals as the gateway hot path', async () => {
    const restricted = await newKey({ scopes: ['messages'], allowedCidrs: ['10.0.0.0/8'] });
    expect(await embedded.verify({ secret: generateSecret('kw_live') })).toEqual({
      valid: false,
      code: 'NOT_FOUND',
    });
    expect(await embedded.verify({ secret: `${w.keyA.primary}x` })).toEqual({
      valid: false,
      code: 'MALFORMED',
    });
    expect(
      await embedded.verify({ secret: restricted.primary, scope: 'billing', clientIp: '10.0.0.1' }),
    ).toMatchObject({ code: 'FORBIDDEN_SCOPE' });
    expect(
      await embedded.verify({
        secret: restricted.primary,
        scope: 'messages',
        clientIp: '192.0.2.1',
      }),
    ).toMatchObject({ code: 'IP_NOT_ALLOWED' });
    expect(
      (
        await embedded.verify({
          secret: restricted.primary,
          scope: 'messages',
          clientIp: '10.9.9.9',
        })
      ).valid,
    ).toBe(true);
  });

  it('sees a regenerate and a suspension made by the server within its 1 s positive TTL', async () => {
    const key = await newKey();
    const other = await newKey();
    expect((await embedded.verify({ secret: key.primary })).valid).toBe(true);
    expect((await embedded.verify({ secret: other.primary })).valid).toBe(true);
    const regenerated = await w.adminA.request<{ secret: string }>(
      'POST',
      `/keys/${key.id}/regenerate`,
      { slot: 'primary', force: true },
    );
    expect(regenerated.status, regenerated.text).toBe(200);
    const suspended = await w.adminA.request('PATCH', `/keys/${other.id}`, { state: 'suspended' });
    expect(suspended.status, suspended.text).toBe(200);
    // A secret this process never saw is read from the store at once.
    expect(await embedded.verify({ secret: regenerated.body.secret })).toMatchObject({
      valid: true,
      slot: { slot: 'primary' },
    });
    await sleep(1_100);
    expect(await embedded.verify({ secret: key.primary })).toMatchObject({
      valid: false,
      code: 'RETIRED',
    });
    expect((await embedded.verify({ secret: key.secondary })).valid).toBe(true);
    expect(await embedded.verify({ secret: other.primary })).toMatchObject({ code: 'SUSPENDED' });
  });

  it('uses the configured secret prefix: secrets of another prefix are MALFORMED', async () => {
    const other = await createVerifier({ dataDir: kw.dataDir, secretPrefix: 'kw_test' });
    try {
      expect(await other.verify({ secret: w.keyA.primary })).toMatchObject({ code: 'MALFORMED' });
    } finally {
      await other.close();
    }
  });

  it('refuses to start without the server keyring or database, and creates neither', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'keyward-embedded-'));
    try {
      await expect(createVerifier({ dataDir: empty })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
      expect(existsSync(join(empty, 'keyring.json'))).toBe(false);
      await expect(
        createVerifier({ dataDir: kw.dataDir, sqliteFile: join(empty, 'missing.db') }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      expect(existsSync(join(empty, 'missing.db'))).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('close() is idempotent; a closed verifier fails closed', async () => {
    const second = await createVerifier({ dataDir: kw.dataDir });
    expect((await second.verify({ secret: w.keyA.primary })).valid).toBe(true);
    await second.close();
    await second.close();
    await expect(second.verify({ secret: w.keyA.secondary })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
