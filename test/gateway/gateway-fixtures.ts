import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Readable } from 'node:stream';
import { AppError } from '../../src/core/errors.js';
import type { ApiKey, SecretSlot, SlotName } from '../../src/core/model.js';
import type {
  SecretVerifier,
  VerifyInput,
  VerifyResult,
} from '../../src/services/verifier-types.js';

/**
 * Test doubles for the gateway's HTTP side. The real verifier (services/verifier.ts) has its own
 * tests and is wired to the gateway by main/; here a table of secrets → results stands in for it,
 * so these tests are about what the gateway does with each outcome.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

export interface TestUpstream {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Emits `first-chunk` when a request body's first bytes arrive, `aborted` when a request is cut. */
  readonly events: EventEmitter;
  /** Resolve to let `/download-gated` send the rest of its body. */
  releaseDownload(): void;
  close(): Promise<void>;
}

export const MB = 1024 * 1024;

function echo(req: IncomingMessage, res: import('node:http').ServerResponse, events: EventEmitter) {
  const hash = createHash('sha256');
  req.on('close', () => {
    if (!req.complete) events.emit('aborted');
  });
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    if (bytes === 0) events.emit('first-chunk');
    bytes += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      bodyBytes: bytes,
      bodySha256: hash.digest('hex'),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(body);
  });
}

/** A real HTTP upstream on 127.0.0.1 that records every request (at arrival) and echoes it. */
export async function startUpstream(): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server: Server = createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.endsWith('/slow')) {
      const timer = setTimeout(() => echo(req, res, events), 3000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (path.endsWith('/hop')) {
      req.resume();
      res.writeHead(200, {
        connection: 'X-Internal',
        'x-internal': 'do-not-relay',
        'keep-alive': 'timeout=99',
        'proxy-authenticate': 'Basic realm="x"',
        upgrade: 'h2c',
        'x-kept': 'yes',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end('hop');
      return;
    }
    if (path.endsWith('/download-gated')) {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(MB, 1));
      void gate.then(() => {
        for (let i = 0; i < 4; i++) res.write(Buffer.alloc(MB, 2));
        res.end();
        gate = new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      return;
    }
    echo(req, res, events);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    events,
    releaseDownload: () => release(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `condition` holds (at most ~2 s). */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!condition()) throw new Error('condition not met in time');
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const EPOCH = new Date('2026-01-01T00:00:00Z');

export function testKey(id: string, institutionId = 'ins_test'): ApiKey {
  return {
    id,
    institutionId,
    name: id,
    kind: 'use',
    scopes: ['messages'],
    state: 'active',
    allowedCidrs: [],
    expiresAt: null,
    rateLimit: null,
    createdAt: EPOCH,
    createdBy: 'usr_test',
    updatedAt: EPOCH,
    deletedAt: null,
  };
}

export function testSlot(keyId: string, slot: SlotName): SecretSlot {
  return {
    keyId,
    slot,
    digest: 'ab'.repeat(32),
    digestVersion: 1,
    sealed: null,
    hint: 'kw_live_…test',
    generatedAt: EPOCH,
    generatedBy: 'usr_test',
    lastUsedAt: null,
    lastUsedFrom: null,
    lastUserAgent: null,
    imported: false,
  };
}

export function valid(keyId: string, slot: SlotName, institutionId = 'ins_test'): VerifyResult {
  return {
    valid: true,
    key: testKey(keyId, institutionId),
    slot: testSlot(keyId, slot),
    rateLimit: null,
  };
}

/** `THROW` makes verify() fail as the real verifier does when the store is down. */
export type StubEntry = VerifyResult | 'THROW';

/** Secrets → results; unknown secrets are NOT_FOUND. Records every call. */
export class StubVerifier implements SecretVerifier {
  readonly calls: VerifyInput[] = [];
  readonly #table: ReadonlyMap<string, StubEntry>;

  constructor(table: Record<string, StubEntry>) {
    this.#table = new Map(Object.entries(table));
  }

  async verify(input: VerifyInput): Promise<VerifyResult> {
    this.calls.push(input);
    const entry = this.#table.get(input.secret);
    if (entry === 'THROW') throw new AppError('STORE_UNAVAILABLE', 'store unreachable');
    return entry ?? { valid: false, code: 'NOT_FOUND' };
  }
}

export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface SendOptions {
  readonly method?: string;
  /** Raw header list (name, value, …): duplicates are sent as separate lines. Host is added. */
  readonly headers?: readonly string[];
  readonly body?: Buffer | Readable;
  /** Called with each response chunk as it arrives. */
  readonly onChunk?: (chunk: Buffer, received: number) => void;
  /** Aborting it destroys the connection. */
  readonly signal?: AbortSignal;
}

/** One HTTP/1.1 request on a fresh connection. */
export function send(base: string, path: string, options: SendOptions = {}): Promise<TestResponse> {
  const url = new URL(base);
  const headers = ['Host', url.host, ...(options.headers ?? [])];
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? (options.body ? 'POST' : 'GET'),
        headers,
        agent: false,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          chunks.push(chunk);
          options.onChunk?.(chunk, received);
        });
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** Sends bytes as-is (for requests Node's client refuses to build) and returns the raw response. */
export async function sendRaw(
  base: string,
  head: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  socket.end(Buffer.from(head, 'latin1'));
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, text };
}
