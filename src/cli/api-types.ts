import type { KeyKind, KeyState, MemberRole, RateLimit, SlotName } from '../core/model.js';

/**
 * Admin API response bodies as the CLI receives them (JSON: dates are ISO strings). The CLI only
 * reads these to print tables; `--json` prints the body untouched.
 */

export interface InstitutionView {
  readonly id: string;
  readonly name: string;
  readonly externalCode: string | null;
  readonly settings: {
    readonly operatorsMayViewSecrets: boolean;
    readonly defaultRateLimit: RateLimit | null;
    readonly unusedAlertDays?: number | null;
    readonly maxSecretAgeDays?: number | null;
    readonly ageReminderDays?: readonly number[];
    readonly suspendUnusedAfterDays?: number | null;
    readonly quietPeriodSeconds?: number;
    readonly leakPolicy?: 'regenerate-slot' | 'suspend-key' | 'notify';
    readonly rateLimit: RateLimit | null;
  };
  readonly createdAt: string;
}

export interface MemberView {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: MemberRole;
  readonly createdAt: string;
}

export interface SlotView {
  readonly hint: string;
  readonly generatedAt: string;
  readonly lastUsedAt: string | null;
  readonly lastUsedFrom: string | null;
  readonly lastUserAgent: string | null;
  /** An imported legacy-format secret (absent from servers before import existed). */
  readonly imported?: boolean;
}

export interface KeyView {
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
  readonly slots: Readonly<Record<SlotName, SlotView>>;
}

export interface SecretPair {
  readonly primary: string;
  readonly secondary: string;
}

export interface AuditEventView {
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

/** `100/60s` style, as typed on the command line; `-` when there is none. */
export function formatRateLimit(rateLimit: RateLimit | null | undefined): string {
  if (!rateLimit) return '-';
  const { limit, windowSeconds: w } = rateLimit;
  if (w % 86400 === 0) return `${limit}/${w / 86400}d`;
  if (w % 3600 === 0) return `${limit}/${w / 3600}h`;
  if (w % 60 === 0) return `${limit}/${w / 60}m`;
  return `${limit}/${w}s`;
}

export interface KeyClientsView {
  readonly slots: Record<
    SlotName,
    readonly {
      readonly address: string | null;
      readonly userAgent: string | null;
      readonly firstSeenAt: string;
      readonly lastSeenAt: string;
      readonly requests: number;
    }[]
  >;
}
