import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { PassThrough } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';

/**
 * Relays an accepted request to its upstream over a keep-alive undici pool (one per origin) and
 * streams both bodies without buffering them (backpressure is undici's and Node's own).
 *
 * Header rules (RFC 9110 §7.6.1): hop-by-hop headers — Connection, Keep-Alive, Proxy-*, TE,
 * Trailer, Transfer-Encoding, Upgrade and every header Connection names — are dropped in both
 * directions. Towards the upstream the secret header, client-sent identity headers, Host, Expect
 * and X-Request-Id are dropped too; `X-Forwarded-*` from a trusted proxy are extended, from
 * anyone else replaced.
 */

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;

const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP);

/** `Proxy-*` and, for httpoxy, a bare `Proxy`. */
function isProxyHeader(name: string): boolean {
  return name.charCodeAt(0) === 112 /* p */ && (name === 'proxy' || name.startsWith('proxy-'));
}

/** Names listed in a Connection header, other than `close`/`keep-alive`; null when none. */
function connectionListed(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  const lower = text.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return null;
  const listed: string[] = [];
  for (const token of lower.split(',')) {
    const name = token.trim();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') listed.push(name);
  }
  return listed.length > 0 ? listed : null;
}

/** Which client headers never reach the upstream, compiled once per gateway. */
export interface RequestHeaderRules {
  /** Dropped when the peer is not a trusted proxy. */
  readonly dropUntrusted: ReadonlySet<string>;
  /** Dropped when the peer is a trusted proxy (its `Forwarded` header is kept). */
  readonly dropTrusted: ReadonlySet<string>;
}

/**
 * @param secretHeader lower-case name of the header carrying the secret.
 * @param identityHeaders lower-case names the gateway sets itself.
 */
export function compileRequestHeaderRules(
  secretHeader: string,
  identityHeaders: readonly string[],
): RequestHeaderRules {
  const base = [
    ...HOP_BY_HOP,
    secretHeader,
    ...identityHeaders,
    'host',
    'expect',
    'x-request-id',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
  ];
  return Object.freeze({
    dropTrusted: new Set(base),
    dropUntrusted: new Set([...base, 'forwarded']),
  });
}

/** What the gateway adds to a forwarded request. */
export interface ForwardingFacts {
  /** The canonical socket peer. */
  readonly peer: string;
  /** Whether the peer is a trusted proxy. */
  readonly trustedPeer: boolean;
  /** Identity headers, flat: name, value, name, value … (lower-case names). */
  readonly identity: readonly string[];
  readonly requestId: string;
}

/** The upstream request's headers, flat (`[name, value, …]`, the form undici takes directly). */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  rules: RequestHeaderRules,
  facts: ForwardingFacts,
): string[] {
  const drop = facts.trustedPeer ? rules.dropTrusted : rules.dropUntrusted;
  const listed = connectionListed(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    if (drop.has(name) || isProxyHeader(name) || listed?.includes(name) === true) {
      continue;
    }
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const v of value) out.push(name, v);
  }
  const priorFor = facts.trustedPeer ? headers['x-forwarded-for'] : undefined;
  const priorProto = facts.trustedPeer ? headers['x-forwarded-proto'] : undefined;
  const priorHost = facts.trustedPeer ? headers['x-forwarded-host'] : undefined;
  out.push(
    'x-forwarded-for',
    priorFor !== undefined && priorFor !== '' ? `${priorFor}, ${facts.peer}` : facts.peer,
    'x-forwarded-proto',
    typeof priorProto === 'string' && priorProto !== '' ? priorProto : 'http',
  );
  const host =
    typeof priorHost === 'string' && priorHost !== '' ? priorHost : (headers.host ?? undefined);
  if (host !== undefined && host !== '') out.push('x-forwarded-host', host);
  for (const v of facts.identity) out.push(v);
  out.push('x-request-id', facts.requestId);
  return out;
}

