import type { AlertType, Finding, Severity } from './detectors.js';
import type { SlotName } from './model.js';

export const ALERT_STATES = ['open', 'acknowledged'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * A stored detector finding. Deduplicated: while an alert is open, a repeat of the same finding
 * (institution × type × key × subject) adds to its `count` and moves `lastSeenAt` instead of
 * opening another one; once acknowledged, the next repeat opens a new alert.
 */
export interface Alert {
  readonly id: string;
  /** Null for findings that named no institution (e.g. guessing with unknown secrets). */
  readonly institutionId: string | null;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly keyId: string | null;
  readonly slot: SlotName | null;
  readonly subject: string | null;
  /** The newest occurrence's facts. Never a secret. */
  readonly evidence: Readonly<Record<string, string | number | null>>;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly count: number;
  readonly state: AlertState;
  readonly acknowledgedAt: Date | null;
  readonly acknowledgedBy: string | null;
}

/** The deduplication key of a finding: one open alert per value. */
export function openKeyOf(finding: Finding): string {
  return [
    finding.institutionId ?? '-',
    finding.type,
    finding.keyId ?? '-',
    finding.subject ?? '-',
  ].join('|');
}

/** An alert as JSON (the admin API's and the webhooks' `alert.raised` shape). */
export interface AlertJson {
  readonly id: string;
  readonly institutionId: string | null;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly keyId: string | null;
  readonly slot: SlotName | null;
  readonly subject: string | null;
  readonly evidence: Readonly<Record<string, string | number | null>>;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly count: number;
  readonly state: AlertState;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
}

export function alertView(alert: Alert): AlertJson {
  return {
    id: alert.id,
    institutionId: alert.institutionId,
    type: alert.type,
    severity: alert.severity,
    keyId: alert.keyId,
    slot: alert.slot,
    subject: alert.subject,
    evidence: alert.evidence,
    firstSeenAt: alert.firstSeenAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    count: alert.count,
    state: alert.state,
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy,
  };
}
