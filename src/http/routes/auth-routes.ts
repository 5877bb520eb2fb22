import Type from 'typebox';
import { AppError } from '../../core/errors.js';
import type { AuthService } from '../../services/auth-service.js';
import { contextOf, SESSION_COOKIE, sessionOf } from '../auth-hook.js';
import { membershipView, userView } from '../presenters.js';
import { type AdminApp, problems, SESSION_ONLY } from '../route-kit.js';
import { ChangePasswordBody, LoginBody, Membership, User } from '../schemas.js';

export function registerAuthRoutes(
  app: AdminApp,
  deps: { auth: AuthService; secureCookies: boolean },
): void {
  const { auth } = deps;

  app.post(
    '/auth/login',
    {
      config: { auth: 'none' },
      schema: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Sign in with email and password',
        description:
          'Sets the HttpOnly session cookie. Send the returned csrfToken as X-CSRF-Token on every mutation.',
        security: [],
        body: LoginBody,
        response: {
          200: Type.Object({ user: User, csrfToken: Type.String() }),
          ...problems('badRequest', 'unauthenticated', 'rateLimited'),
        },
      },
    },
    async (request, reply) => {
      try {
        const result = await auth.login(
          request.body.email,
          request.body.password,
          request.ip,
          String(request.id),
        );
        reply.setCookie(SESSION_COOKIE, result.sessionToken, {
          httpOnly: true,
          sameSite: 'strict',
          secure: deps.secureCookies || request.protocol === 'https',
          path: '/',
          expires: result.expiresAt,
        });
        return { user: userView(result.user), csrfToken: result.csrfToken };
      } catch (err) {
        if (err instanceof AppError && err.code === 'RATE_LIMITED') {
          reply.header('Retry-After', String(err.details?.retryAfterSeconds ?? 60));
        }
        throw err;
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { auth: 'user', duringPasswordChange: true },
      schema: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'End the session',
        security: SESSION_ONLY,
        response: { 204: Type.Null(), ...problems('unauthenticated', 'forbidden') },
      },
    },
    async (request, reply) => {
      await auth.logout(contextOf(request), sessionOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { auth: 'user', duringPasswordChange: true },
      schema: {
        tags: ['auth'],
        operationId: 'me',
        summary: 'The signed-in user and their memberships',
        security: SESSION_ONLY,
        response: {
          200: Type.Object({ user: User, memberships: Type.Array(Membership) }),
          ...problems('unauthenticated', 'forbidden'),
        },
      },
    },
    async (request) => {
      const { user, memberships } = await auth.me(sessionOf(request).userId);
      return { user: userView(user), memberships: memberships.map(membershipView) };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { auth: 'user', duringPasswordChange: true },
      schema: {
        tags: ['auth'],
        operationId: 'changePassword',
        summary: 'Change the signed-in user’s password (required after a generated one)',
        security: SESSION_ONLY,
        body: ChangePasswordBody,
        response: {
          204: Type.Null(),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'unprocessable'),
        },
      },
    },
    async (request, reply) => {
      await auth.changePassword(
        contextOf(request),
        sessionOf(request),
        request.body.currentPassword,
        request.body.newPassword,
      );
      return reply.code(204).send(null);
    },
  );
}
