import Type from 'typebox';
import { instruction } from '../../core/rotation.js';
import { evidenceView } from '../../core/slot-activity.js';
import type { RotationService, RotationStatus } from '../../services/rotation-service.js';
import { contextOf } from '../auth-hook.js';
import { AdvanceBody, RotationView } from '../rotation-schemas.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';
import { KeyParams } from '../schemas.js';

function rotationView({ rotation: r, waitingFor, evidence }: RotationStatus) {
  return {
    id: r.id,
    keyId: r.keyId,
    step: r.step,
    state: r.state,
    instruction: instruction(r.step),
    waitingFor: [...waitingFor],
    startedAt: r.startedAt.toISOString(),
    startedBy: r.startedBy,
    updatedAt: r.updatedAt.toISOString(),
    primaryRegeneratedAt: r.primaryRegeneratedAt?.toISOString() ?? null,
    secondaryRegeneratedAt: r.secondaryRegeneratedAt?.toISOString() ?? null,
    evidence: {
      primary: evidenceView(evidence.primary),
      secondary: evidenceView(evidence.secondary),
    },
    history: r.history.map((e) => ({ ...e, at: e.at.toISOString(), forced: [...e.forced] })),
  };
}

/** Guided rotation: start, follow, advance (checked against usage), abandon. */
export function registerRotationRoutes(app: AdminApp, deps: { rotations: RotationService }): void {
  const { rotations } = deps;

  app.post(
    '/keys/:keyId/rotations',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'startRotation',
        summary: 'Start a guided four-step rotation of the key pair',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: {
          201: RotationView,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      const status = await rotations.start(contextOf(request), request.params.keyId);
      return reply.code(201).send(rotationView(status));
    },
  );

  app.get(
    '/keys/:keyId/rotations/current',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'getCurrentRotation',
        summary:
          'The rotation in progress: its step, what it waits for and who still uses each slot',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: { 200: RotationView, ...problems('badRequest', 'unauthenticated', 'notFound') },
      },
    },
    async (request) =>
      rotationView(await rotations.current(contextOf(request), request.params.keyId)),
  );

  app.post(
    '/keys/:keyId/rotations/current/advance',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'advanceRotation',
        summary:
          'Take the next step if usage allows it (409 ROTATION_BLOCKED with the evidence otherwise); regenerate steps return the new secret once',
        security: SESSION_OR_KEY,
        params: KeyParams,
        body: AdvanceBody,
        response: {
          200: Type.Object({
            rotation: RotationView,
            secret: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict'),
        },
      },
    },
    async (request, reply) => {
      const result = await rotations.advance(
        contextOf(request),
        request.params.keyId,
        request.body?.force ?? false,
      );
      if (result.secret !== null) reply.header('Cache-Control', 'no-store');
      return { rotation: rotationView(result), secret: result.secret };
    },
  );

  app.delete(
    '/keys/:keyId/rotations/current',
    {
      schema: {
        tags: ['rotation'],
        operationId: 'abandonRotation',
        summary: 'Abandon the rotation in progress (secrets already regenerated stay regenerated)',
        security: SESSION_OR_KEY,
        params: KeyParams,
        response: {
          204: Type.Null(),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request, reply) => {
      await rotations.abandon(contextOf(request), request.params.keyId);
      return reply.code(204).send(null);
    },
  );
}
