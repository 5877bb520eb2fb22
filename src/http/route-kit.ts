import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

/** The Fastify instance type of the admin API (TypeBox-typed routes). */
export type AdminApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const PROBLEM = { $ref: 'Problem#' } as const;

const STATUS_OF = {
  badRequest: 400,
  unauthenticated: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  tooLarge: 413,
  unprocessable: 422,
  rateLimited: 429,
} as const;

/** Problem responses documented for a route (every authenticated route may answer 401). */
export function problems(...which: (keyof typeof STATUS_OF)[]): Record<number, typeof PROBLEM> {
  const out: Record<number, typeof PROBLEM> = {};
  for (const w of which) out[STATUS_OF[w]] = PROBLEM;
  return out;
}

/** OpenAPI security requirement: session cookie (+ CSRF on mutations) or manage-key bearer. */
export const SESSION_OR_KEY: { [label: string]: string[] }[] = [{ session: [] }, { manageKey: [] }];
export const SESSION_ONLY: { [label: string]: string[] }[] = [{ session: [] }];
