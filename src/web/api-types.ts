/** The admin API's JSON shapes (API.md), as the console reads them. */

export type Role = 'admin' | 'operator';
export type SlotName = 'primary' | 'secondary';
export type KeyKind = 'use' | 'manage';
export type KeyState = 'active' | 'suspended' | 'cancelled';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly platformOperator: boolean;
  readonly mustChangePassword: boolean;
}

export interface Membership {
  readonly institutionId: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export type LeakPolicy = 'regenerate-slot' | 'suspend-key' | 'notify';

export interface InstitutionSettings {
  readonly operatorsMayViewSecrets: boolean;
  readonly defaultRateLimit: RateLimit | null;
  readonly rateLimit: RateLimit | null;
  readonly unusedAlertDays: number | null;
  readonly quietPeriodSeconds: number;
  readonly maxSecretAgeDays: number | null;
  readonly ageReminderDays: readonly number[];
  readonly suspendUnusedAfterDays: number | null;
  readonly leakPolicy: LeakPolicy;
}

export interface Institution {
  readonly id: string;
  readonly name: string;
  readonly externalCode: string | null;
  readonly settings: InstitutionSettings;
  readonly createdAt: string;
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface SlotView {
  readonly hint: string;
  readonly generatedAt: string;
  readonly lastUsedAt: string | null;
  readonly lastUsedFrom: string | null;
  readonly lastUserAgent: string | null;
  /** Imported from another gateway in a legacy format: no checksum; rotate it soon. */
  readonly imported: boolean;
}

export interface ApiKey {
  readonly id: string;
  readonly institutionId: string;
  readonly name: string;
  readonly kind: KeyKind;
  readonly state: KeyState;
  readonly scopes: readonly string[];
  readonly allowedCidrs: readonly string[];
  readonly expiresAt: string | null;
  readonly rateLimit: RateLimit | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly slots: { readonly primary: SlotView; readonly secondary: SlotView };
}

export interface Secrets {
  readonly primary: string;
  readonly secondary: string;
}

export interface AuditEvent {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly institutionId: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly sourceIp: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface KeyInput {
  readonly name?: string;
  readonly kind?: KeyKind;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: string | null;
  readonly rateLimit?: RateLimit | null;
  readonly state?: 'active' | 'suspended';
}

export type AlertState = 'open' | 'acknowledged';

export interface Alert {
  readonly id: string;
  readonly type: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
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

export interface UsagePoint {
  readonly at: string;
  readonly requests: number;
  readonly errors: number;
  readonly p95LatencyMs: number | null;
}

export interface KeyUsage {
  readonly from: string;
  readonly to: string;
  readonly slots: { readonly primary: UsagePoint[]; readonly secondary: UsagePoint[] };
}
