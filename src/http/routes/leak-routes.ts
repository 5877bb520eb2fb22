import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../core/errors.js';
import { SECRET_STATUSES } from '../../core/secret-scan.js';
import type { LeakReportItem, LeakService } from '../../services/leak-service.js';
import { contextOf } from '../auth-hook.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';

/** At most this many reported secrets per request (GitHub sends batches of up to 1,000). */
export const MAX_LEAK_BATCH = 1000;
/** Leak reports carry up to 1,000 URLs: a larger limit than the rest of the API. */
const LEAK_BODY_LIMIT = 2 * 1024 * 1024;

const LeakReportBody = Type.Array(
  Type.Object(
    {
      token: Type.String({ minLength: 1, maxLength: 1024 }),
      type: Type.String({ minLength: 1, maxLength: 200 }),
      url: Type.String({ maxLength: 4096 }),
      source: Type.String({ maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
  { maxItems: MAX_LEAK_BATCH },
);

const LeakFeedback = Type.Array(
  Type.Object({
    token_raw: Type.String(),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
);

const LeakCheckBody = Type.Object(
  {
    secrets: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
      minItems: 1,
      maxItems: MAX_LEAK_BATCH,
    }),
  },
  { additionalProperties: false },
);

const SecretVerificationSchema = Type.Object({
  fingerprint: Type.String({ description: 'First 16 hex characters of SHA-256 of the secret' }),
  status: Type.Union(SECRET_STATUSES.map((s) => Type.Literal(s))),
  institution: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
  key: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), state: Type.String() })),
  slot: Type.Optional(Type.Union([Type.Literal('primary'), Type.Literal('secondary')])),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  retiredAt: Type.Optional(Type.String({ format: 'date-time' })),
});

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received (leak routes only: GitHub signs these bytes). */
    rawBody?: Buffer;
  }
}

/**
 * Leak reports, in their own encapsulated plugin whose JSON parser keeps the raw bytes:
 * - `POST /leaks/github`: GitHub secret scanning (partner program). Authenticated by GitHub's
 *   ECDSA signature over the raw body (`Github-Public-Key-Identifier`,
 *   `Github-Public-Key-Signature`), checked before validation; hidden from the OpenAPI document
 *   (it is GitHub's protocol, not ours; see README "Leak reports").
 * - `POST /leaks/report`: internal scanners, with a manage key; acts on its institution only.
 * - `POST /leaks/check`: read-only, any signed-in caller; whether secrets are live.
 * The first two answer in GitHub's feedback format. Response bodies are never logged.
 */
export async function registerLeakRoutes(
  parent: AdminApp,
  deps: { leaks: LeakService },
): Promise<void> {
  await parent.register(async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: LEAK_BODY_LIMIT },
      (request: FastifyRequest, body: Buffer | string, done) => {
        const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        request.rawBody = raw;
        try {
          done(null, JSON.parse(raw.toString('utf8')));
        } catch {
          done(new AppError('INVALID_JSON', 'Body is not valid JSON'), undefined);
        }
      },
    );

    app.post(
      '/leaks/github',
      {
        bodyLimit: LEAK_BODY_LIMIT,
        config: { auth: 'none' },
        schema: { hide: true, body: LeakReportBody, response: { 200: LeakFeedback } },
        // The signature first: an unsigned body is refused (401) before it is even validated.
        preValidation: async (request) => {
          const header = (name: string) => {
            const v = request.headers[name];
            return typeof v === 'string' ? v : undefined;
          };
          deps.leaks.verifyGithubSignature(
            request.rawBody ?? Buffer.alloc(0),
            header('github-public-key-identifier'),
            header('github-public-key-signature'),
          );
        },
      },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return deps.leaks.report({ kind: 'github' }, request.body as LeakReportItem[]);
      },
    );

    app.post(
      '/leaks/report',
      {
        bodyLimit: LEAK_BODY_LIMIT,
        schema: {
          tags: ['leaks'],
          operationId: 'reportLeaks',
          summary: 'Report leaked secrets (manage key; GitHub feedback format)',
          description:
            "Same body and answer as GitHub's secret-scanning partner protocol. Only secrets of the manage key's institution are acted on (its leak policy); any other token is answered false_positive.",
          security: [{ manageKey: [] }],
          body: LeakReportBody,
          response: {
            200: LeakFeedback,
            ...problems('badRequest', 'unauthenticated', 'forbidden', 'tooLarge'),
          },
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request);
        if (ctx.principal.kind !== 'key') {
          throw new AppError('FORBIDDEN', 'Leak reports are sent with a manage key');
        }
        reply.header('Cache-Control', 'no-store');
        return deps.leaks.report(
          {
            kind: 'key',
            keyId: ctx.principal.key.id,
            institutionId: ctx.principal.key.institutionId,
          },
          request.body as LeakReportItem[],
        );
      },
    );

    app.post(
      '/leaks/check',
      {
        bodyLimit: LEAK_BODY_LIMIT,
        schema: {
          tags: ['leaks'],
          operationId: 'checkSecrets',
          summary: 'Whether found secrets are live (keyward scan --verify); changes nothing',
          description:
            'Secrets go in the body, never in a URL; the answer never contains one. Each result says what the gateway would do with the secret now: live, retiring (grace window), inactive (key suspended or expired), retired or unknown. Key, slot and institution are given where the caller may see them; for anyone else, retired reads as unknown and retiring as live, as at the gateway.',
          security: SESSION_OR_KEY,
          body: LeakCheckBody,
          response: {
            200: Type.Object({ results: Type.Array(SecretVerificationSchema) }),
            ...problems('badRequest', 'unauthenticated', 'tooLarge'),
          },
        },
      },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        const { secrets } = request.body as { secrets: string[] };
        return { results: await deps.leaks.check(contextOf(request), secrets) };
      },
    );
  });
}
