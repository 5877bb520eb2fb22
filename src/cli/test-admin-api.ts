import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { CliIo } from './cli-io.js';
import type { LocalCommands } from './program.js';
import { runCli } from './program.js';

/**
 * Test support for the CLI (excluded from the build by its `test-` name).
 *
 * `startFakeAdminApi` is a stand-in for the admin API until the end-to-end test against the real
 * server exists: a real `node:http` server on 127.0.0.1 that records every request and answers
 * with canned JSON, so the CLI's real HTTP client, headers and cookies are exercised.
 */

export interface RecordedRequest {
  readonly method: string;
  /** Path plus query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface CannedResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string | string[]>;
  /** Raw text body sent instead of JSON (with `headers` choosing its content type). */
  readonly text?: string;
}

export interface FakeAdminApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers `METHOD /path` (query string ignored) with `response` from now on. */
  on(method: string, path: string, response: CannedResponse): void;
  close(): Promise<void>;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  requestId = 'req_test1',
): CannedResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: 'about:blank', title: code, status, detail, code, requestId },
  };
}

export async function startFakeAdminApi(): Promise<FakeAdminApi> {
  const routes = new Map<string, CannedResponse>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      requests.push({
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      const canned =
        routes.get(`${req.method} ${url.split('?')[0]}`) ??
        problem(404, 'NOT_FOUND', `no canned answer for ${req.method} ${url}`);
      const status = canned.status ?? 200;
      const headers: Record<string, string | string[]> = { ...canned.headers };
      if (canned.text !== undefined) {
        res.writeHead(status, headers).end(canned.text);
      } else if (status === 204 || canned.body === undefined) {
        res.writeHead(status, headers).end();
      } else {
        headers['content-type'] ??= 'application/json; charset=utf-8';
        res.writeHead(status, headers).end(JSON.stringify(canned.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, response) => routes.set(`${method} ${path}`, response),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TestIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
  /** What prompts were asked, in order. */
  readonly asked: string[];
}

export interface TestIoOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  interactive?: boolean;
  /** Answers to `prompt` / `promptPassword`, consumed in order. */
  answers?: string[];
}

export function testIo(options: TestIoOptions = {}): TestIo {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const answers = [...(options.answers ?? [])];
  const answer = async (question: string) => {
    asked.push(question);
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected prompt: ${question}`);
    return next;
  };
  return {
    out,
    err,
    asked,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    env: { ...options.env },
    readStdin: async () => options.stdin ?? '',
    prompt: answer,
    promptPassword: answer,
    isInteractive: options.interactive ?? false,
  };
}

export interface LocalCall {
  readonly command: 'serve' | 'migrate' | 'auditVerify' | 'keyringRotate' | 'scan' | 'hook';
  readonly opts: unknown;
}

/** Local commands that record their calls and return `exitCode`. */
export function recordingLocal(exitCode = 0): LocalCommands & { calls: LocalCall[] } {
  const calls: LocalCall[] = [];
  return {
    calls,
    serve: async (opts) => {
      calls.push({ command: 'serve', opts });
    },
    migrate: async (opts) => {
      calls.push({ command: 'migrate', opts });
      return exitCode;
    },
    auditVerify: async (opts) => {
      calls.push({ command: 'auditVerify', opts });
      return exitCode;
    },
    keyringRotate: async (opts) => {
      calls.push({ command: 'keyringRotate', opts });
      return exitCode;
    },
    scan: async (opts) => {
      calls.push({ command: 'scan', opts });
      return exitCode;
    },
    hook: async (opts) => {
      calls.push({ command: 'hook', opts });
      return exitCode;
    },
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `keyward <args>` in-process. */
export async function runKeyward(
  args: readonly string[],
  io: TestIo = testIo(),
  local: LocalCommands = recordingLocal(),
): Promise<CliRun> {
  const code = await runCli(['node', 'keyward', ...args], local, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

/** A fresh directory for `KEYWARD_CONFIG_HOME`, so tests never touch the real home. */
export async function tempConfigHome(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface FakeAdminApiFixture {
  readonly api: FakeAdminApi;
  readonly home: { readonly dir: string; cleanup(): Promise<void> };
  /** `KEYWARD_URL` and `KEYWARD_CONFIG_HOME` pointing at the fake, plus `extraEnv`. */
  readonly env: Record<string, string>;
}

/**
 * Registers hooks that give each test a fresh fake admin API and config home. Read the fields
 * inside tests (they change before each one).
 */
export function useFakeAdminApi(
  extraEnv: Record<string, string> = { KEYWARD_TOKEN: 'kw_live_manage' },
  options: { withUrl?: boolean } = {},
): FakeAdminApiFixture {
  const fixture = {} as {
    api: FakeAdminApi;
    home: FakeAdminApiFixture['home'];
    env: Record<string, string>;
  };
  beforeEach(async () => {
    fixture.api = await startFakeAdminApi();
    fixture.home = await tempConfigHome();
    fixture.env = {
      ...(options.withUrl !== false && { KEYWARD_URL: fixture.api.url }),
      KEYWARD_CONFIG_HOME: fixture.home.dir,
      ...extraEnv,
    };
  });
  afterEach(async () => {
    await fixture.api.close();
    await fixture.home.cleanup();
  });
  return fixture;
}
