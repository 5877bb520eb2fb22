import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { peerAddress } from '../src/gateway/client-ip.js';
import {
  compileRequestHeaderRules,
  type ForwardExchange,
  Forwarder,
  type ForwardFailure,
  upstreamRequestHeaders,
} from '../src/gateway/forwarder.js';
import { newRequestId } from '../src/gateway/request-id.js';

/**
 * The baseline: a bare Node.js reverse proxy that forwards everything to one upstream with the
 * gateway's own `Forwarder` (same undici Pool options, same streaming both ways, same header
 * hygiene: hop-by-hop headers dropped, `X-Forwarded-*` set, a request id added). What it lacks is
 * exactly what the gateway adds: route matching, secret extraction, verification, limits, identity
 * headers and usage events.
 */

/** The secret header the gateway strips; stripping it here too keeps the upstream's view equal. */
const SECRET_HEADER = 'x-api-key';

class BareExchange implements ForwardExchange {
  readonly requestId = newRequestId();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {}

  decorateResponse(headers: Record<string, unknown>): void {
    headers['x-request-id'] = this.requestId;
  }

  forwardEnded(failure: ForwardFailure | null): void {
    if (failure === null) return;
    if (this.res.headersSent || failure === 'INTERRUPTED' || failure === 'CLIENT_GONE') {
      if (!this.res.destroyed) this.res.destroy();
      return;
    }
    const status = failure === 'TIMEOUT' ? 504 : 502;
    this.res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '8' });
    this.res.end('upstream');
  }
}

export interface BareProxyOptions {
  readonly upstream: string;
  /** The same value the gateway gets as `gateway.upstreamTimeoutMs`. */
  readonly upstreamTimeoutMs: number;
}

export interface BareProxy {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startBareProxy(options: BareProxyOptions): Promise<BareProxy> {
  const forwarder = new Forwarder({ headersTimeoutMs: options.upstreamTimeoutMs });
  const upstream = forwarder.upstream(new URL(options.upstream).origin);
  const rules = compileRequestHeaderRules(SECRET_HEADER, []);
  const noIdentity: readonly string[] = [];
  const server = createServer(function onBareRequest(req, res) {
    const exchange = new BareExchange(req, res);
    const headers = upstreamRequestHeaders(req.headers, rules, {
      peer: peerAddress(req.socket.remoteAddress),
      trustedPeer: false,
      identity: noIdentity,
      requestId: exchange.requestId,
    });
    forwarder.forward(exchange, upstream, req.url ?? '/', headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await forwarder.close();
    },
  };
}
