import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/main/logger.js';
import { startKeyward } from '../src/main/server.js';
import type { UsageStats } from '../src/services/usage-pipeline.js';
import { startBareProxy } from './bare-proxy.js';
import { CONSOLE_DIR } from './paths.js';
import {
  type ChildMessage,
  type ParentMessage,
  processStats,
  type ServerReady,
  type ServerRole,
} from './process-protocol.js';
import { startUpstream } from './upstream-server.js';

/**
 * One server of the benchmark, in its own process (so it never shares an event loop with the
 * load generator or with another server): the upstream, the bare proxy or the real Keyward server.
 * Driven by the parent over IPC (process-protocol.ts).
 */

function send(message: ChildMessage): void {
  process.send?.(message);
}

type Stop = () => Promise<void>;

async function start(role: ServerRole): Promise<Stop> {
  switch (role.role) {
    case 'upstream': {
      const upstream = await startUpstream();
      send(ready(upstream.url, 0));
      return () => new Promise((resolve) => upstream.server.close(() => resolve()));
    }
    case 'bare': {
      const proxy = await startBareProxy(role);
      send(ready(proxy.url, 0));
      return () => proxy.close();
    }
    case 'gateway':
      return startGateway(role);
  }
}

function ready(url: string, startMs: number): ServerReady {
  return {
    type: 'ready',
    url,
    startMs,
    readyAtMs: performance.now(),
    rssBytes: process.memoryUsage.rss(),
  };
}

/**
 * `keyward serve` as the CLI runs it — config loaded and validated by `loadConfig`, then
 * `startKeyward` — on the given data directory, logging at the configured level to a file there.
 */
async function startGateway(role: Extract<ServerRole, { role: 'gateway' }>): Promise<Stop> {
  const config = loadConfig(
    {
      KEYWARD_DATA_DIR: role.dataDir,
      KEYWARD_CONFIG: join(role.dataDir, role.configFile ?? 'keyward.config.json'),
      ...(role.databaseUrl !== undefined && { KEYWARD_DATABASE_URL: role.databaseUrl }),
      KEYWARD_ADMIN_PORT: '0',
      KEYWARD_GATEWAY_PORT: '0',
      KEYWARD_ADMIN_PASSWORD: role.adminPassword,
    },
    {},
    role.dataDir,
  );
  const logger = createLogger(
    config.logLevel,
    pino.destination({ dest: join(role.dataDir, 'keyward.log'), sync: false }),
  );
  const began = performance.now();
  const running = await startKeyward(config, {
    logger,
    consoleDir: CONSOLE_DIR,
    role: role.gatewayOnly === true ? 'gateway' : 'all',
  });
  const startMs = performance.now() - began;
  const { adminUrl, gatewayUrl } = running;
  if (gatewayUrl === null) throw new Error('Keyward did not start the gateway');
  const base = ready(gatewayUrl, startMs);
  let secrets: { primary: string; secondary: string } | undefined;
  if (role.createKey) {
    if (adminUrl === null) throw new Error('creating a key needs the admin API');
    secrets = await createBenchKey(adminUrl, config.bootstrap.email, role.adminPassword);
  }
  send(secrets === undefined ? base : { ...base, secrets });
  usageStats = () => running.usageStats();
  return () => running.close();
}

/** A signed-in admin API session (cookie + CSRF token), as the console holds one. */
async function signIn(api: string, email: string, password: string) {
  const login = await fetch(`${api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`admin login of ${email} failed: ${login.status}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/**
 * An institution, its admin and a key, made through the admin API as people would: the platform
 * operator creates the institution and its admin; the admin creates the key.
 */
async function createBenchKey(
  adminUrl: string,
  operatorEmail: string,
  password: string,
): Promise<{ primary: string; secondary: string }> {
  const api = `${adminUrl}/api/v1`;
  const operator = await signIn(api, operatorEmail, password);
  const institution = await operator<{ id: string }>('/institutions', { name: 'Benchmark' });
  const adminEmail = 'bench-admin@example.test';
  await operator(`/institutions/${institution.id}/members`, {
    email: adminEmail,
    name: 'Bench admin',
    role: 'admin',
    password,
  });
  const admin = await signIn(api, adminEmail, password);
  const created = await admin<{ secrets: { primary: string; secondary: string } }>(
    `/institutions/${institution.id}/keys`,
    { name: 'bench' },
  );
  return created.secrets;
}

let stop: Stop | null = null;
let usageStats: () => UsageStats | null = () => null;

process.on('message', (message: ParentMessage) => {
  void handle(message).catch((err: unknown) => {
    send({
      type: 'failed',
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  });
});
// The parent going away (Ctrl-C, crash) must not leave a server behind.
process.on('disconnect', () => process.exit(0));

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      stop = await start(message);
      return;
    case 'stats':
      send({ ...processStats(), usage: usageStats() });
      return;
    case 'stop':
      await stop?.();
      send({ type: 'stopped' });
      process.disconnect();
      return;
  }
}
