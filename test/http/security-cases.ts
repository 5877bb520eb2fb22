import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/harness.js';
import type { World } from '../support/world.js';

/**
 * Every admin route, with who may call it. `securityCases` turns each entry into the standard
 * security tests; route-security.test.ts also checks this table covers every route in the
 * OpenAPI document, so a new route cannot ship without them.
 */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI path template under /api/v1. */
  readonly path: string;
  /** `user`: session only; `any`: session or manage key; `verifier`: verifier token; `none`: public. */
  readonly auth: 'none' | 'user' | 'any' | 'verifier';
  /** Least role that may call it inside its institution (`platform` = platform operators only). */
  readonly minimum: 'signed-in' | 'operator' | 'admin' | 'platform';
  /** Whether the route addresses one institution's data (tenancy applies). */
  readonly tenant: boolean;
  readonly body?: (w: World) => unknown;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/auth/login', auth: 'none', minimum: 'signed-in', tenant: false },
  { method: 'POST', path: '/auth/logout', auth: 'user', minimum: 'signed-in', tenant: false },
  { method: 'GET', path: '/auth/me', auth: 'user', minimum: 'signed-in', tenant: false },
  {
    method: 'POST',
    path: '/auth/password',
    auth: 'user',
    minimum: 'signed-in',
    tenant: false,
    body: () => ({ currentPassword: 'x', newPassword: 'y' }),
  },
  { method: 'GET', path: '/institutions', auth: 'any', minimum: 'signed-in', tenant: false },
  {
    method: 'POST',
    path: '/institutions',
    auth: 'user',
    minimum: 'platform',
    tenant: false,
    body: () => ({ name: 'Never created' }),
  },
  {
    method: 'GET',
    path: '/institutions/{institutionId}',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'PATCH',
    path: '/institutions/{institutionId}',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
    body: () => ({ name: 'Renamed by an intruder' }),
  },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/members',
    auth: 'user',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'POST',
    path: '/institutions/{institutionId}/members',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
    body: () => ({
      email: 'intruder@example.test',
      name: 'Intruder',
      role: 'admin',
      password: 'intruder-password',
    }),
  },
  {
    method: 'PATCH',
    path: '/institutions/{institutionId}/members/{userId}',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
    body: () => ({ role: 'admin' }),
  },
  {
    method: 'DELETE',
    path: '/institutions/{institutionId}/members/{userId}',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
  },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/keys',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'POST',
    path: '/institutions/{institutionId}/keys',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    body: () => ({ name: 'Never created' }),
  },
  {
    method: 'POST',
    path: '/institutions/{institutionId}/keys/import',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    // Valid values: a refusal must come from the caller's rights, not from the body.
    body: () => ({
      name: 'Never imported',
      primary: randomBytes(16).toString('hex'),
      secondary: randomBytes(16).toString('hex'),
    }),
  },
  { method: 'GET', path: '/keys/{keyId}', auth: 'any', minimum: 'operator', tenant: true },
  { method: 'GET', path: '/keys/{keyId}/clients', auth: 'any', minimum: 'operator', tenant: true },
  { method: 'GET', path: '/keys/{keyId}/usage', auth: 'any', minimum: 'operator', tenant: true },
  { method: 'GET', path: '/keys/{keyId}/events', auth: 'any', minimum: 'operator', tenant: true },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/usage',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/hygiene',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/alerts',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  { method: 'POST', path: '/alerts/{alertId}/ack', auth: 'any', minimum: 'admin', tenant: true },
  { method: 'GET', path: '/alerts', auth: 'user', minimum: 'platform', tenant: false },
  { method: 'POST', path: '/keys/{keyId}/rotations', auth: 'any', minimum: 'admin', tenant: true },
  {
    method: 'POST',
    path: '/keys/{keyId}/share',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    body: () => ({ until: new Date(Date.now() + 3_600_000).toISOString() }),
  },
  { method: 'GET', path: '/keys/{keyId}/shares', auth: 'any', minimum: 'operator', tenant: true },
  {
    method: 'GET',
    path: '/keys/{keyId}/rotations/current',
    auth: 'any',
    minimum: 'operator',
    tenant: true,
  },
  {
    method: 'POST',
    path: '/keys/{keyId}/rotations/current/advance',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    body: () => ({}),
  },
  {
    method: 'DELETE',
    path: '/keys/{keyId}/rotations/current',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
  },
  { method: 'GET', path: '/keys/{keyId}/secrets', auth: 'any', minimum: 'admin', tenant: true },
  {
    method: 'POST',
    path: '/keys/{keyId}/regenerate',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    body: () => ({ slot: 'primary' }),
  },
  {
    method: 'PATCH',
    path: '/keys/{keyId}',
    auth: 'any',
    minimum: 'admin',
    tenant: true,
    body: () => ({ state: 'suspended' }),
  },
  { method: 'DELETE', path: '/keys/{keyId}', auth: 'any', minimum: 'admin', tenant: true },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/audit',
    auth: 'user',
    minimum: 'operator',
    tenant: true,
  },
  { method: 'GET', path: '/audit/verify', auth: 'user', minimum: 'platform', tenant: false },
  {
    method: 'GET',
    path: '/institutions/{institutionId}/webhooks',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
  },
  {
    method: 'POST',
    path: '/institutions/{institutionId}/webhooks',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
    body: () => ({ url: 'http://127.0.0.1:9/intruder' }),
  },
  { method: 'DELETE', path: '/webhooks/{webhookId}', auth: 'user', minimum: 'admin', tenant: true },
  {
    method: 'POST',
    path: '/webhooks/{webhookId}/test',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
  },
  {
    method: 'GET',
    path: '/webhooks/{webhookId}/deliveries',
    auth: 'user',
    minimum: 'admin',
    tenant: true,
  },
  {
    method: 'POST',
    path: '/verify',
    auth: 'verifier',
    minimum: 'signed-in',
    tenant: false,
    body: (w) => ({ secret: w.keyA.primary }),
  },
  // Internal scanners: a manage key only (sessions → 403). POST /leaks/github is GitHub's,
  // authenticated by its signature and hidden from the OpenAPI document (test/e2e/leak-report).
  {
    method: 'POST',
    path: '/leaks/report',
    auth: 'any',
    minimum: 'admin',
    tenant: false,
    body: () => [],
  },
  // Read-only: anyone signed in; what a caller learns depends on what it may see (leak-report).
  {
    method: 'POST',
    path: '/leaks/check',
    auth: 'any',
    minimum: 'signed-in',
    tenant: false,
    body: (w) => ({ secrets: [w.keyA.primary] }),
  },
];

