import Type from 'typebox';
import type { KeyService } from '../../services/key-service.js';
import { contextOf } from '../auth-hook.js';
import { keyClientsView, keyView } from '../presenters.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';
import {
  CreateKeyBody,
  InstitutionParams,
  Key,
  KeyClients,
  KeyParams,
  ListKeysQuery,
  RegenerateBody,
  Secrets,
  Slot,
  UpdateKeyBody,
} from '../schemas.js';

export function registerKeyRoutes(app: AdminApp, deps: { keys: KeyService }): void {
  const { keys } = deps;

  app.get(
    '/institutions/:institutionId/keys',
    {
      schema: {
        tags: ['keys'],
        operationId: 'listKeys',
        summary: 'API keys of an institution (metadata only)',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        querystring: ListKeysQuery,
        response: {
          200: Type.Object({ keys: Type.Array(Key) }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => ({
      keys: (await keys.list(contextOf(request), request.params.institutionId, request.query)).map(
        (k) => keyView(k.key, k.slots),
      ),
    }),
  );

  app.post(
    '/institutions/:institutionId/keys',
    {
      schema: {
        tags: ['keys'],
        operationId: 'createKey',
        summary: 'Create an API key: a pair of secrets, returned once',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        body: CreateKeyBody,
        response: {
          201: Type.Object({ key: Key, secrets: Secrets }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'unprocessable'),
        },
      },
    },
    async (request, reply) => {
      const created = await keys.create(
        contextOf(request),
        request.params.institutionId,
        request.body,
      );
      reply.header('Cache-Control', 'no-store');
      return reply
        .code(201)
        .send({ key: keyView(created.key, created.slots), secrets: created.secrets });
    },
  );

  app.get(
    '/keys/:keyId',
    {
      schema: {
        tags: ['keys'],
        operationId: 'getKey',
        summary: 'Key metadata with per-slot hint and last use; never a secret',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: { 200: Key, ...problems('badRequest', 'unauthenticated', 'notFound') },
      },
    },
    async (request) => {
      const found = await keys.get(contextOf(request), request.params.keyId);
      return keyView(found.key, found.slots);
    },
  );

  app.get(
    '/keys/:keyId/clients',
    {
      schema: {
        tags: ['keys'],
        operationId: 'listKeyClients',
        summary:
          'Sources seen sending each slot (address, user agent, first/last seen, requests), most recent first',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: { 200: KeyClients, ...problems('badRequest', 'unauthenticated', 'notFound') },
      },
    },
    async (request) => keyClientsView(await keys.clients(contextOf(request), request.params.keyId)),
  );

  app.get(
    '/keys/:keyId/secrets',
    {
      schema: {
        tags: ['keys'],
        operationId: 'viewKeySecrets',
        summary: 'Both secrets in clear (admins; operators if the institution allows). Audited.',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: {
          200: Secrets,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request, reply) => {
      const secrets = await keys.viewSecrets(contextOf(request), request.params.keyId);
      reply.header('Cache-Control', 'no-store');
      return secrets;
    },
  );

  app.post(
    '/keys/:keyId/regenerate',
    {
      schema: {
        tags: ['keys'],
        operationId: 'regenerateKeySlot',
        summary: 'Replace one slot’s secret; the other slot keeps working',
        security: SESSION_OR_KEY,
        params: KeyParams,
        body: RegenerateBody,
        response: {
          200: Type.Object({ key: Key, slot: Slot, secret: Type.String() }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      const result = await keys.regenerate(
        contextOf(request),
        request.params.keyId,
        request.body.slot,
        request.body.force ?? false,
        request.body.graceSeconds ?? null,
      );
      reply.header('Cache-Control', 'no-store');
      return { key: keyView(result.key, result.slots), slot: result.slot, secret: result.secret };
    },
  );

  app.patch(
    '/keys/:keyId',
    {
      schema: {
        tags: ['keys'],
        operationId: 'updateKey',
        summary: 'Rename, restrict (scopes, CIDRs, expiry, rate limit), suspend or activate',
        security: SESSION_OR_KEY,
        params: KeyParams,
        body: UpdateKeyBody,
        response: {
          200: Key,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'unprocessable'),
        },
      },
    },
    async (request) => {
      const updated = await keys.update(contextOf(request), request.params.keyId, request.body);
      return keyView(updated.key, updated.slots);
    },
  );

  app.delete(
    '/keys/:keyId',
    {
      schema: {
        tags: ['keys'],
        operationId: 'deleteKey',
        summary: 'Delete a key: both secrets stop working and are kept as retired',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: {
          204: Type.Null(),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request, reply) => {
      await keys.delete(contextOf(request), request.params.keyId);
      return reply.code(204).send(null);
    },
  );
}
