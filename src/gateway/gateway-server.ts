import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bearerMatches } from '../core/bearer-token.js';
import { AppError } from '../core/errors.js';
import type { VerifyFailure } from '../core/verify-decision.js';
import type { MetricsEndpoint } from '../ports/metrics-exposition.js';
import type { VerifyResult } from '../services/verifier-types.js';
import { extractSecret } from './extract-secret.js';
import { upstreamRequestHeaders } from './forwarder.js';
import {
  Exchange,
  errorFacts,
  GatewayCore,
  type GatewayCoreOptions,
  type RouteRuntime,
} from './gateway-exchange.js';
import { problemJson, type Rejection } from './gateway-problems.js';
import { newRequestId } from './request-id.js';
import { normalizePath, upstreamPath } from './route-table.js';

/**
 * The gateway's request path, on bare node:http (this is the hot path):
 * normalise path → route (none: 404, nothing verified) → extract the secret (bad shape: 401
 * before any hashing) → client IP → verify → refuse (401/403/429, or 503 when the verifier
 * cannot decide: fail closed, never forward) or forward with identity headers.
 *
 * Every request ends in exactly one usage event, emitted after the response is written and
 * never awaited. Neither events nor logs nor bodies ever carry the secret.
 */

export interface GatewayOptions extends GatewayCoreOptions {
  /** How long `close()` lets requests in flight finish before cutting them (default 10 s). */
  readonly closeGraceMs?: number;
  /** Serve `GET /metrics` on this port too (config `gateway.metrics`); never forwarded. */
  readonly metrics?: MetricsEndpoint | null;
}

