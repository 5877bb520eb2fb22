import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Session } from '../core/model.js';
import type { AuthService } from '../services/auth-service.js';
import type { RequestContext } from '../services/principal.js';

export const SESSION_COOKIE = 'keyward_session';

/**
 * How a route authenticates:
 * - `none`: public (login, OpenAPI document);
 * - `user`: a signed-in user only (session cookie);
 * - `any`: a session, or `Authorization: Bearer <manage-key secret>` for automation;
 * - `verifier`: `Authorization: Bearer <verifier token>` only (the verify API; no request context).
 */
export type RouteAuth = 'none' | 'user' | 'any' | 'verifier';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Reachable while the user must still change a generated password. */
    duringPasswordChange?: boolean;
  }
  interface FastifyRequest {
    ctx: RequestContext | null;
    session: Session | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request's context; the auth hook guarantees it on authenticated routes. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.ctx) throw new AppError('UNAUTHENTICATED');
  return request.ctx;
}

export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new AppError('UNAUTHENTICATED', 'This action needs a signed-in user');
  return request.session;
}

/** Builds the preHandler that authenticates every route according to its `auth` config. */
export function createAuthHook(auth: AuthService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    request.ctx = null;
    request.session = null;
    const mode: RouteAuth = request.routeOptions.config.auth ?? 'any';
    if (mode === 'none') return;
    if (mode === 'verifier') {
      const token = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!token || !auth.isVerifierToken(token)) {
        throw new AppError(
          'UNAUTHENTICATED',
          'Send a verifier token as "Authorization: Bearer <token>"',
        );
      }
      return;
    }
    const base = { sourceIp: request.ip ?? null, requestId: String(request.id) };

    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer ([^\s]+)$/.exec(header);
      if (!match?.[1])
        throw new AppError('UNAUTHENTICATED', 'Authorization must be "Bearer <manage key secret>"');
      if (mode === 'user')
        throw new AppError('FORBIDDEN', 'This action needs a signed-in user, not a key');
      const principal = await auth.fromBearer(match[1], base.sourceIp);
      if (!principal)
        throw new AppError('UNAUTHENTICATED', 'The bearer secret is not a valid manage key');
      request.ctx = { principal, ...base };
      return;
    }

    const token = request.cookies[SESSION_COOKIE];
    const found = token ? await auth.fromSession(token) : null;
    if (!found)
      throw new AppError('UNAUTHENTICATED', 'Sign in, or send a manage key as a bearer token');
    if (!SAFE_METHODS.has(request.method)) {
      const csrf = request.headers['x-csrf-token'];
      if (!auth.csrfMatches(found.session, typeof csrf === 'string' ? csrf : undefined)) {
        throw new AppError('CSRF_FAILED', 'Send the X-CSRF-Token header returned at login');
      }
    }
    if (
      found.principal.user.mustChangePassword &&
      !request.routeOptions.config.duringPasswordChange
    ) {
      throw new AppError(
        'PASSWORD_CHANGE_REQUIRED',
        'Change your password first (POST /api/v1/auth/password)',
      );
    }
    request.ctx = { principal: found.principal, ...base };
    request.session = found.session;
  };
}
