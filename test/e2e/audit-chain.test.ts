import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { localCommands } from '../../src/main/local-commands.js';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildWorld } from '../support/world.js';

const started: TestKeyward[] = [];
async function freshKeyward(): Promise<TestKeyward> {
  const kw = await startTestKeyward();
  started.push(kw);
  await buildWorld(kw);
  return kw;
}
afterAll(async () => {
  for (const kw of started) await kw.stop();
});

async function cliVerify(dataDir: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await localCommands((l) => lines.push(l)).auditVerify({ dataDir, json: true });
  return { code, out: lines.join('\n') };
}

describe('the audit hash chain', () => {
  it('verifies, then detects a row edited directly in the database', async () => {
    const kw = await freshKeyward();
    const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
    const before = await platform.request<{ ok: boolean; checked: number }>('GET', '/audit/verify');
    expect(before.status).toBe(200);
    expect(before.body.ok).toBe(true);
    expect(before.body.checked).toBeGreaterThan(10);
    expect(await cliVerify(kw.dataDir)).toMatchObject({ code: 0 });

    // Someone with database access rewrites history: who created the first key.
    const db = new Database(join(kw.dataDir, 'keyward.db'));
    const row = db
      .prepare("select seq from audit_events where action = 'key.create' order by seq limit 1")
      .get() as {
      seq: number;
    };
    db.prepare("update audit_events set actor_id = 'usr_0000000000000000000000' where seq = ?").run(
      row.seq,
    );
    db.close();

    const after = await platform.request<{ ok: boolean; firstBrokenSeq: number }>(
      'GET',
      '/audit/verify',
    );
    expect(after.body).toMatchObject({ ok: false, firstBrokenSeq: row.seq });
    const cli = await cliVerify(kw.dataDir);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.out)).toMatchObject({ ok: false, firstBrokenSeq: row.seq });
  });

  it('detects a deleted row', async () => {
    const kw = await freshKeyward();
    const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
    const db = new Database(join(kw.dataDir, 'keyward.db'));
    const last = db.prepare('select max(seq) as seq from audit_events').get() as { seq: number };
    db.prepare('delete from audit_events where seq = ?').run(last.seq - 1);
    db.close();
    const res = await platform.request<{ ok: boolean; firstBrokenSeq: number }>(
      'GET',
      '/audit/verify',
    );
    expect(res.body).toMatchObject({ ok: false, firstBrokenSeq: last.seq - 1 });
  });
});
