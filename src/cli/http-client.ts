import { UsageError } from './cli-exit.js';

/**
 * A small client for the admin API. It never follows redirects (credentials must only go to the
 * URL the user named), never puts a secret in a URL, and turns every failure into an `ApiError`
 * (the server answered with an error) or a `NetworkError` (it could not be reached).
 */

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:4000';
const TIMEOUT_MS = 30_000;

export type Auth =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'session'; readonly cookie: string; readonly csrfToken: string }
  | { readonly kind: 'none' };

/** The `application/problem+json` body of an admin API error. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
  /** SLOT_IN_USE / ROTATION_BLOCKED: who still uses the slot(s). */
  readonly evidence?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly authKind: Auth['kind'],
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface ApiResponse<T> {
  readonly status: number;
  /** Undefined for 204 No Content. */
  readonly body: T | undefined;
  readonly headers: Headers;
}

/**
 * The base URL from `--url`, else `KEYWARD_URL`, else the default; normalised without a trailing
 * slash so it can key the saved sessions.
 */
export function resolveBaseUrl(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const raw = flag ?? (env.KEYWARD_URL || DEFAULT_ADMIN_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid admin API URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the admin API URL must start with http:// or https://: ${raw}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError('the admin API URL must not contain credentials, a query or a fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Encodes one path segment (an id typed by the user). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** True when `baseUrl` is plain HTTP to a host other than this machine. */
export function isCleartextRemote(baseUrl: string): boolean {
  const { protocol, hostname } = new URL(baseUrl);
  const loopback =
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return protocol === 'http:' && !loopback;
}

export class AdminClient {
  constructor(
    readonly baseUrl: string,
    readonly auth: Auth,
    private readonly timeoutMs: number = TIMEOUT_MS,
  ) {}

  get<T>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, body);
  }

  delete(path: string): Promise<ApiResponse<unknown>> {
    return this.request('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'keyward-cli',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth.kind === 'token') headers.authorization = `Bearer ${this.auth.token}`;
    if (this.auth.kind === 'session') {
      headers.cookie = this.auth.cookie;
      if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = this.auth.csrfToken;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new NetworkError(describeFetchFailure(err, this.baseUrl, this.timeoutMs));
    }
    return this.readResponse<T>(res, method, path);
  }

  private async readResponse<T>(
    res: Response,
    method: string,
    path: string,
  ): Promise<ApiResponse<T>> {
    const where = `${method} ${this.baseUrl}${path}`;
    if (res.status === 204) return { status: 204, body: undefined, headers: res.headers };
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new NetworkError(describeFetchFailure(err, this.baseUrl, this.timeoutMs));
    }
    const contentType = res.headers.get('content-type') ?? '';
    const parsed = /\bjson\b/i.test(contentType) ? parseJson(text) : undefined;
    if (res.status >= 300 && res.status < 400) {
      throw new ApiError(
        res.status,
        {
          detail: `unexpected redirect from ${where} (HTTP ${res.status}); is the URL the admin API?`,
        },
        this.auth.kind,
      );
    }
    if (!res.ok) {
      const problem: Problem =
        parsed !== null && typeof parsed === 'object'
          ? (parsed as Problem)
          : { detail: `HTTP ${res.status} ${res.statusText} from ${where}` };
      throw new ApiError(res.status, problem, this.auth.kind);
    }
    if (parsed === undefined) {
      throw new ApiError(
        res.status,
        {
          detail: `expected JSON from ${where} but got ${contentType || 'no content type'}; is the URL the admin API?`,
        },
        this.auth.kind,
      );
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeFetchFailure(err: unknown, baseUrl: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `the admin API at ${baseUrl} did not answer within ${timeoutMs / 1000} s`;
  }
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const reason =
    cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `cannot reach the admin API at ${baseUrl} (${reason}); check --url or KEYWARD_URL`;
}
