import Type from 'typebox';
import type { SecretVerifier } from '../../services/verifier-types.js';
import { type AdminApp, problems } from '../route-kit.js';

const VerifyBody = Type.Object(
  {
    secret: Type.String({ minLength: 1, maxLength: 512 }),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    clientIp: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: Type.String({
    description:
      'VALID, or why not: MALFORMED, NOT_FOUND, RETIRED, SUSPENDED, CANCELLED, EXPIRED, FORBIDDEN_SCOPE, IP_NOT_ALLOWED, RATE_LIMITED',
  }),
  keyId: Type.Optional(Type.String()),
  institutionId: Type.Optional(Type.String()),
  slot: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  retryAfterSeconds: Type.Optional(Type.Integer()),
});

/**
 * `POST /verify`: the gateway's decision for services that do not sit behind it. Authenticated
 * by a verifier token (platform-wide), never by a user or a manage key.
 */
export function registerVerifyRoutes(app: AdminApp, deps: { verifier: SecretVerifier }): void {
  app.post(
    '/verify',
    {
      config: { auth: 'verifier' },
      schema: {
        tags: ['verify'],
        operationId: 'verifySecret',
        summary: 'Check a secret as the gateway would (verifier token)',
        security: [{ verifierToken: [] }],
        body: VerifyBody,
        response: {
          200: VerifyResponse,
          ...problems('badRequest', 'unauthenticated', 'tooLarge'),
          503: { $ref: 'Problem#' },
        },
      },
    },
    async (request, reply) => {
      const { secret, scope, clientIp } = request.body;
      const result = await deps.verifier.verify({
        secret,
        ...(scope !== undefined && { scope }),
        ...(clientIp !== undefined && { clientIp }),
      });
      reply.header('Cache-Control', 'no-store');
      if (result.valid) {
        return {
          valid: true,
          code: 'VALID',
          keyId: result.key.id,
          institutionId: result.key.institutionId,
          slot: result.slot.slot,
          scopes: [...result.key.scopes],
        };
      }
      return {
        valid: false,
        code: result.code,
        ...(result.retryAfterSeconds !== undefined && {
          retryAfterSeconds: result.retryAfterSeconds,
        }),
      };
    },
  );
}
