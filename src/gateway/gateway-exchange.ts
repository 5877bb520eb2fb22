import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayRoute } from '../config/config.js';
import { AppError, isAppError } from '../core/errors.js';
import type { SlotName } from '../core/model.js';
import type { VerifyFailure } from '../core/verify-decision.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { UsageEvent, UsageSink } from '../ports/usage-sink.js';
import type { RateLimitInfo, SecretVerifier, VerifyResult } from '../services/verifier-types.js';
import { compileProxyTrust, peerAddress } from './client-ip.js';
import type { ExtractFailure, SecretLocation } from './extract-secret.js';
import {
  compileRequestHeaderRules,
  type ForwardExchange,
  Forwarder,
  type ForwardFailure,
  type Upstream,
} from './forwarder.js';
import {
  type ProblemCatalog,
  problemJson,
  type Rejection,
  renderProblems,
} from './gateway-problems.js';
import { newRequestId } from './request-id.js';
import { type CompiledRoute, compileRoutes } from './route-table.js';

/**
 * The gateway's state: what is compiled once (GatewayCore) and what one request carries
 * (Exchange). An Exchange is also undici's `opaque` while forwarding, so the hot path needs no
 * per-request closures, and it emits the request's one usage event (exactly once).
 */

/** What the gateway did with a request (`UsageEvent.outcome`; finer than the public `code`). */
export type UsageOutcome =
  | 'OK'
  | 'RETIRING'
  | ExtractFailure
  | VerifyFailure
  | 'UNAVAILABLE'
  | 'NO_ROUTE'
  | 'BAD_PATH'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'INTERRUPTED'
  | 'CLIENT_GONE'
  | 'INTERNAL';

/** The subset of a pino logger the gateway uses. */
export interface GatewayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a gateway is built from (gateway-server.ts adds the server-level settings). */
export interface GatewayCoreOptions {
  readonly routes: readonly GatewayRoute[];
  /** The secret header as configured (e.g. `X-API-Key`). */
  readonly header: string;
  readonly profile: 'default' | 'apim';
  /** CIDRs of proxies whose `X-Forwarded-*` headers are believed. */
  readonly trustedProxies: readonly string[];
  readonly verifier: SecretVerifier;
  /** Receives one event per decision, inline and never awaited (ports/usage-sink.ts). */
  readonly usage: UsageSink;
  /** Upstream connect and response-headers timeout (default 30 s): beyond it, 504. */
  readonly upstreamTimeoutMs?: number;
  /** Query parameter accepted on `allowQueryKey` routes (default `subscription-key`). */
  readonly queryParam?: string;
  /**
   * Whether this node can verify secrets that are not cached (the store answers), for
   * `GET /.well-known/keyward/health`. Without it the endpoint only says the process is up.
   */
  readonly storeReachable?: () => Promise<boolean>;
  readonly logger?: GatewayLogger;
  /** The time of usage events (default: the system clock). */
  readonly clock?: Clock;
}

