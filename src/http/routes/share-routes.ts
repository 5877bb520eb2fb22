import Type from 'typebox';
import type { Share } from '../../core/share.js';
import type { ShareService } from '../../services/share-service.js';
import { contextOf } from '../auth-hook.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';
import { DateTime, KeyParams, Nullable, Slot } from '../schemas.js';

const ShareView = Type.Object({
  id: Type.String(),
  keyId: Type.String(),
  slot: Slot,
  until: DateTime,
  note: Nullable(Type.String()),
  sharedBy: Type.String(),
  createdAt: DateTime,
  state: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  revokedAt: Nullable(DateTime),
});

const ShareBody = Type.Object(
  {
    slot: Type.Optional(Slot),
    until: Type.String({
      format: 'date-time',
      description: 'When Keyward regenerates the slot by itself (at most 90 days ahead)',
    }),
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);

const shareView = (s: Share) => ({
  id: s.id,
  keyId: s.keyId,
  slot: s.slot,
  until: s.until.toISOString(),
  note: s.note,
  sharedBy: s.sharedBy,
  createdAt: s.createdAt.toISOString(),
  state: s.state,
  revokedAt: s.revokedAt?.toISOString() ?? null,
});

/** Time-boxed sharing of a slot's secret (default the secondary). */
export function registerShareRoutes(app: AdminApp, deps: { shares: ShareService }): void {
  const { shares } = deps;

  app.post(
    '/keys/:keyId/share',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'shareSlot',
        summary:
          'Record that a slot’s secret (default the secondary) was shared; Keyward regenerates it at `until`',
        security: SESSION_OR_KEY,
        params: KeyParams,
        body: ShareBody,
        response: {
          201: Type.Object({ share: ShareView }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      const share = await shares.share(contextOf(request), request.params.keyId, request.body);
      return reply.code(201).send({ share: shareView(share) });
    },
  );

  app.get(
    '/keys/:keyId/shares',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'listShares',
        summary: 'The key’s shares, newest first',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: {
          200: Type.Object({ shares: Type.Array(ShareView) }),
          ...problems('badRequest', 'unauthenticated', 'notFound'),
        },
      },
    },
    async (request) => ({
      shares: (await shares.list(contextOf(request), request.params.keyId)).map(shareView),
    }),
  );
}
