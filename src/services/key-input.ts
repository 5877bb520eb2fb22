import { parseCidr } from '../core/cidr.js';
import { AppError } from '../core/errors.js';
import type { RateLimit } from '../core/model.js';

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
