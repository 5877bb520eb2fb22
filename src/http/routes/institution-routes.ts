import Type from 'typebox';
import type { InstitutionService } from '../../services/institution-service.js';
import type { MemberService } from '../../services/member-service.js';
import { contextOf } from '../auth-hook.js';
import { institutionView, memberView } from '../presenters.js';
import { type AdminApp, problems, SESSION_ONLY, SESSION_OR_KEY } from '../route-kit.js';
import {
  AddMemberBody,
  CreateInstitutionBody,
  Institution,
  InstitutionParams,
  Member,
  MemberParams,
  UpdateInstitutionBody,
  UpdateMemberBody,
} from '../schemas.js';

export function registerInstitutionRoutes(
  app: AdminApp,
  deps: { institutions: InstitutionService; members: MemberService },
): void {
  const { institutions, members } = deps;

  app.get(
    '/institutions',
    {
      schema: {
        tags: ['institutions'],
        operationId: 'listInstitutions',
        summary: 'Institutions the caller belongs to (all, for platform operators)',
        security: SESSION_OR_KEY,
        response: {
          200: Type.Object({ institutions: Type.Array(Institution) }),
          ...problems('unauthenticated'),
        },
      },
    },
    async (request) => ({
      institutions: (await institutions.list(contextOf(request))).map(institutionView),
    }),
  );

  app.post(
    '/institutions',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['institutions'],
        operationId: 'createInstitution',
        summary: 'Create an institution (platform operators)',
        security: SESSION_ONLY,
        body: CreateInstitutionBody,
        response: { 201: Institution, ...problems('badRequest', 'unauthenticated', 'forbidden') },
      },
    },
    async (request, reply) => {
      const created = await institutions.create(contextOf(request), request.body);
      return reply.code(201).send(institutionView(created));
    },
  );

  app.get(
    '/institutions/:institutionId',
    {
      schema: {
        tags: ['institutions'],
        operationId: 'getInstitution',
        summary: 'One institution',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        response: { 200: Institution, ...problems('badRequest', 'unauthenticated', 'notFound') },
      },
    },
    async (request) =>
      institutionView(await institutions.get(contextOf(request), request.params.institutionId)),
  );

  app.patch(
    '/institutions/:institutionId',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['institutions'],
        operationId: 'updateInstitution',
        summary: 'Change name, external code or settings (admins)',
        security: SESSION_ONLY,
        params: InstitutionParams,
        body: UpdateInstitutionBody,
        response: {
          200: Institution,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) =>
      institutionView(
        await institutions.update(contextOf(request), request.params.institutionId, request.body),
      ),
  );

  app.get(
    '/institutions/:institutionId/members',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['members'],
        operationId: 'listMembers',
        summary: 'Members of an institution',
        security: SESSION_ONLY,
        params: InstitutionParams,
        response: {
          200: Type.Object({ members: Type.Array(Member) }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => ({
      members: (await members.list(contextOf(request), request.params.institutionId)).map(
        memberView,
      ),
    }),
  );

  app.post(
    '/institutions/:institutionId/members',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['members'],
        operationId: 'addMember',
        summary: 'Add a member (admins; platform operators invite the first admin)',
        description:
          'Creates the account when the email is new. Without a password one is generated, returned once as temporaryPassword, and must be changed at first login.',
        security: SESSION_ONLY,
        params: InstitutionParams,
        body: AddMemberBody,
        response: {
          201: Type.Object({ member: Member, temporaryPassword: Type.Optional(Type.String()) }),
          ...problems(
            'badRequest',
            'unauthenticated',
            'forbidden',
            'notFound',
            'conflict',
            'unprocessable',
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await members.add(
        contextOf(request),
        request.params.institutionId,
        request.body,
      );
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({ ...result, member: memberView(result.member) });
    },
  );

  app.patch(
    '/institutions/:institutionId/members/:userId',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['members'],
        operationId: 'updateMember',
        summary: 'Change a member’s role (admins)',
        security: SESSION_ONLY,
        params: MemberParams,
        body: UpdateMemberBody,
        response: {
          200: Member,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request) =>
      memberView(
        await members.updateRole(
          contextOf(request),
          request.params.institutionId,
          request.params.userId,
          request.body.role,
        ),
      ),
  );

  app.delete(
    '/institutions/:institutionId/members/:userId',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['members'],
        operationId: 'removeMember',
        summary: 'Remove a member (admins)',
        security: SESSION_ONLY,
        params: MemberParams,
        response: {
          204: Type.Null(),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      await members.remove(contextOf(request), request.params.institutionId, request.params.userId);
      return reply.code(204).send(null);
    },
  );
}