export function concretePath(route: RouteSpec, w: World): string {
  return route.path
    .replace('{institutionId}', w.insA)
    .replace('{keyId}', w.keyA.id)
    .replace('{userId}', w.operatorAUserId)
    .replace('{webhookId}', w.webhookA.id)
    .replace('{alertId}', w.alertA.id);
}

function call(client: ApiClient, route: RouteSpec, w: World) {
  return client.request(route.method, concretePath(route, w), route.body?.(w));
}

function expectProblem(
  res: { status: number; headers: Headers; body: unknown; text: string },
  status: number,
  code?: string,
) {
  expect(res.status, `${res.status} ${res.text}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (code) expect((res.body as { code: string }).code).toBe(code);
}

/**
 * The standard security cases of one route: no credentials → 401; another institution's admin
 * (and manage key) → 404, never 403; an operator on an admin action → 403; a session mutation
 * without the CSRF header → 403.
 */
export function securityCases(
  route: RouteSpec,
  world: () => World,
  anonymous: () => ApiClient,
): void {
  if (route.auth === 'none') return;
  describe(`${route.method} ${route.path}`, () => {
    it('refuses a request without credentials (401)', async () => {
      const res = await call(anonymous(), route, world());
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toBeTruthy();
    });

    if (route.tenant) {
      it('answers 404 to an admin of another institution', async () => {
        expectProblem(await call(world().adminB, route, world()), 404, 'NOT_FOUND');
      });
      if (route.auth === 'any') {
        it('answers 404 to a manage key of another institution', async () => {
          expectProblem(await call(world().manageB, route, world()), 404, 'NOT_FOUND');
        });
      }
    }

    if (route.auth === 'user') {
      it('refuses a manage key (keys only act on keys)', async () => {
        expectProblem(await call(world().manageA, route, world()), 403, 'FORBIDDEN');
      });
    }

    if (route.minimum === 'admin' || route.minimum === 'platform') {
      it('refuses an operator (403)', async () => {
        expectProblem(await call(world().operatorA, route, world()), 403, 'FORBIDDEN');
      });
    }

    if (route.auth === 'verifier') {
      it('refuses a session, a manage key and the platform operator: only verifier tokens (401)', async () => {
        for (const client of [world().adminA, world().manageA, world().platform]) {
          expectProblem(await call(client, route, world()), 401, 'UNAUTHENTICATED');
        }
      });
    }

    if (route.method !== 'GET' && route.auth !== 'verifier') {
      it('refuses a session mutation without the CSRF token (403)', async () => {
        expectProblem(await call(world().adminA.withoutCsrf(), route, world()), 403, 'CSRF_FAILED');
      });
    }
  });
}
