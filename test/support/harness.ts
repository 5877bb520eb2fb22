import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/main/logger.js';
import { type RunningKeyward, startKeyward } from '../../src/main/server.js';
import type { Clock } from '../../src/ports/clock.js';

export interface TestKeyward {
  readonly url: string;
  /** The gateway's base URL (the gateway runs beside the admin API). */
  readonly gatewayUrl: string;
  readonly dataDir: string;
  readonly running: RunningKeyward;
  readonly operator: { readonly email: string; readonly password: string };
  /** Every log line the server wrote. */
  readonly logs: string[];
  /** Stops the server; removes its data unless `keepData` (to start again on it). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export const OPERATOR_PASSWORD = 'operator-password-for-tests';

/** The PostgreSQL server for tests, when enabled (see README). */
export const TEST_DATABASE_URL = process.env.KEYWARD_TEST_DATABASE_URL || null;

/** The stores an end-to-end suite should run on: SQLite always, PostgreSQL when enabled. */
export function testStores(): ('sqlite' | 'postgres')[] {
  if (TEST_DATABASE_URL) return ['sqlite', 'postgres'];
  console.warn(
    '[keyward] PostgreSQL end-to-end runs SKIPPED: set KEYWARD_TEST_DATABASE_URL=postgres://… to run them',
  );
  return ['sqlite'];
}

/** A fresh schema on the test PostgreSQL server; the URL selects it through search_path. */
async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error('KEYWARD_TEST_DATABASE_URL is not set');
  const schema = `kw_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/**
 * A real Keyward admin API on loopback (port 0) over a temp SQLite file, or PostgreSQL when
 * `databaseUrl` is given.
 */
export async function startTestKeyward(
  options: {
    env?: Record<string, string>;
    config?: Record<string, unknown>;
    store?: 'sqlite' | 'postgres';
    /** Start on an existing data directory (SQLite file and keyring). */
    dataDir?: string;
    /** Serve the console from here instead of the package's dist/web. */
    consoleDir?: string;
    clock?: Clock;
  } = {},
): Promise<TestKeyward> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'keyward-test-')));
  const configEnv: Record<string, string> = {};
  const postgres = options.store === 'postgres' ? await freshPostgresSchema() : null;
  if (postgres) configEnv.KEYWARD_DATABASE_URL = postgres.url;
  if (options.config) {
    configEnv.KEYWARD_CONFIG = join(dataDir, 'keyward.config.json');
    await writeFile(configEnv.KEYWARD_CONFIG, JSON.stringify(options.config));
  }
  const config = loadConfig(
    {
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_ADMIN_PORT: '0',
      KEYWARD_GATEWAY_PORT: '0',
      KEYWARD_ADMIN_PASSWORD: OPERATOR_PASSWORD,
      // Test webhook receivers listen on loopback, which webhooks may not reach by default.
      KEYWARD_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      ...configEnv,
      ...options.env,
    },
    {},
    dataDir,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const running = await startKeyward(config, {
    logger: createLogger('debug', sink, { secretHeaders: [config.gateway.header] }),
    ...(options.consoleDir !== undefined && { consoleDir: options.consoleDir }),
    ...(options.clock !== undefined && { clock: options.clock }),
  });
  if (!running.adminUrl || !running.gatewayUrl) throw new Error('test servers run every role');
  return {
    url: running.adminUrl,
    gatewayUrl: running.gatewayUrl,
    dataDir,
    running,
    operator: { email: config.bootstrap.email, password: OPERATOR_PASSWORD },
    logs,
    async stop(stopOptions = {}) {
      await running.close();
      if (stopOptions.keepData) return;
      await postgres?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** A client of the admin API over real HTTP: session cookie + CSRF, or a bearer secret. */
export class ApiClient {
  private cookie: string | null = null;
  csrfToken: string | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly bearer: string | null = null,
  ) {}

  static async login(baseUrl: string, email: string, password: string): Promise<ApiClient> {
    const client = new ApiClient(baseUrl);
    const res = await client.request('POST', '/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${res.text}`);
    return client;
  }

  static withBearer(baseUrl: string, secret: string): ApiClient {
    return new ApiClient(baseUrl, secret);
  }

  /** Same session, without sending the CSRF header. */
  withoutCsrf(): ApiClient {
    const copy = new ApiClient(this.baseUrl, this.bearer);
    copy.cookie = this.cookie;
    return copy;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined && !('content-type' in headers))
      headers['content-type'] = 'application/json';
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    const setCookie = res.headers.get('set-cookie');
    if (setCookie?.startsWith('keyward_session=')) this.cookie = setCookie.split(';')[0] ?? null;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (path === '/auth/login' && res.status === 200) {
      this.csrfToken = (parsed as { csrfToken: string }).csrfToken;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
}
