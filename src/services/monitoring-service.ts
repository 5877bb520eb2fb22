import type { Alert, AlertState } from '../core/alert.js';
import { AppError } from '../core/errors.js';
import type { SlotName } from '../core/model.js';
import { buildSeries, type UsageSeries } from '../core/usage-rollup.js';
import type { Clock } from '../ports/clock.js';
import type { Store, UsageTotal } from '../ports/store.js';
import type { UsageEvent } from '../ports/usage-sink.js';
import { durationMs } from './key-input.js';
import {
  actorId,
  auditOf,
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  requireAccess,
  visibleKey,
} from './principal.js';

const READERS: readonly InstitutionAccess[] = ['admin', 'operator', 'manage-key'];
const ACKNOWLEDGERS: readonly InstitutionAccess[] = ['admin', 'manage-key'];
const DAY_MS = 86_400_000;
/** Points per series at most (a day of minutes). */
export const MAX_POINTS = 1_440;

export interface PeriodQuery {
  /** ISO 8601; default `to` minus one day. */
  readonly from?: string;
  /** ISO 8601; default now. */
  readonly to?: string;
}

export interface UsageQuery extends PeriodQuery {
  /** A duration such as `1m`, `5m`, `1h`, `1d`; default `1h`. */
  readonly step?: string;
}

export interface KeyUsage {
  readonly keyId: string;
  readonly from: Date;
  readonly to: Date;
  readonly stepMs: number;
  readonly slots: UsageSeries;
}

export interface KeyTotals {
  readonly keyId: string;
  readonly name: string;
  readonly requests: number;
  readonly errors: number;
  readonly slots: Record<SlotName, { requests: number; errors: number }>;
}

export interface InstitutionUsage {
  readonly institutionId: string;
  readonly from: Date;
  readonly to: Date;
  readonly keys: KeyTotals[];
}

export interface AlertListQuery {
  readonly state?: AlertState;
  readonly cursor?: string;
  readonly limit?: number;
}

/**
 * What the gateway saw, for the people watching it: usage series per key and slot, totals per
 * institution, raw events, and the alerts raised by the detectors (list, acknowledge). Every read
 * is tenant-scoped like the rest of the admin API.
 */
