import type { GatewayRoute } from '../config/config.js';
import { AppError } from '../core/errors.js';

/**
 * Gateway routing: longest prefix on whole path segments (`/messages` matches `/messages` and
 * `/messages/1`, never `/messagesX`), compiled once at start.
 *
 * Request paths are normalised before matching and the normalised path is what the upstream
 * receives, so a route's scope cannot be side-stepped by a spelling the upstream would resolve
 * to another route: `/a/../admin`, `/%61dmin`, `//admin` or `\admin`.
 */

export interface CompiledRoute {
  /** Position in the configured list. */
  readonly index: number;
  /** The configured prefix, normalised (`/` for the root). */
  readonly path: string;
  /** `http(s)://host:port` of the upstream: one connection pool each. */
  readonly origin: string;
  /** The upstream URL's path without a trailing slash (`''` when none). */
  readonly basePath: string;
  readonly scope: string | undefined;
  readonly allowQueryKey: boolean;
  readonly stripPrefix: boolean;
  /** Length of the prefix as matched (0 for the root route). */
  readonly prefixLength: number;
}

export interface RouteTable {
  readonly routes: readonly CompiledRoute[];
  /** The route with the longest matching prefix for a normalised path, or null. */
  match(path: string): CompiledRoute | null;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Decodes escapes of unreserved characters (RFC 3986 §6.2.2.2); null on a malformed escape. */
function decodeUnreserved(path: string): string | null {
  let out = '';
  let last = 0;
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    out += path.slice(last, i) + (UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`);
    last = i + 3;
    i += 2;
  }
  return out + path.slice(last);
}

function hasDotSegment(path: string): boolean {
  for (let i = path.indexOf('/.'); i >= 0; i = path.indexOf('/.', i + 1)) {
    const next = path.charCodeAt(i + 2);
    // `/.` or `/..`, each followed by the end or a slash (NaN past the end).
    if (Number.isNaN(next) || next === 47) return true;
    if (next === 46) {
      const after = path.charCodeAt(i + 3);
      if (Number.isNaN(after) || after === 47) return true;
    }
  }
  return false;
}

/**
 * The canonical form of a request path (no query): unreserved escapes decoded, repeated slashes
 * collapsed. Null — the request is refused — for a path that is not origin-form, contains a
 * backslash (raw or `%5C`), a malformed escape, or a `.`/`..` segment.
 */
export function normalizePath(path: string): string | null {
  if (path.charCodeAt(0) !== 47) return null;
  let out = path;
  if (out.indexOf('%') >= 0) {
    const decoded = decodeUnreserved(out);
    if (decoded === null || decoded.indexOf('%5C') >= 0) return null;
    out = decoded;
  }
  if (out.indexOf('\\') >= 0) return null;
  if (out.indexOf('//') >= 0) out = out.replace(/\/{2,}/g, '/');
  if (out.indexOf('/.') >= 0 && hasDotSegment(out)) return null;
  return out;
}

function invalid(route: GatewayRoute, reason: string): AppError {
  return new AppError('CONFIG_INVALID', `gateway route ${JSON.stringify(route.path)}: ${reason}`);
}

function compileRoute(route: GatewayRoute, index: number): CompiledRoute {
  const normalised = /[?#]/.test(route.path) ? null : normalizePath(route.path);
  if (normalised === null) {
    throw invalid(route, 'path must be a plain path, without query, "." or ".." segments');
  }
  const key = normalised.replace(/\/+$/, '');
  let upstream: URL;
  try {
    upstream = new URL(route.upstream);
  } catch {
    throw invalid(route, 'upstream is not a valid URL');
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw invalid(route, 'upstream must be an http:// or https:// URL');
  }
  if (upstream.username !== '' || upstream.password !== '') {
    throw invalid(route, 'upstream must not contain credentials');
  }
  if (upstream.search !== '' || upstream.hash !== '') {
    throw invalid(route, 'upstream must not contain a query or fragment');
  }
  return Object.freeze({
    index,
    path: key === '' ? '/' : key,
    origin: upstream.origin,
    basePath: upstream.pathname.replace(/\/+$/, ''),
    scope: route.scope,
    allowQueryKey: route.allowQueryKey === true,
    stripPrefix: route.stripPrefix === true,
    prefixLength: key.length,
  });
}

/** Compiles the configured routes; throws AppError CONFIG_INVALID on a bad or repeated route. */
export function compileRoutes(routes: readonly GatewayRoute[]): RouteTable {
  const byPrefix = new Map<string, CompiledRoute>();
  const compiled = routes.map((route, index) => {
    const c = compileRoute(route, index);
    const key = c.path === '/' ? '' : c.path;
    if (byPrefix.has(key)) throw invalid(route, `path ${c.path} is configured twice`);
    byPrefix.set(key, c);
    return c;
  });
  return Object.freeze({
    routes: Object.freeze(compiled),
    match(path: string): CompiledRoute | null {
      // Try the whole path, then each shorter segment prefix, down to the root (''):
      // at most one map lookup per segment, whatever the number of routes.
      let candidate = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
      for (;;) {
        const route = byPrefix.get(candidate);
        if (route !== undefined) return route;
        if (candidate === '') return null;
        candidate = candidate.slice(0, candidate.lastIndexOf('/'));
      }
    },
  });
}

/** The path (no query) to request from the route's upstream for a normalised request path. */
export function upstreamPath(route: CompiledRoute, path: string): string {
  const rest = route.stripPrefix ? path.slice(route.prefixLength) : path;
  const joined = route.basePath + rest;
  return joined === '' ? '/' : joined;
}
