import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { AdminApp } from './route-kit.js';

/**
 * Serves the built admin console (DESIGN.md §4 `web/`) at `/` beside the API under `/api/v1`.
 *
 * Invariants:
 * - `/api/…` never falls back to the console: an unknown API path keeps its problem+json 404.
 * - Every console route is hidden from the OpenAPI document (it describes the API only).
 * - HTML is sent with a strict CSP (no inline script, same-origin connections only) and may not
 *   be framed; hashed assets are cached for a year, HTML is revalidated on every load.
 */

const HTML_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  'Cache-Control': 'no-cache',
};

/** Vite writes content-hashed file names under assets/: safe to cache for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function setConsoleHeaders(reply: FastifyReply, path: string): void {
  if (path.endsWith('.html')) reply.headers(HTML_HEADERS);
  else if (/[\\/]assets[\\/]/.test(path)) reply.header('Cache-Control', IMMUTABLE);
  else reply.header('Cache-Control', 'no-cache');
}

/** A path the console's client-side router may own: not the API, and not a file name. */
function isConsoleRoute(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  if (path === '/api' || path.startsWith('/api/')) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyward</title></head>
<body><h1>Keyward</h1>
<p>The admin console is not built. Run <code>npm run build</code>, then restart the server.</p>
<p>The admin API is available under <code>/api/v1</code> (document: <code>/api/v1/openapi.json</code>).</p>
</body></html>
`;

/**
 * Registers the console routes on the root of the admin app. `dir` is the Vite output folder
 * (holding `index.html`); when it is missing, `/` only answers a short "not built" page.
 */
export async function registerConsole(app: AdminApp, dir: string | null): Promise<void> {
  if (dir === null || !existsSync(join(dir, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').headers(HTML_HEADERS).send(NOT_BUILT_PAGE),
    );
    return;
  }

  // wildcard: false lists the (few, hashed) built files once at start and registers a route for
  // each, so nothing outside the folder can ever be named by a request.
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    schemaHide: true,
    setHeaders: setConsoleHeaders,
  });

  // Deep links (/institutions/…, /keys/…) load the app, whose router renders the page.
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (!isConsoleRoute(request.url)) return reply.callNotFound();
    return reply.sendFile('index.html');
  });
}
