import { bearerMatches } from '../../core/bearer-token.js';
import type { MetricsEndpoint } from '../../ports/metrics-exposition.js';
import { problemBody, sendProblem } from '../problem.js';
import type { AdminApp } from '../route-kit.js';

/**
 * `GET /metrics`: this process's metrics for Prometheus (text format 0.0.4). For scrapers, not
 * API clients: outside `/api/v1` and hidden from the OpenAPI document. Open unless a metrics
 * token is configured, then `Authorization: Bearer <token>` (compared by digest, in constant
 * time). Logged at `warn` only: a scrape every few seconds would otherwise fill the log.
 */
export function registerMetricsRoute(app: AdminApp, endpoint: MetricsEndpoint): void {
  app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
    const { tokenSha256, exposition } = endpoint;
    if (tokenSha256 !== null && !bearerMatches(request.headers.authorization, tokenSha256)) {
      reply.header('WWW-Authenticate', 'Bearer realm="keyward-metrics"');
      return sendProblem(
        reply,
        problemBody(
          'UNAUTHENTICATED',
          'Send the metrics token as a bearer token',
          String(request.id),
        ),
      );
    }
    const text = await exposition.render();
    return reply.header('Cache-Control', 'no-store').type(exposition.contentType).send(text);
  });
}
