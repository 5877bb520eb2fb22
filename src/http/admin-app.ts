import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { newId } from '../core/ids.js';
import { maskSecrets } from '../core/secret-mask.js';
import type { MetricsEndpoint } from '../ports/metrics-exposition.js';
import type { AuditService } from '../services/audit-service.js';
import type { AuthService } from '../services/auth-service.js';
import type { HygieneService } from '../services/hygiene-service.js';
import type { InstitutionService } from '../services/institution-service.js';
import type { KeyImportService } from '../services/key-import-service.js';
import type { KeyService } from '../services/key-service.js';
import type { LeakService } from '../services/leak-service.js';
import type { MemberService } from '../services/member-service.js';
import type { MonitoringService } from '../services/monitoring-service.js';
import type { RotationService } from '../services/rotation-service.js';
import type { ShareService } from '../services/share-service.js';
import type { SecretVerifier } from '../services/verifier-types.js';
import type { WebhookService } from '../services/webhook-service.js';
import { createAuthHook } from './auth-hook.js';
import { registerConsole } from './console-static.js';
import { errorToProblem, problemBody, sendProblem } from './problem.js';
import type { AdminApp } from './route-kit.js';
import { registerAuditRoutes } from './routes/audit-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerHygieneRoutes } from './routes/hygiene-routes.js';
import { registerInstitutionRoutes } from './routes/institution-routes.js';
import { registerKeyImportRoutes } from './routes/key-import-routes.js';
import { registerKeyRoutes } from './routes/key-routes.js';
import { registerLeakRoutes } from './routes/leak-routes.js';
import { registerMetricsRoute } from './routes/metrics-route.js';
import { registerMonitoringRoutes } from './routes/monitoring-routes.js';
import { registerRotationRoutes } from './routes/rotation-routes.js';
import { registerShareRoutes } from './routes/share-routes.js';
import { registerVerifyRoutes } from './routes/verify-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { Problem } from './schemas.js';

export interface AdminAppDeps {
  readonly auth: AuthService;
  readonly institutions: InstitutionService;
  readonly members: MemberService;
  readonly keys: KeyService;
  readonly imports: KeyImportService;
  readonly monitoring: MonitoringService;
  readonly hygiene: HygieneService;
  readonly rotations: RotationService;
  readonly shares: ShareService;
  readonly audit: AuditService;
  readonly verifier: SecretVerifier;
  readonly webhooks: WebhookService;
  /** Leak reports (GitHub secret scanning, internal scanners); null or missing: not served. */
  readonly leaks?: LeakService | null;
  readonly logger: FastifyBaseLogger;
  readonly trustedProxies: readonly string[];
  readonly secureCookies: boolean;
  readonly version: string;
  /** `GET /metrics` (Prometheus); null or missing: not served. */
  readonly metrics?: MetricsEndpoint | null;
  /** The built web console (Vite output) served at `/`; null or missing: a "not built" note. */
  readonly consoleDir?: string | null;
}

export const API_PREFIX = '/api/v1';
const BODY_LIMIT = 64 * 1024;

/** Bodies are validated strictly (no coercion, no unknown fields); params and query coerce strings. */
function validators() {
  const strict = new Ajv({
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: false,
    strict: false,
  });
  const coercing = new Ajv({
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: 'array',
    strict: false,
  });
  for (const ajv of [strict, coercing]) addFormats.default(ajv);
  return { strict, coercing };
}

function faultSummary(err: unknown) {
  const e = err as { name?: string; code?: string; message?: string; stack?: string };
  return { type: e.name, code: e.code, message: e.message, stack: e.stack };
}

/** The admin API as a Fastify instance (not listening). */
export async function buildAdminApp(deps: AdminAppDeps): Promise<AdminApp> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
    genReqId: () => newId('req'),
    requestIdHeader: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const { strict, coercing } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );

  app.addSchema(Problem);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward admin API',
        version: deps.version,
        description:
          'Manage API keys — each a pair of equivalent secrets, primary and secondary — for institutions.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:4000', description: 'Default local deployment' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'keyward_session' },
          manageKey: { type: 'http', scheme: 'bearer', description: 'Secret of a manage key' },
          verifierToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'A verifier token (verify API only)',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', String(request.id));
    reply.header('X-Content-Type-Options', 'nosniff');
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-cache');
  });
  app.setErrorHandler((err, request, reply) => {
    const body = errorToProblem(err, request);
    // Only name, code, message and stack: driver errors carry row contents (digests) in other fields.
    if (body.status >= 500) request.log.error({ err: faultSummary(err) }, 'request failed');
    if (body.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="keyward"');
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemBody(
        'NOT_FOUND',
        `No route ${request.method} ${maskSecrets(request.url.split('?')[0] ?? '')}`,
        String(request.id),
      ),
    ),
  );

  const authenticate = createAuthHook(deps.auth);
  await app.register(
    async (api) => {
      api.addHook('onRequest', authenticate);
      const typed = api.withTypeProvider<TypeBoxTypeProvider>();
      registerAuthRoutes(typed, { auth: deps.auth, secureCookies: deps.secureCookies });
      registerInstitutionRoutes(typed, { institutions: deps.institutions, members: deps.members });
      registerKeyRoutes(typed, { keys: deps.keys });
      registerKeyImportRoutes(typed, { imports: deps.imports });
      registerAuditRoutes(typed, { audit: deps.audit });
      registerMonitoringRoutes(typed, { monitoring: deps.monitoring });
      registerHygieneRoutes(typed, { hygiene: deps.hygiene });
      registerRotationRoutes(typed, { rotations: deps.rotations });
      registerShareRoutes(typed, { shares: deps.shares });
      registerVerifyRoutes(typed, { verifier: deps.verifier });
      registerWebhookRoutes(typed, { webhooks: deps.webhooks });
      if (deps.leaks) await registerLeakRoutes(typed, { leaks: deps.leaks });
      typed.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: API_PREFIX },
  );
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  await registerConsole(app, deps.consoleDir ?? null);
  return app;
}
