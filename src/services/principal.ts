import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiKey, AuditInput, MemberRole, User } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { StoreRepos } from '../ports/store.js';

/**
 * Who is calling: a signed-in user, automation holding a `manage` key, or Keyward itself (a
 * scheduled job or a policy acting on its own; never from a request).
 */
export type Principal =
  | {
      readonly kind: 'user';
      readonly user: User;
      /** institutionId → role. */
      readonly roles: ReadonlyMap<string, MemberRole>;
    }
  | { readonly kind: 'key'; readonly key: ApiKey }
  | { readonly kind: 'system' };

export interface RequestContext {
  readonly principal: Principal;
  readonly sourceIp: string | null;
  readonly requestId: string;
}

/** Keyward acting by itself: audited as actor `system`/`keyward`; an admin of every institution. */
export const SYSTEM_CONTEXT: RequestContext = Object.freeze({
  principal: Object.freeze({ kind: 'system' as const }),
  sourceIp: null,
  requestId: 'system',
});

/** What a caller may do inside one institution. */
export type InstitutionAccess = 'admin' | 'operator' | 'platform' | 'manage-key';

/**
 * The caller's access to an institution, or NOT_FOUND when it has none: tenancy never answers
 * 403 and never reveals that the institution exists.
 */
export function institutionAccess(ctx: RequestContext, institutionId: string): InstitutionAccess {
  const p = ctx.principal;
  if (p.kind === 'system') return 'admin';
  if (p.kind === 'key') {
    if (p.key.institutionId === institutionId) return 'manage-key';
  } else {
    const role = p.roles.get(institutionId);
    if (role) return role;
    if (p.user.platformOperator) return 'platform';
  }
  throw new AppError('NOT_FOUND', 'Institution not found');
}

/**
 * A key the caller may see (not cancelled, in one of its institutions) with the caller's access,
 * checked against `allowed`. NOT_FOUND for everything else, so tenancy reveals nothing; platform
 * operators do not see institutions' keys.
 */
export async function visibleKey(
  repos: Pick<StoreRepos, 'keys'>,
  ctx: RequestContext,
  keyId: string,
  allowed: readonly InstitutionAccess[],
  what: string,
): Promise<{ key: ApiKey; access: InstitutionAccess }> {
  const key = await repos.keys.get(keyId);
  if (!key || key.state === 'cancelled') throw new AppError('NOT_FOUND', 'Key not found');
  let access: InstitutionAccess;
  try {
    access = institutionAccess(ctx, key.institutionId);
  } catch {
    throw new AppError('NOT_FOUND', 'Key not found');
  }
  if (access === 'platform') throw new AppError('NOT_FOUND', 'Key not found');
  requireAccess(access, allowed, what);
  return { key, access };
}

/** Throws FORBIDDEN unless `access` is one of `allowed` (call after institutionAccess). */
export function requireAccess(
  access: InstitutionAccess,
  allowed: readonly InstitutionAccess[],
  what: string,
): void {
  if (!allowed.includes(access)) throw new AppError('FORBIDDEN', `Not allowed to ${what}`);
}

export function actorOf(ctx: RequestContext): AuditInput['actor'] {
  const p = ctx.principal;
  if (p.kind === 'system') return { type: 'system', id: 'keyward' };
  return p.kind === 'user' ? { type: 'user', id: p.user.id } : { type: 'key', id: p.key.id };
}

export function actorId(ctx: RequestContext): string {
  return actorOf(ctx).id;
}

/** An audit event for `ctx`'s action, stamped now. */
export function auditOf(
  ctx: RequestContext,
  clock: Clock,
  action: string,
  fields: {
    institutionId: string | null;
    target: string | null;
    details?: Record<string, unknown>;
  },
): AuditInput {
  return {
    id: newId('aud'),
    at: clock.now(),
    actor: actorOf(ctx),
    institutionId: fields.institutionId,
    action,
    target: fields.target,
    sourceIp: ctx.sourceIp,
    details: { requestId: ctx.requestId, ...fields.details },
  };
}
