import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every proxied request finally gets: a small JSON body, as a typical API answer. */
const BODY = Buffer.from('{"ok":true,"service":"bench-upstream"}\n');
const HEADERS = {
  'content-type': 'application/json',
  'content-length': String(BODY.length),
} as const;

function answer(req: IncomingMessage, res: ServerResponse): void {
  // Drain any request body before answering so the connection stays reusable.
  if (req.complete) {
    res.writeHead(200, HEADERS).end(BODY);
    return;
  }
  req.resume();
  req.once('end', () => res.writeHead(200, HEADERS).end(BODY));
}

/** The loopback upstream behind both proxies (node:http, keep-alive with Node's defaults). */
export async function startUpstream(): Promise<{ readonly url: string; readonly server: Server }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
