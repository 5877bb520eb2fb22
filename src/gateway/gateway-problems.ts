/**
 * Every answer the gateway gives on its own (rather than relaying the upstream's), as
 * `application/problem+json` with the same shape as the admin API (http/problem.ts):
 * `{type, title, status, detail, code, requestId}`. Bodies are pre-rendered once per gateway;
 * a request only appends its id. Nothing from the request is ever echoed (a secret could be in it).
 */

/** Why the gateway answered itself. Several reasons share one public `code` (no oracle). */
export type Rejection =
  | 'MISSING'
  | 'DUPLICATE'
  | 'INVALID'
  | 'INACTIVE'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'NO_ROUTE'
  | 'BAD_PATH'
  | 'INTERNAL';

/** The public codes (API.md, Gateway). */
export type GatewayProblemCode =
  | 'MISSING'
  | 'DUPLICATE'
  | 'INVALID'
  | 'INACTIVE'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'UPSTREAM'
  | 'NOT_FOUND'
  | 'INVALID_REQUEST'
  | 'INTERNAL';

interface ProblemSpec {
  readonly status: number;
  readonly code: GatewayProblemCode;
  readonly title: string;
  readonly detail: string;
}

function specs(header: string): Readonly<Record<Rejection, ProblemSpec>> {
  return {
    MISSING: {
      status: 401,
      code: 'MISSING',
      title: 'API key missing',
      detail: `Send the API key in the ${header} header`,
    },
    DUPLICATE: {
      status: 401,
      code: 'DUPLICATE',
      title: 'API key sent more than once',
      detail: 'Send exactly one API key, in one place',
    },
    INVALID: {
      status: 401,
      code: 'INVALID',
      title: 'Invalid API key',
      detail: 'The API key is not valid',
    },
    INACTIVE: {
      status: 401,
      code: 'INACTIVE',
      title: 'API key inactive',
      detail: 'The API key is suspended, deleted or expired',
    },
    FORBIDDEN: {
      status: 403,
      code: 'FORBIDDEN',
      title: 'Forbidden',
      detail: 'The API key may not be used for this request',
    },
    RATE_LIMITED: {
      status: 429,
      code: 'RATE_LIMITED',
      title: 'Too many requests',
      detail: 'Rate limit exceeded; retry after the number of seconds in Retry-After',
    },
    UNAVAILABLE: {
      status: 503,
      code: 'UNAVAILABLE',
      title: 'Service unavailable',
      detail: 'The API key cannot be checked right now; retry later',
    },
    UPSTREAM_UNREACHABLE: {
      status: 502,
      code: 'UPSTREAM',
      title: 'Bad gateway',
      detail: 'The upstream service could not be reached',
    },
    UPSTREAM_TIMEOUT: {
      status: 504,
      code: 'UPSTREAM',
      title: 'Gateway timeout',
      detail: 'The upstream service did not answer in time',
    },
    NO_ROUTE: {
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not found',
      detail: 'No route matches this path',
    },
    BAD_PATH: {
      status: 400,
      code: 'INVALID_REQUEST',
      title: 'Invalid request path',
      detail: 'The path contains dot segments, backslashes or malformed escapes',
    },
    INTERNAL: {
      status: 500,
      code: 'INTERNAL',
      title: 'Internal error',
      detail: 'An internal error occurred; quote the request id to the operator',
    },
  };
}

export interface RenderedProblem {
  readonly status: number;
  readonly code: GatewayProblemCode;
  /** The JSON body up to (not including) the request id value. */
  readonly bodyStart: string;
}

export type ProblemCatalog = Readonly<Record<Rejection, RenderedProblem>>;

/** Pre-renders every problem body for a gateway whose secret header is `header`. */
export function renderProblems(header: string): ProblemCatalog {
  const out: Partial<Record<Rejection, RenderedProblem>> = {};
  for (const [rejection, spec] of Object.entries(specs(header)) as [Rejection, ProblemSpec][]) {
    const head = JSON.stringify({
      type: `urn:keyward:problem:${spec.code}`,
      title: spec.title,
      status: spec.status,
      detail: spec.detail,
      code: spec.code,
      requestId: '',
    });
    // Drop the closing `"}` of the empty request id so a request appends `<id>"}`.
    out[rejection] = Object.freeze({
      status: spec.status,
      code: spec.code,
      bodyStart: head.slice(0, -2),
    });
  }
  return Object.freeze(out as Record<Rejection, RenderedProblem>);
}

/** The body for one request. Request ids are `req_` + base62: nothing to escape. */
export function problemJson(problem: RenderedProblem, requestId: string): string {
  return `${problem.bodyStart}${requestId}"}`;
}