export class MonitoringService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async keyUsage(ctx: RequestContext, keyId: string, query: UsageQuery): Promise<KeyUsage> {
    const { key } = await visibleKey(this.deps.store, ctx, keyId, READERS, 'read usage');
    const stepMs = durationMs(query.step ?? '1h', 'step');
    const { from, to } = this.#period(query);
    // Points start on a multiple of the step (UTC), so series from different calls line up.
    const start = new Date(Math.floor(from.getTime() / stepMs) * stepMs);
    const points = Math.ceil((to.getTime() - start.getTime()) / stepMs);
    if (points > MAX_POINTS) {
      throw new AppError(
        'VALIDATION_FAILED',
        `step: at most ${MAX_POINTS} points per series; use a larger step or a shorter period`,
        { field: 'step' },
      );
    }
    const end = new Date(start.getTime() + points * stepMs);
    const rollups = await this.deps.store.usage.listRollups(key.id, start, end);
    return {
      keyId: key.id,
      from: start,
      to: end,
      stepMs,
      slots: buildSeries(rollups, start, end, stepMs),
    };
  }

  async institutionUsage(
    ctx: RequestContext,
    institutionId: string,
    query: PeriodQuery,
  ): Promise<InstitutionUsage> {
    requireAccess(institutionAccess(ctx, institutionId), READERS, 'read usage');
    const { from, to } = this.#period(query);
    const [totals, keys] = await Promise.all([
      this.deps.store.usage.institutionTotals(institutionId, from, to),
      this.deps.store.keys.listByInstitution(institutionId),
    ]);
    const byKey = new Map<string, UsageTotal[]>();
    for (const total of totals) byKey.set(total.keyId, [...(byKey.get(total.keyId) ?? []), total]);
    const listed = keys.map((key) => {
      const rows = byKey.get(key.id) ?? [];
      const slot = (name: SlotName) => {
        const row = rows.find((r) => r.slot === name);
        return { requests: row?.requests ?? 0, errors: row?.errors ?? 0 };
      };
      return {
        keyId: key.id,
        name: key.name,
        requests: rows.reduce((n, r) => n + r.requests, 0),
        errors: rows.reduce((n, r) => n + r.errors, 0),
        slots: { primary: slot('primary'), secondary: slot('secondary') },
      };
    });
    listed.sort((a, b) => b.requests - a.requests || a.keyId.localeCompare(b.keyId));
    return { institutionId, from, to, keys: listed };
  }

  async keyEvents(
    ctx: RequestContext,
    keyId: string,
    query: PeriodQuery & { limit?: number },
  ): Promise<UsageEvent[]> {
    const { key } = await visibleKey(this.deps.store, ctx, keyId, READERS, 'read usage');
    const { from, to } = this.#period(query);
    return this.deps.store.usage.listEvents(key.id, from, to, query.limit ?? 100);
  }

  /** An institution's alerts, or (`null`, platform operators only) the platform-level ones. */
  async alerts(
    ctx: RequestContext,
    institutionId: string | null,
    query: AlertListQuery,
  ): Promise<{ alerts: Alert[]; nextCursor: string | null }> {
    if (institutionId === null) requirePlatformOperator(ctx, 'read platform alerts');
    else requireAccess(institutionAccess(ctx, institutionId), READERS, 'read alerts');
    const page = await this.deps.store.alerts.listByInstitution(institutionId, {
      limit: query.limit ?? 50,
      ...(query.state !== undefined && { state: query.state }),
      ...(query.cursor !== undefined && { before: decodeCursor(query.cursor) }),
    });
    return {
      alerts: page.alerts,
      nextCursor: page.next === null ? null : encodeCursor(page.next),
    };
  }

  /** Acknowledges an alert (audited); acknowledging an acknowledged alert changes nothing. */
  async acknowledge(ctx: RequestContext, alertId: string): Promise<Alert> {
    return this.deps.store.transaction(async (tx) => {
      const alert = await tx.alerts.get(alertId);
      if (alert === null) throw new AppError('NOT_FOUND', 'Alert not found');
      if (alert.institutionId === null) {
        requirePlatformOperator(ctx, 'acknowledge platform alerts');
      } else {
        let access: InstitutionAccess;
        try {
          access = institutionAccess(ctx, alert.institutionId);
        } catch {
          throw new AppError('NOT_FOUND', 'Alert not found');
        }
        requireAccess(access, ACKNOWLEDGERS, 'acknowledge alerts');
      }
      if (alert.state !== 'open') return alert;
      const acknowledged = await tx.alerts.acknowledge(
        alert.id,
        actorId(ctx),
        this.deps.clock.now(),
      );
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'alert.acknowledge', {
          institutionId: alert.institutionId,
          target: alert.id,
          details: { type: alert.type, keyId: alert.keyId, count: alert.count },
        }),
      );
      return acknowledged ?? alert;
    });
  }

  #period(query: PeriodQuery): { from: Date; to: Date } {
    const to = query.to === undefined ? this.deps.clock.now() : parseTime(query.to, 'to');
    const from =
      query.from === undefined ? new Date(to.getTime() - DAY_MS) : parseTime(query.from, 'from');
    if (from.getTime() >= to.getTime()) {
      throw new AppError('VALIDATION_FAILED', 'from: must be before to', { field: 'from' });
    }
    return { from, to };
  }
}

function requirePlatformOperator(ctx: RequestContext, what: string): void {
  const p = ctx.principal;
  if (p.kind !== 'user' || !p.user.platformOperator) {
    throw new AppError('FORBIDDEN', `Only platform operators may ${what}`);
  }
}

function parseTime(text: string, field: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new AppError('VALIDATION_FAILED', `${field}: an ISO 8601 date-time`, { field });
  }
  return date;
}

function encodeCursor(next: { lastSeenAt: Date; id: string }): string {
  return Buffer.from(`${next.lastSeenAt.getTime()}.${next.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { lastSeenAt: Date; id: string } {
  const match = /^(\d{1,15})\.(alr_[0-9A-Za-z]{22})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (match === null) {
    throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor from a previous page', {
      field: 'cursor',
    });
  }
  return { lastSeenAt: new Date(Number(match[1])), id: match[2] as string };
}
