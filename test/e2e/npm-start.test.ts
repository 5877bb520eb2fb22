import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/harness.js';

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
function start(waitFor: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('npm', ['start'], { cwd: process.cwd(), env: childEnv(), detached: true });
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
      () => reject(new Error(`npm start did not print ${waitFor}:\n${out}`)),
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
      reject(new Error(`npm start exited with ${code}:\n${out}`));
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
});
