import { Agent, request } from 'undici';
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
 * upstream pools), no redirects (undici's `request` follows none), a deadline on the exchange and
 * the response body drained up to 64 KiB and dropped.
 */
export class UndiciWebhookTransport implements WebhookTransport {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: UndiciWebhookTransportOptions) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#userAgent = options.userAgent;
    this.#agent = new Agent({
      connect: { timeout: this.#timeoutMs },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      keepAliveTimeout: 30_000,
      connections: 8,
    });
  }

  async post(req: WebhookRequest): Promise<WebhookResponse> {
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
