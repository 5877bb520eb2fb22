import { parseCidr } from '../core/cidr.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiKey, KeyKind, RateLimit } from '../core/model.js';

/**
 * Semantic checks on key fields that a JSON schema cannot express. Each failure is a 422
 * VALIDATION_FAILED naming the field, and nothing is written.
 */

export function canonicalCidrs(cidrs: readonly string[]): string[] {
  const out: string[] = [];
  for (const [index, raw] of cidrs.entries()) {
    const parsed = parseCidr(raw);
    if (!parsed.ok) {
      throw new AppError(
        'VALIDATION_FAILED',
        `allowedCidrs[${index}] is not a valid IPv4 or IPv6 CIDR: ${parsed.reason}`,
        { field: 'allowedCidrs', index },
      );
    }
    if (!out.includes(parsed.cidr)) out.push(parsed.cidr);
  }
  return out;
}

export function uniqueScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes)];
}

export function futureExpiry(raw: string | null | undefined, now: Date): Date | null | undefined {
  if (raw === undefined || raw === null) return raw;
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) {
    throw new AppError('VALIDATION_FAILED', 'expiresAt is not a valid date-time', {
      field: 'expiresAt',
    });
  }
  if (at.getTime() <= now.getTime()) {
    throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future', {
      field: 'expiresAt',
    });
  }
  return at;
}

export function rateLimitOf(raw: RateLimit | null | undefined): RateLimit | null | undefined {
  if (raw === undefined || raw === null) return raw;
  return { limit: raw.limit, windowSeconds: raw.windowSeconds };
}

const DURATION_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30d`, `12h`, `90m` in milliseconds; VALIDATION_FAILED otherwise. */
export function durationMs(text: string, field = 'unusedFor'): number {
  const match = /^([1-9][0-9]{0,4})([mhd])$/.exec(text);
  if (!match) {
    throw new AppError('VALIDATION_FAILED', `${field}: a duration such as 30d, 12h or 90m`, {
      field,
    });
  }
  return Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS];
}

/** The restrictions a new key may be given (create and import alike). */
export interface NewKeyInput {
  readonly name: string;
  readonly scopes?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly expiresAt?: string | null;
  readonly rateLimit?: RateLimit | null;
}

/** A new active key of `kind`, its restrictions validated and normalised. */
export function newApiKey(
  institutionId: string,
  kind: KeyKind,
  input: NewKeyInput,
  createdBy: string,
  now: Date,
): ApiKey {
  return {
    id: newId('key'),
    institutionId,
    name: input.name,
    kind,
    scopes: uniqueScopes(input.scopes ?? []),
    state: 'active',
    allowedCidrs: canonicalCidrs(input.allowedCidrs ?? []),
    expiresAt: futureExpiry(input.expiresAt, now) ?? null,
    rateLimit: rateLimitOf(input.rateLimit) ?? null,
    createdAt: now,
    createdBy,
    updatedAt: now,
    deletedAt: null,
  };
}
