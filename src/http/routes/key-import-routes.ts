import Type from 'typebox';
import { LEGACY_SECRET_FORMATS } from '../../core/legacy-secret.js';
import type { KeyImportService } from '../../services/key-import-service.js';
import { contextOf } from '../auth-hook.js';
import { keyView } from '../presenters.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';
import { CreateKeyBody, InstitutionParams, Key } from '../schemas.js';

/**
 * A secret brought from another gateway. The schema checks the shape (a mismatch answers 400
 * naming the field, never echoing the value); the service refuses values too regular to be random
 * and values Keyward already holds.
 */
const ImportedSecret = Type.String({
  minLength: LEGACY_SECRET_FORMATS.hex32.length,
  maxLength: LEGACY_SECRET_FORMATS.hex64.length,
  pattern: '^(?:[0-9a-f]{32}|[0-9a-f]{64})$',
  writeOnly: true,
  description: `${LEGACY_SECRET_FORMATS.hex32.description}, or ${LEGACY_SECRET_FORMATS.hex64.description}. Never returned.`,
});

const { kind: _kind, ...keyFields } = CreateKeyBody.properties;

const ImportKeyBody = Type.Object(
  {
    ...keyFields,
    kind: Type.Optional(
      Type.Literal('use', {
        description: 'Imported keys are `use` keys: they authenticate API clients at the gateway',
      }),
    ),
    primary: ImportedSecret,
    secondary: ImportedSecret,
  },
  { additionalProperties: false },
);

/** `POST /institutions/{institutionId}/keys/import`: move an existing key pair behind Keyward. */
export function registerKeyImportRoutes(app: AdminApp, deps: { imports: KeyImportService }): void {
  app.post(
    '/institutions/:institutionId/keys/import',
    {
      schema: {
        tags: ['keys'],
        operationId: 'importKey',
        summary:
          'Import an existing pair of secrets (e.g. Azure API Management subscription keys) as a key; rotate it soon',
        description:
          'Clients keep sending the values they have: the gateway accepts these legacy formats only for imported slots. ' +
          'The slots are flagged `imported` until regenerated (plain or guided rotation), which issues Keyward-format secrets. ' +
          '409 CONFLICT when Keyward already holds a value (live or retired); 422 for two equal or non-random values.',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        body: ImportKeyBody,
        response: {
          201: Type.Object({ key: Key }),
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
      const imported = await deps.imports.import(
        contextOf(request),
        request.params.institutionId,
        request.body,
      );
      // The answer names no secret, but it describes one just handed over: keep it out of caches.
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({ key: keyView(imported.key, imported.slots) });
    },
  );
}