/** The upstream's response headers minus hop-by-hop ones, as a fresh object for `writeHead`. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP_SET.has(name) || isProxyHeader(name) || listed?.includes(name) === true) {
      continue;
    }
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** How a forward ended, when it did not end well. */
export type ForwardFailure =
  /** Connect or response-headers timeout: answer 504. */
  | 'TIMEOUT'
  /** Refused, reset, DNS, TLS …: answer 502. */
  | 'UNREACHABLE'
  /** The response had started; it was cut short (by either side): nothing more can be sent. */
  | 'INTERRUPTED'
  /** The client left before the upstream answered. */
  | 'CLIENT_GONE';

/** The gateway's side of one forwarded exchange (passed through undici as `opaque`). */
export interface ForwardExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Adds the gateway's own response headers (request id, rate limits) over the upstream's. */
  decorateResponse(headers: OutgoingHttpHeaders, upstreamStatus: number): void;
  /** Called exactly once: `failure` null when the whole response was delivered. */
  forwardEnded(failure: ForwardFailure | null, error: Error | null): void;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function classifyFailure(exchange: ForwardExchange, err: Error): ForwardFailure {
  if (exchange.res.headersSent) return 'INTERRUPTED';
  const socket = exchange.req.socket;
  if (socket === null || socket.destroyed) return 'CLIENT_GONE';
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && TIMEOUT_CODES.has(code) ? 'TIMEOUT' : 'UNREACHABLE';
}

function streamFactory(data: Dispatcher.StreamFactoryData<ForwardExchange>): ServerResponse {
  const exchange = data.opaque;
  const headers = downstreamResponseHeaders(data.headers);
  exchange.decorateResponse(headers, data.statusCode);
  exchange.res.writeHead(data.statusCode, headers);
  return exchange.res;
}

function streamEnded(err: Error | null, data: Dispatcher.StreamData<ForwardExchange>): void {
  const exchange = data.opaque;
  if (err === null) exchange.forwardEnded(null, null);
  else exchange.forwardEnded(classifyFailure(exchange, err), err);
}

const kBody = Symbol('keyward.upstreamBody');
const CLIENT_ABORTED = 'client closed the connection before sending the whole body';

interface RequestWithBody extends IncomingMessage {
  [kBody]?: PassThrough;
}

function abortBodyOnClose(this: RequestWithBody): void {
  if (!this.complete) this[kBody]?.destroy(new Error(CLIENT_ABORTED));
}

/**
 * The request body as undici should read it. A PassThrough sits between the two because undici
 * destroys the body it was given when the upstream fails, and destroying the IncomingMessage
 * would destroy the client's socket before the 502 could be written.
 */
function upstreamBody(req: IncomingMessage): PassThrough | null {
  const headers = req.headers;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
    return null;
  }
  const body = new PassThrough();
  (req as RequestWithBody)[kBody] = body;
  req.once('close', abortBodyOnClose);
  req.pipe(body);
  return body;
}

export interface ForwarderOptions {
  /** Time allowed for the upstream's response headers (and for connecting). */
  readonly headersTimeoutMs: number;
  /** Longest silence allowed between response body chunks (undici's default: 300 s). */
  readonly bodyTimeoutMs?: number;
}

/** An upstream origin's connection pool. */
export type Upstream = Pool;

/** Owns the connection pools; `close()` them on shutdown. */
export class Forwarder {
  readonly #pools = new Map<string, Pool>();
  readonly #options: ForwarderOptions;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  /** The pool for `origin` (`http(s)://host:port`), created on first use: call at start-up. */
  upstream(origin: string): Upstream {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        headersTimeout: this.#options.headersTimeoutMs,
        connectTimeout: this.#options.headersTimeoutMs,
        bodyTimeout: this.#options.bodyTimeoutMs ?? 300_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Sends the request; the outcome arrives through `exchange.forwardEnded`. */
  forward(exchange: ForwardExchange, upstream: Upstream, path: string, headers: string[]): void {
    const req = exchange.req;
    upstream.stream<ForwardExchange>(
      {
        path,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: upstreamBody(req),
        opaque: exchange,
      },
      streamFactory,
      streamEnded,
    );
  }

  /** Closes every pool, waiting for requests in flight. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}
