import Type from 'typebox';
import { alertView } from '../../core/alert.js';
import type { UsagePoint } from '../../core/usage-rollup.js';
import type { MonitoringService } from '../../services/monitoring-service.js';
import { contextOf } from '../auth-hook.js';
import {
  AlertParams,
  AlertQuery,
  AlertView,
  EventsQuery,
  InstitutionUsage,
  KeyUsage,
  PeriodQuery,
  UsageEventView,
  UsageQuery,
} from '../monitoring-schemas.js';
import { type AdminApp, problems, SESSION_ONLY, SESSION_OR_KEY } from '../route-kit.js';
import { InstitutionParams, KeyParams } from '../schemas.js';

const pointView = (p: UsagePoint) => ({ ...p, at: p.at.toISOString() });

/** Usage series and totals, raw events, and alerts (list, acknowledge). */
export function registerMonitoringRoutes(
  app: AdminApp,
  deps: { monitoring: MonitoringService },
): void {
  const { monitoring } = deps;

  app.get(
    '/keys/:keyId/usage',
    {
      schema: {
        tags: ['usage'],
        operationId: 'getKeyUsage',
        summary:
          'Per-slot time series: requests, errors by status class, p95 and max latency (default: the last day by hour)',
        security: SESSION_OR_KEY,
        params: KeyParams,
        querystring: UsageQuery,
        response: { 200: KeyUsage, ...problems('badRequest', 'unauthenticated', 'notFound') },
      },
    },
    async (request) => {
      const usage = await monitoring.keyUsage(
        contextOf(request),
        request.params.keyId,
        request.query,
      );
      return {
        keyId: usage.keyId,
        from: usage.from.toISOString(),
        to: usage.to.toISOString(),
        step: request.query.step ?? '1h',
        slots: {
          primary: usage.slots.primary.map(pointView),
          secondary: usage.slots.secondary.map(pointView),
        },
      };
    },
  );

  app.get(
    '/keys/:keyId/events',
    {
      schema: {
        tags: ['usage'],
        operationId: 'listKeyEvents',
        summary: 'Raw gateway decisions about a key, newest first (kept for the retention window)',
        security: SESSION_OR_KEY,
        params: KeyParams,
        querystring: EventsQuery,
        response: {
          200: Type.Object({ events: Type.Array(UsageEventView) }),
          ...problems('badRequest', 'unauthenticated', 'notFound'),
        },
      },
    },
    async (request) => {
      const events = await monitoring.keyEvents(
        contextOf(request),
        request.params.keyId,
        request.query,
      );
      return {
        events: events.map((e) => ({
          at: e.at.toISOString(),
          requestId: e.requestId,
          slot: e.slot,
          route: e.route,
          status: e.status,
          outcome: e.outcome,
          latencyMs: e.latencyMs,
          clientIp: e.clientIp,
          userAgent: e.userAgent,
        })),
      };
    },
  );

  app.get(
    '/institutions/:institutionId/usage',
    {
      schema: {
        tags: ['usage'],
        operationId: 'getInstitutionUsage',
        summary:
          'Requests and errors per key and slot over a period (default: the last day), busiest first',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        querystring: PeriodQuery,
        response: {
          200: InstitutionUsage,
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => {
      const usage = await monitoring.institutionUsage(
        contextOf(request),
        request.params.institutionId,
        request.query,
      );
      return { ...usage, from: usage.from.toISOString(), to: usage.to.toISOString() };
    },
  );

  app.get(
    '/institutions/:institutionId/alerts',
    {
      schema: {
        tags: ['alerts'],
        operationId: 'listAlerts',
        summary: 'Alerts raised by the detectors, most recently seen first',
        security: SESSION_OR_KEY,
        params: InstitutionParams,
        querystring: AlertQuery,
        response: {
          200: Type.Object({
            alerts: Type.Array(AlertView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => {
      const page = await monitoring.alerts(
        contextOf(request),
        request.params.institutionId,
        request.query,
      );
      return { alerts: page.alerts.map(alertView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/alerts',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['alerts'],
        operationId: 'listPlatformAlerts',
        summary:
          'Platform-level alerts (platform operators): findings that named no institution, e.g. guessing with unknown secrets',
        security: SESSION_ONLY,
        querystring: AlertQuery,
        response: {
          200: Type.Object({
            alerts: Type.Array(AlertView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems('badRequest', 'unauthenticated', 'forbidden'),
        },
      },
    },
    async (request) => {
      const page = await monitoring.alerts(contextOf(request), null, request.query);
      return { alerts: page.alerts.map(alertView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/alerts/:alertId/ack',
    {
      schema: {
        tags: ['alerts'],
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge an alert: it stops counting; the next occurrence opens a new one',
        security: SESSION_OR_KEY,
        params: AlertParams,
        response: {
          200: Type.Object({ alert: AlertView }),
          ...problems('badRequest', 'unauthenticated', 'forbidden', 'notFound'),
        },
      },
    },
    async (request) => ({
      alert: alertView(await monitoring.acknowledge(contextOf(request), request.params.alertId)),
    }),
  );
}
