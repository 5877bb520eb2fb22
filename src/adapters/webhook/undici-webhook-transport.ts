import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { AddressPolicy } from '../../core/outbound-address.js';
import type {
  WebhookRequest,
  WebhookResponse,
  WebhookTransport,
} from '../../ports/webhook-transport.js';

export interface UndiciWebhookTransportOptions {
  /** Bound on the whole exchange (connect, send, response headers); default 10 s. */
  readonly timeoutMs?: number;
  /** `User-Agent` of every request. */
  readonly userAgent: string;
  /** Addresses a webhook may connect to (core/outbound-address.ts); default: any. */
  readonly allowAddress?: AddressPolicy;
}

/** The error code of a refused destination; describeFailure says `address not allowed`. */
const NOT_ALLOWED = 'KEYWARD_ADDRESS_NOT_ALLOWED';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address?: string | LookupAddress[],
  family?: number,
) => void;

/**
 * `dns.lookup` that refuses a host when any address it resolves to is not allowed. It runs at
 * connect time, on the very addresses the socket will use, so a name that resolved to a public
 * address when the webhook was saved cannot later point the server at its own network.
 */
function guardedLookup(allows: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options }, (err, address, family) => {
      if (err) return callback(err);
      const ips = Array.isArray(address) ? address.map((a) => a.address) : [address];
      if (ips.some((ip) => !allows(ip))) {
        return callback(Object.assign(new Error('address not allowed'), { code: NOT_ALLOWED }));
      }
      callback(null, address, family);
    });
  };
}

/** Response bytes read (then dropped) so the connection can be reused; beyond that it is closed. */
const DRAIN_LIMIT = 64 * 1024;

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function timedOut(timeoutMs: number): string {
  return timeoutMs >= 1000
    ? `timed out after ${Math.round(timeoutMs / 1000)} s`
    : `timed out after ${timeoutMs} ms`;
}

/**
 * A short, storable reason for a failed POST. Built from error codes only: driver messages can
 * repeat the host or URL, and a URL may carry a token in its path.
 */
export function describeFailure(err: unknown, timeoutMs: number): string {
  const name = (err as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return timedOut(timeoutMs);
  }
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return timedOut(timeoutMs);
    case NOT_ALLOWED:
      return 'address not allowed';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      if (code && /CERT|TLS|SSL|SIGNATURE/.test(code)) return 'TLS certificate not accepted';
      return code && /^[A-Z0-9_]{1,40}$/.test(code) ? `request failed (${code})` : 'request failed';
  }
}

/**
 * Webhook POSTs over undici: a dedicated agent (its connections never mix with the gateway's
 * upstream pools), no redirects (undici's `request` follows none), a deadline on the exchange,
 * the response body drained up to 64 KiB and dropped, and, with `allowAddress`, no connection to
 * an address the policy refuses (checked on the resolved addresses at connect time).
 */
export class UndiciWebhookTransport implements WebhookTransport {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #allows: AddressPolicy | undefined;

  constructor(options: UndiciWebhookTransportOptions) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#userAgent = options.userAgent;
    this.#allows = options.allowAddress;
    this.#agent = new Agent({
      connect: {
        timeout: this.#timeoutMs,
        ...(this.#allows && { lookup: guardedLookup(this.#allows) }),
      },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      keepAliveTimeout: 30_000,
      connections: 8,
    });
  }

  async post(req: WebhookRequest): Promise<WebhookResponse> {
    // An address written in the URL is never looked up, so it is judged here.
    const host = new URL(req.url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (this.#allows && isIP(host) !== 0 && !this.#allows(host)) {
      return { kind: 'error', error: 'address not allowed' };
    }
    try {
      const res = await request(req.url, {
        method: 'POST',
        headers: { ...req.headers, 'user-agent': this.#userAgent },
        body: req.body,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // The status is all that counts; a receiver's body is never read into the log.
      await res.body.dump({ limit: DRAIN_LIMIT }).catch(() => {});
      return { kind: 'response', status: res.statusCode };
    } catch (err) {
      return { kind: 'error', error: describeFailure(err, this.#timeoutMs) };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
