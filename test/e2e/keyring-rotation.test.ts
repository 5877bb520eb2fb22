import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../../src/cli/test-admin-api.js';
import { localCommands } from '../../src/main/local-commands.js';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld } from '../support/world.js';

let running: TestKeyward | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await running?.stop({ keepData: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('keyward keyring rotate', () => {
  it('makes new versions current while secrets made before still verify and decrypt', async () => {
    const before = await startTestKeyward();
    running = before;
    dataDir = before.dataDir;
    const w = await buildWorld(before);
    const manage = await w.adminA.request<{ key: { id: string }; secrets: { primary: string } }>(
      'POST',
      `/institutions/${w.insA}/keys`,
      { name: 'automation-old', kind: 'manage' },
    );
    await before.stop({ keepData: true });
    running = undefined;

    const lines: string[] = [];
    const rotate = await runKeyward(
      ['keyring', 'rotate', '--data-dir', before.dataDir, '--json'],
      testIo(),
      localCommands((l) => lines.push(l)),
    );
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(JSON.parse(lines.join(''))).toMatchObject({ pepperVersion: 2, masterKeyId: '2' });

    const after = await startTestKeyward({ dataDir: before.dataDir });
    running = after;
    const admin = await ApiClient.login(after.url, 'admin-a@example.test', 'member-password-1234');
    // The old secrets still decrypt (master key 1) and still authenticate (pepper v1).
    const old = await admin.request<{ primary: string; secondary: string }>(
      'GET',
      `/keys/${w.keyA.id}/secrets`,
    );
    expect(old.body).toEqual({ primary: w.keyA.primary, secondary: w.keyA.secondary });
    const bot = ApiClient.withBearer(after.url, manage.body.secrets.primary);
    expect((await bot.request('GET', `/keys/${w.keyA.id}`)).status).toBe(200);
    // New secrets use the new versions.
    const regen = await admin.request<{ secret: string }>('POST', `/keys/${w.keyA.id}/regenerate`, {
      slot: 'secondary',
    });
    const [, secondary] = await after.running.store.keys.getSlots(w.keyA.id);
    expect(secondary).toMatchObject({ digestVersion: 2, sealed: { masterKeyId: '2' } });
    const now = await admin.request<{ primary: string; secondary: string }>(
      'GET',
      `/keys/${w.keyA.id}/secrets`,
    );
    expect(now.body).toEqual({ primary: w.keyA.primary, secondary: regen.body.secret });
  });
});
