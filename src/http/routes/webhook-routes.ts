import Type from 'typebox';
import type { WebhookService } from '../../services/webhook-service.js';
import { contextOf } from '../auth-hook.js';
import { type AdminApp, problems, SESSION_ONLY } from '../route-kit.js';
import { InstitutionParams } from '../schemas.js';
import { deliveryView, webhookView } from '../webhook-presenters.js';
import {
  CreateWebhookBody,
  DeliveriesQuery,
  WebhookDeliveryView,
  WebhookParams,
  WebhookView,
} from '../webhook-schemas.js';

/** Webhooks of an institution: admins only, signed-in users only (manage keys act on keys). */
export function registerWebhookRoutes(app: AdminApp, deps: { webhooks: WebhookService }): void {
  const { webhooks } = deps;

  app.get(
    '/institutions/:institutionId/webhooks',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhooks',
        summary: 'Webhooks of an institution (never their secrets)',
        security: SESSION_ONLY,
        params: InstitutionParams,
        response: {
          200: Type.Object({ webhooks: Type.Array(WebhookView) }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => ({
      webhooks: (await webhooks.list(contextOf(request), request.params.institutionId)).map(
        webhookView,
      ),
    }),
  );

  app.post(
    '/institutions/:institutionId/webhooks',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['webhooks'],
        operationId: 'createWebhook',
        summary: 'Create a webhook; its signing secret is returned once',
        description:
          'Deliveries are POSTed with `X-Keyward-Timestamp` and `X-Keyward-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.',
        security: SESSION_ONLY,
        params: InstitutionParams,
        body: CreateWebhookBody,
        response: {
          201: Type.Object({
            webhook: WebhookView,
            secret: Type.String({ description: 'The signing secret (`whsec_…`), shown only here' }),
          }),
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
      const created = await webhooks.create(
        contextOf(request),
        request.params.institutionId,
        request.body,
      );
      reply.header('Cache-Control', 'no-store');
      return reply
        .code(201)
        .send({ webhook: webhookView(created.webhook), secret: created.secret });
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['webhooks'],
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook: nothing more is sent to it, pending deliveries included',
        security: SESSION_ONLY,
        params: WebhookParams,
        response: {
          204: Type.Null(),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request, reply) => {
      await webhooks.delete(contextOf(request), request.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:webhookId/test',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['webhooks'],
        operationId: 'testWebhook',
        summary:
          'Queue a signed `webhook.test` event to this webhook; see its deliveries for the outcome',
        security: SESSION_ONLY,
        params: WebhookParams,
        response: {
          202: Type.Object({ delivery: WebhookDeliveryView }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request, reply) => {
      const delivery = await webhooks.test(contextOf(request), request.params.webhookId);
      return reply.code(202).send({ delivery: deliveryView(delivery, []) });
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhookDeliveries',
        summary: 'Deliveries of a webhook, newest first, each with its attempts',
        security: SESSION_ONLY,
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: {
          200: Type.Object({ deliveries: Type.Array(WebhookDeliveryView) }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => ({
      deliveries: (
        await webhooks.deliveries(
          contextOf(request),
          request.params.webhookId,
          request.query.limit ?? 50,
        )
      ).map((d) => deliveryView(d.delivery, d.attempts)),
    }),
  );
}
