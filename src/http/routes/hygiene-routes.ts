import type { HygieneFinding } from '../../core/hygiene.js';
import type { HygieneService } from '../../services/hygiene-service.js';
import { contextOf } from '../auth-hook.js';
import { HygieneQuery, InstitutionHygiene } from '../hygiene-schemas.js';
import { type AdminApp, problems, SESSION_OR_KEY } from '../route-kit.js';
import { InstitutionParams } from '../schemas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const findingView = (f: HygieneFinding) => ({
  ...f,
  since: iso(f.since),
  dueAt: iso(f.dueAt),
});

/** The hygiene report of an institution: what to rotate, remove or restrict. */
export function registerHygieneRoutes(app: AdminApp, deps: { hygiene: HygieneService }): void {
  app.get(
    '/institutions/:institutionId/hygiene',
    {
      schema: {
        tags: ['hygiene'],
        operationId: 'getInstitutionHygiene',
        summary:
          'Secrets overdue or due for rotation, unused keys and slots, shares ending soon, unrestricted keys and legacy-format secrets, each with the action suggested',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        querystring: HygieneQuery,
        response: {
          200: InstitutionHygiene,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => {
      const report = await deps.hygiene.report(
        contextOf(request),
        request.params.institutionId,
        request.query,
      );
      return {
        ...report,
        generatedAt: report.generatedAt.toISOString(),
        policy: { ...report.policy, ageReminderDays: [...report.policy.ageReminderDays] },
        findings: report.findings.map(findingView),
      };
    },
  );
}