const IDENTITY_HEADERS = ['x-keyward-institution', 'x-keyward-key', 'x-keyward-slot'];
const APIM_IDENTITY_HEADERS = [...IDENTITY_HEADERS, 'x-user-id', 'x-subscription-id'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_USER_AGENT = 512;

export interface RouteRuntime {
  readonly route: CompiledRoute;
  readonly location: SecretLocation;
  readonly upstream: Upstream;
  readonly wwwAuthenticate: string;
}

const noopLogger: GatewayLogger = Object.freeze({ info() {}, warn() {}, error() {} });

/** Everything compiled once per gateway and shared by its requests. */
export class GatewayCore {
  readonly runtimes: readonly RouteRuntime[];
  readonly match: (path: string) => CompiledRoute | null;
  readonly problems: ProblemCatalog;
  readonly trust: ReturnType<typeof compileProxyTrust>;
  readonly headerRules: ReturnType<typeof compileRequestHeaderRules>;
  readonly apim: boolean;
  /** `WWW-Authenticate` for a 401 outside any route (not reached today: 401s follow a route match). */
  readonly challenge: string;
  readonly forwarder: Forwarder;
  readonly verifier: SecretVerifier;
  /** Receives one event per decision, inline and never awaited (ports/usage-sink.ts). */
  readonly usage: UsageSink;
  readonly logger: GatewayLogger;
  readonly storeReachable: () => Promise<boolean>;
  readonly clock: Clock;

  constructor(options: GatewayCoreOptions) {
    const { header } = options;
    if (!TOKEN.test(header)) {
      throw new AppError('CONFIG_INVALID', 'gateway.header must be a valid HTTP header name');
    }
    const queryParam = options.queryParam ?? 'subscription-key';
    const headerLower = header.toLowerCase();
    const table = compileRoutes(options.routes);
    this.match = table.match;
    this.apim = options.profile === 'apim';
    this.forwarder = new Forwarder({ headersTimeoutMs: options.upstreamTimeoutMs ?? 30_000 });
    this.runtimes = table.routes.map((route) => {
      const query = route.allowQueryKey ? `, query="${queryParam}"` : '';
      return Object.freeze({
        route,
        location: Object.freeze({
          header: headerLower,
          // Where the query parameter is not accepted it is still stripped in APIM mode (clients
          // of that profile habitually send it): the upstream never sees a secret.
          queryParam: route.allowQueryKey || this.apim ? queryParam : null,
          acceptQuery: route.allowQueryKey,
        }),
        upstream: this.forwarder.upstream(route.origin),
        wwwAuthenticate: `ApiKey realm="keyward", header="${header}"${query}`,
      });
    });
    this.challenge = `ApiKey realm="keyward", header="${header}"`;
    this.problems = renderProblems(header);
    this.trust = compileProxyTrust(options.trustedProxies);
    this.headerRules = compileRequestHeaderRules(
      headerLower,
      this.apim ? APIM_IDENTITY_HEADERS : IDENTITY_HEADERS,
    );
    this.verifier = options.verifier;
    this.usage = options.usage;
    this.logger = options.logger ?? noopLogger;
    this.storeReachable = options.storeReachable ?? (async () => true);
    this.clock = options.clock ?? systemClock;
  }
}

/** One request's state (also undici's `opaque` while forwarding: no per-request closures). */
export class Exchange implements ForwardExchange {
  readonly at: Date;
  readonly startedAt = performance.now();
  readonly requestId = newRequestId();
  readonly peer: string;
  readonly clientIp: string;
  runtime: RouteRuntime | null = null;
  keyId: string | null = null;
  institutionId: string | null = null;
  slot: SlotName | null = null;
  retiredAt: Date | null = null;
  /** The outcome of a forwarded request: OK, or RETIRING for a secret in its grace window. */
  success: 'OK' | 'RETIRING' = 'OK';
  rateLimit: RateLimitInfo | null = null;
  retryAfterSeconds = 1;
  upstreamStatus = 0;
  #finished = false;

  constructor(
    readonly core: GatewayCore,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.at = core.clock.now();
    this.peer = peerAddress(req.socket.remoteAddress);
    const forwardedFor = req.headers['x-forwarded-for'];
    this.clientIp = core.trust.clientIp(
      this.peer,
      Array.isArray(forwardedFor) ? forwardedFor.join(', ') : forwardedFor,
    );
  }

  /** Answers with a problem, then records the decision. */
  reject(rejection: Rejection, outcome: UsageOutcome): void {
    const { res } = this;
    if (res.headersSent || this.clientGone()) {
      // Too late for a problem body: cut the response short rather than leave it hanging.
      if (!res.writableEnded) res.destroy();
      this.finish(res.headersSent ? this.upstreamStatus : 499, outcome);
      return;
    }
    const problem = this.core.problems[rejection];
    const body = problemJson(problem, this.requestId);
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/problem+json',
      'content-length': body.length,
      'cache-control': 'no-store',
      'x-request-id': this.requestId,
    };
    if (problem.status === 401) {
      headers['www-authenticate'] = this.runtime?.wwwAuthenticate ?? this.core.challenge;
    } else if (problem.status === 429) {
      headers['retry-after'] = String(this.retryAfterSeconds);
    }
    if (this.rateLimit !== null) addRateLimitHeaders(headers, this.rateLimit);
    res.writeHead(problem.status, headers);
    res.end(body);
    this.finish(problem.status, outcome);
  }

  clientGone(): boolean {
    return this.res.destroyed || this.req.socket.destroyed;
  }

  /** Remembers whose key a refusal was about (monitoring: retired secrets, blocked IPs …). */
  noteRefusal(result: Extract<VerifyResult, { valid: false }>): void {
    if (result.key !== undefined) {
      this.keyId = result.key.id;
      this.institutionId = result.key.institutionId;
      if (result.slot !== undefined) this.slot = result.slot.slot;
    } else if (result.retired !== undefined) {
      this.keyId = result.retired.keyId;
      this.institutionId = result.retired.institutionId;
      this.slot = result.retired.slot;
      this.retiredAt = result.retired.retiredAt;
    }
    if (result.rateLimit) this.rateLimit = result.rateLimit;
    if (result.code === 'RATE_LIMITED') {
      const wait = result.retryAfterSeconds ?? result.rateLimit?.resetSeconds ?? 1;
      this.retryAfterSeconds = Math.max(1, Math.ceil(wait));
    }
  }

  decorateResponse(headers: OutgoingHttpHeaders, upstreamStatus: number): void {
    this.upstreamStatus = upstreamStatus;
    headers['x-request-id'] = this.requestId;
    if (this.rateLimit !== null) addRateLimitHeaders(headers, this.rateLimit);
  }

  forwardEnded(failure: ForwardFailure | null, error: Error | null): void {
    if (failure === null) {
      this.finish(this.upstreamStatus, this.success);
      return;
    }
    const route = (this.runtime as RouteRuntime).route;
    if (failure === 'TIMEOUT' || failure === 'UNREACHABLE') {
      this.core.logger.warn(
        {
          requestId: this.requestId,
          route: route.path,
          upstream: route.origin,
          err: errorFacts(error),
        },
        failure === 'TIMEOUT' ? 'upstream timed out' : 'upstream unreachable',
      );
      this.reject(
        failure === 'TIMEOUT' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
        failure === 'TIMEOUT' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
      );
      return;
    }
    if (!this.res.destroyed) this.res.destroy();
    this.finish(failure === 'CLIENT_GONE' ? 499 : this.upstreamStatus, failure);
  }

  /** Emits the request's usage event; later calls are ignored (one decision, one event). */
  finish(status: number, outcome: UsageOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    const userAgent = this.req.headers['user-agent'];
    const event: UsageEvent = {
      at: this.at,
      requestId: this.requestId,
      keyId: this.keyId,
      institutionId: this.institutionId,
      slot: this.slot,
      retiredAt: this.retiredAt,
      route: this.runtime === null ? null : this.runtime.route.path,
      status,
      latencyMs: performance.now() - this.startedAt,
      clientIp: this.clientIp,
      userAgent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT),
      outcome,
    };
    try {
      this.core.usage.emit(event);
    } catch (err) {
      this.core.logger.warn(
        { requestId: this.requestId, err: errorFacts(err) },
        'usage sink failed',
      );
    }
  }
}

function addRateLimitHeaders(headers: OutgoingHttpHeaders, info: RateLimitInfo): void {
  headers['ratelimit-limit'] = String(info.limit);
  headers['ratelimit-remaining'] = String(Math.max(0, info.remaining));
  headers['ratelimit-reset'] = String(Math.max(0, Math.ceil(info.resetSeconds)));
}

/** Loggable facts about an error: codes and names only, plus the catalog-safe AppError detail. */
export function errorFacts(err: unknown): Record<string, unknown> {
  if (isAppError(err)) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) {
    return { name: err.name, code: (err as NodeJS.ErrnoException).code };
  }
  return { type: typeof err };
}
