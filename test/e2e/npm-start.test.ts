import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/sql/sqlite-store.js';
import { ApiClient } from '../support/harness.js';
import { startUpstream } from '../support/upstream.js';

/** `npm start` for real: builds, starts the binary on SQLite, prints the URL and credentials. */

const children: ChildProcess[] = [];
let dataDir: string;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_ADMIN_PORT: '0',
  };
  for (const name of [
    'KEYWARD_DATABASE_URL',
    'KEYWARD_ADMIN_PASSWORD',
    'KEYWARD_ADMIN_EMAIL',
    'KEYWARD_CONFIG',
  ]) {
    delete env[name];
  }
  return env;
}

/** Runs `npm start` until its banner is complete; returns what it printed. */
function start(
  waitFor: RegExp,
  command: [string, ...string[]] = ['npm', 'start'],
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<{ child: ChildProcess; output: () => string }> {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd: process.cwd(), env, detached: true });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command.join(' ')} did not print ${waitFor}:\n${out}`)),
      150_000,
    );
    const check = () => {
      if (waitFor.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** SIGTERM to the process group (npm and the server); resolves when npm has exited. */
function stop(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve(true));
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  });
}

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid)
      process.kill(-child.pid, 'SIGKILL');
  }
  if (dataDir) await rm(dirname(dataDir), { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts on SQLite, prints the admin URL and the bootstrap credentials once', async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'keyward-start-')), 'keyward-data');
    const first = await start(/password: +\S+/);
    const text = first.output();
    const url = /Keyward admin API and console: (http:\/\/\S+)/.exec(text)?.[1];
    const email = /email: +(\S+)/.exec(text)?.[1];
    const password = /password: +(\S+)/.exec(text)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(email).toBe('admin@keyward.local');
    expect(text).toContain(`SQLite ${join(dataDir, 'keyward.db')}`);

    const operator = await ApiClient.login(url as string, email as string, password as string);
    const me = await operator.request<{ user: { platformOperator: boolean } }>('GET', '/auth/me');
    expect(me.body.user.platformOperator).toBe(true);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'keyring.json'))).mode & 0o777).toBe(0o600);
    expect(await stop(first.child)).toBe(true);
    await expect(fetch(`${url}/api/v1/openapi.json`)).rejects.toThrow();

    // A second start reuses the data: no new operator, no password printed.
    const second = await start(/OpenAPI: \S+\n/);
    expect(second.output()).not.toMatch(/password:/);
    expect(await stop(second.child)).toBe(true);
  }, 300_000);

  it('SIGTERM under load: every answered request is in the store, and the dropped figure is reported', async () => {
    // The binary built by `npm start` above, with usage flushed only at shutdown.
    const upstream = await startUpstream();
    const dir = await mkdtemp(join(tmpdir(), 'keyward-sigterm-'));
    try {
      const configFile = join(dir, 'keyward.config.json');
      await writeFile(
        configFile,
        JSON.stringify({
          gateway: { routes: [{ path: '/api', upstream: upstream.url }] },
          usage: { flushIntervalMs: 60_000, rawEvents: 'all' },
        }),
      );
      const env = {
        ...childEnv(),
        KEYWARD_DATA_DIR: join(dir, 'data'),
        KEYWARD_GATEWAY_PORT: '0',
        KEYWARD_CONFIG: configFile,
        KEYWARD_ADMIN_PASSWORD: 'operator-password-sigterm',
      };
      const served = await start(
        /Keyward gateway: \S+/,
        ['node', 'dist/main/cli.js', 'serve'],
        env,
      );
      const text = served.output();
      const adminUrl = /Keyward admin API and console: (\S+)/.exec(text)?.[1] as string;
      const gatewayUrl = /Keyward gateway: (\S+)/.exec(text)?.[1] as string;
      const operator = await ApiClient.login(
        adminUrl,
        'admin@keyward.local',
        'operator-password-sigterm',
      );
      const ins = await operator.request<{ id: string }>('POST', '/institutions', { name: 'Load' });
      const member = { email: 'load-admin@example.test', name: 'Load admin', role: 'admin' };
      const password = 'load-admin-password-1234';
      await operator.request('POST', `/institutions/${ins.body.id}/members`, {
        ...member,
        password,
      });
      const admin = await ApiClient.login(adminUrl, member.email, password);
      const key = await admin.request<{ key: { id: string }; secrets: { primary: string } }>(
        'POST',
        `/institutions/${ins.body.id}/keys`,
        { name: 'load' },
      );
      expect(key.status, key.text).toBe(201);

      // 20 clients in a loop; SIGTERM once 600 answers are in.
      let answered = 0;
      let stopping: Promise<boolean> | null = null;
      const client = async () => {
        while (true) {
          try {
            const res = await fetch(`${gatewayUrl}/api/x`, {
              headers: { 'x-api-key': key.body.secrets.primary },
            });
            await res.arrayBuffer();
            if (res.status === 200) answered += 1;
          } catch (err) {
            if (stopping === null) throw err; // before SIGTERM every request must be answered
            return; // the server is gone
          }
          if (answered >= 600 && stopping === null) stopping = stop(served.child);
        }
      };
      await Promise.all(Array.from({ length: 20 }, client));
      expect(await stopping).toBe(true);

      const report = served
        .output()
        .split('\n')
        .filter((line) => line.includes('usage written on shutdown'))
        .map((line) => JSON.parse(line) as { usage: { dropped: number } });
      expect(report).toHaveLength(1);
      expect(report[0]?.usage.dropped).toBe(0);

      const store = await openSqliteStore({ file: join(dir, 'data', 'keyward.db') });
      try {
        const events = await store.usage.listEvents(
          key.body.key.id,
          new Date(0),
          new Date(Date.now() + 60_000),
          100_000,
        );
        const ok = events.filter((e) => e.outcome === 'OK').length;
        expect(ok).toBeGreaterThanOrEqual(answered);
        const rollups = await store.usage.listRollups(
          key.body.key.id,
          new Date(0),
          new Date(Date.now() + 60_000),
        );
        expect(rollups.reduce((n, r) => n + r.counts.requests, 0)).toBe(events.length);
        const [primary] = await store.keys.getSlots(key.body.key.id);
        expect(primary?.lastUsedAt).not.toBeNull();
      } finally {
        await store.close();
      }
    } finally {
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
