import { checkAuditChain } from '../core/audit-chain.js';
import { AppError } from '../core/errors.js';
import type { AuditEvent } from '../core/model.js';
import type { AuditPage, Store } from '../ports/store.js';
import { institutionAccess, type RequestContext, requireAccess } from './principal.js';

export interface ChainReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBrokenSeq?: number;
}

const VERIFY_BATCH = 1000;

/** Reading and verifying the hash-chained audit log. */
export class AuditService {
  constructor(private readonly deps: { store: Store }) {}

  async list(
    ctx: RequestContext,
    institutionId: string,
    options: { beforeSeq?: number; limit: number },
  ): Promise<AuditPage> {
    requireAccess(
      institutionAccess(ctx, institutionId),
      ['admin', 'operator', 'platform'],
      'read the audit log',
    );
    return this.deps.store.audit.listByInstitution(institutionId, options);
  }

  async verify(ctx: RequestContext): Promise<ChainReport> {
    const p = ctx.principal;
    if (p.kind !== 'user' || !p.user.platformOperator) {
      throw new AppError('FORBIDDEN', 'Only platform operators verify the audit chain');
    }
    return verifyAuditChain(this.deps.store);
  }
}

/** Walks the whole chain in batches; used by the API and by `keyward audit verify`. */
export async function verifyAuditChain(store: Store): Promise<ChainReport> {
  let previous: AuditEvent | null = null;
  let checked = 0;
  let afterSeq = 0;
  for (;;) {
    const batch = await store.audit.scan(afterSeq, VERIFY_BATCH);
    if (batch.length === 0) return { ok: true, checked };
    const result = checkAuditChain(previous, batch);
    checked += result.checked;
    if (!result.ok) return { ok: false, checked, firstBrokenSeq: result.firstBrokenSeq };
    previous = result.last;
    afterSeq = batch[batch.length - 1]?.seq ?? afterSeq;
  }
}
