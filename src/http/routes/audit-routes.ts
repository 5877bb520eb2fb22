import Type from 'typebox';
import type { AuditService } from '../../services/audit-service.js';
import { contextOf } from '../auth-hook.js';
import { auditEventView } from '../presenters.js';
import { type AdminApp, problems, SESSION_ONLY } from '../route-kit.js';
import { AuditEvent, AuditQuery, InstitutionParams } from '../schemas.js';

export function registerAuditRoutes(app: AdminApp, deps: { audit: AuditService }): void {
  const { audit } = deps;

  app.get(
    '/institutions/:institutionId/audit',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['audit'],
        operationId: 'listAuditEvents',
        summary: 'Audit events of an institution, newest first',
        security: SESSION_ONLY,
        params: InstitutionParams,
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            events: Type.Array(AuditEvent),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const page = await audit.list(contextOf(request), request.params.institutionId, {
        limit: limit ?? 50,
        ...(cursor !== undefined && { beforeSeq: Number(cursor) }),
      });
      return {
        events: page.events.map(auditEventView),
        nextCursor: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
      };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['audit'],
        operationId: 'verifyAuditChain',
        summary: 'Recompute the audit hash chain (platform operators)',
        security: SESSION_ONLY,
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer(),
            firstBrokenSeq: Type.Optional(Type.Integer()),
          }),
          ...problems('unauthenticated', 'forbidden'),
        },
      },
    },
    async (request) => audit.verify(contextOf(request)),
  );
}