export interface Gateway {
  readonly server: Server;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:8080`). */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, lets requests in flight finish (within the grace period), closes pools. */
  close(): Promise<void>;
}

/** Verifier refusals → the public answer. MALFORMED, NOT_FOUND, RETIRED share INVALID: no oracle. */
const REFUSALS: Readonly<Record<VerifyFailure, Rejection>> = {
  MISSING: 'MISSING',
  MALFORMED: 'INVALID',
  NOT_FOUND: 'INVALID',
  RETIRED: 'INVALID',
  SUSPENDED: 'INACTIVE',
  CANCELLED: 'INACTIVE',
  EXPIRED: 'INACTIVE',
  FORBIDDEN_SCOPE: 'FORBIDDEN',
  IP_NOT_ALLOWED: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
};

function identityHeaders(core: GatewayCore, institutionId: string, keyId: string, slot: string) {
  const identity = [
    'x-keyward-institution',
    institutionId,
    'x-keyward-key',
    keyId,
    'x-keyward-slot',
    slot,
  ];
  if (core.apim) identity.push('x-user-id', institutionId, 'x-subscription-id', keyId);
  return identity;
}

/** Decides and answers (or forwards) one request. Never rejects: a fault becomes a 500. */
async function serve(
  core: GatewayCore,
  metrics: MetricsEndpoint | null,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const exchange = new Exchange(core, req, res);
  try {
    await decide(core, metrics, exchange);
  } catch (err) {
    core.logger.error({ requestId: exchange.requestId, err: errorFacts(err) }, 'gateway fault');
    exchange.reject('INTERNAL', 'INTERNAL');
  }
}

async function decide(
  core: GatewayCore,
  metrics: MetricsEndpoint | null,
  exchange: Exchange,
): Promise<void> {
  const { req } = exchange;
  const url = req.url ?? '/';
  const questionMark = url.indexOf('?');
  const path = normalizePath(questionMark < 0 ? url : url.slice(0, questionMark));
  if (path === null) return exchange.reject('BAD_PATH', 'BAD_PATH');
  if (path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
    return answerHealth(core, exchange);
  }
  if (
    metrics !== null &&
    path === METRICS_PATH &&
    (req.method === 'GET' || req.method === 'HEAD')
  ) {
    return answerMetrics(core, metrics, exchange);
  }
  const route = core.match(path);
  if (route === null) return exchange.reject('NO_ROUTE', 'NO_ROUTE');
  const runtime = core.runtimes[route.index] as RouteRuntime;
  exchange.runtime = runtime;

  const search = questionMark < 0 ? '' : url.slice(questionMark);
  const extraction = extractSecret(req.rawHeaders, search, runtime.location);
  if (!extraction.ok) return exchange.reject(extraction.code, extraction.code);

  let result: VerifyResult;
  try {
    result = await core.verifier.verify({
      secret: extraction.secret,
      scope: route.scope,
      clientIp: exchange.clientIp,
    });
  } catch (err) {
    core.logger.error(
      { requestId: exchange.requestId, route: route.path, err: errorFacts(err) },
      'verifier could not decide; answering 503',
    );
    return exchange.reject('UNAVAILABLE', 'UNAVAILABLE');
  }
  if (!result.valid) {
    exchange.noteRefusal(result);
    return exchange.reject(REFUSALS[result.code], result.code);
  }

  const { key } = result;
  exchange.keyId = key.id;
  exchange.institutionId = key.institutionId;
  exchange.slot = result.slot.slot;
  exchange.rateLimit = result.rateLimit;
  if (result.slot.retiringUntil !== undefined) {
    // A retired secret inside its grace window: forwarded, and recorded as such (not OK).
    exchange.retiredAt = result.slot.generatedAt;
    exchange.success = 'RETIRING';
  }
  if (exchange.clientGone()) return exchange.finish(499, 'CLIENT_GONE');
  const headers = upstreamRequestHeaders(req.headers, core.headerRules, {
    peer: exchange.peer,
    trustedPeer: core.trust.trusts(exchange.peer),
    identity: identityHeaders(core, key.institutionId, key.id, result.slot.slot),
    requestId: exchange.requestId,
  });
  core.forwarder.forward(
    exchange,
    runtime.upstream,
    upstreamPath(route, path) + extraction.url,
    headers,
  );
}

/**
 * For load balancers and orchestrators: 200 `{"status":"ok"}` when this node can verify secrets
 * that are not cached, else a 503 problem (the store does not answer). Needs no secret, is never
 * forwarded and is not a usage event. A well-known path (RFC 8615) so it cannot shadow an API.
 */
export const HEALTH_PATH = '/.well-known/keyward/health';

async function answerHealth(core: GatewayCore, exchange: Exchange): Promise<void> {
  const reachable = await core.storeReachable().catch(() => false);
  const { res, requestId } = exchange;
  if (exchange.clientGone()) return;
  const body = reachable ? '{"status":"ok"}' : problemJson(core.problems.UNAVAILABLE, requestId);
  res.writeHead(reachable ? 200 : 503, {
    'content-type': reachable ? 'application/json' : 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  res.end(exchange.req.method === 'HEAD' ? undefined : body);
}

/**
 * Prometheus metrics on the gateway port (config `gateway.metrics`: a `--role gateway` node has
 * no admin port). Like health: no API key, never forwarded, not a usage event. Asks for the
 * metrics bearer token when one is configured.
 */
export const METRICS_PATH = '/metrics';

async function answerMetrics(
  core: GatewayCore,
  endpoint: MetricsEndpoint,
  exchange: Exchange,
): Promise<void> {
  const { req, res, requestId } = exchange;
  const headers: Record<string, string | number> = {
    'cache-control': 'no-store',
    'x-request-id': requestId,
  };
  let status = 200;
  let body: string;
  if (
    endpoint.tokenSha256 !== null &&
    !bearerMatches(req.headers.authorization, endpoint.tokenSha256)
  ) {
    status = 401;
    body = JSON.stringify({
      type: 'urn:keyward:problem:UNAUTHENTICATED',
      title: 'Authentication required',
      status,
      detail: 'Send the metrics token as a bearer token',
      code: 'UNAUTHENTICATED',
      requestId,
    });
    headers['content-type'] = 'application/problem+json';
    headers['www-authenticate'] = 'Bearer realm="keyward-metrics"';
  } else {
    try {
      body = await endpoint.exposition.render();
      headers['content-type'] = endpoint.exposition.contentType;
    } catch (err) {
      core.logger.error({ requestId, err: errorFacts(err) }, 'metrics could not be rendered');
      status = 500;
      body = problemJson(core.problems.INTERNAL, requestId);
      headers['content-type'] = 'application/problem+json';
    }
  }
  if (exchange.clientGone()) return;
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The HTTP parser refused the request: answer problem+json instead of Node's bare 400. */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (pending?.headersSent ?? false)) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const requestId = newRequestId();
  const body = JSON.stringify({
    type: 'urn:keyward:problem:INVALID_REQUEST',
    title: STATUS_CODES[status],
    status,
    detail: 'The request is not valid HTTP',
    code: 'INVALID_REQUEST',
    requestId,
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Builds the gateway (validating routes, header and trusted proxies: AppError CONFIG_INVALID or
 * VALIDATION_FAILED) without listening yet.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const core = new GatewayCore(options);
  const metrics = options.metrics ?? null;
  // GET /metrics is answered before routing: a route of its own there would never see a GET.
  if (metrics !== null && core.match(METRICS_PATH)?.path === METRICS_PATH) {
    throw new AppError(
      'CONFIG_INVALID',
      `gateway.metrics serves ${METRICS_PATH} on the gateway port: no route may use that path`,
    );
  }
  const server = createServer(function onGatewayRequest(req, res) {
    void serve(core, metrics, req, res);
  });
  server.on('clientError', onClientError);
  const closeGraceMs = options.closeGraceMs ?? 10_000;

  return Object.freeze({
    server,
    listen(port: number, host: string): Promise<string> {
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    async close(): Promise<void> {
      if (server.listening) {
        await new Promise<void>((resolve) => {
          const cut = setTimeout(() => server.closeAllConnections(), closeGraceMs);
          cut.unref();
          server.close(() => {
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        });
      }
      await core.forwarder.close();
    },
  });
}
