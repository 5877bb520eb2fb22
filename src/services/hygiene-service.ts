import { AppError } from '../core/errors.js';
import { type HygieneFinding, type HygieneSummary, hygieneReport } from '../core/hygiene.js';
import { DAY_MS, type HygienePolicy, hygienePolicyOf } from '../core/hygiene-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import {
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  requireAccess,
} from './principal.js';

const READERS: readonly InstitutionAccess[] = ['admin', 'operator', 'manage-key'];
const HOUR_MS = 3_600_000;

export interface HygieneQuery {
  /** How far ahead a share's end is reported, in hours (default 24). */
  readonly shareWindowHours?: number;
}

export interface InstitutionHygiene {
  readonly institutionId: string;
  readonly generatedAt: Date;
  /** The settings the report applied (normalised), and the share window. */
  readonly policy: HygienePolicy & { readonly shareWindowHours: number };
  readonly findings: HygieneFinding[];
  readonly summary: HygieneSummary;
}

/**
 * The hygiene report of an institution (core/hygiene.ts) over its keys, their slots and active
 * shares, read now. Members and the institution's manage keys read it; platform operators do
 * not (it lists keys, which they never see).
 */
export class HygieneService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async report(
    ctx: RequestContext,
    institutionId: string,
    query: HygieneQuery = {},
  ): Promise<InstitutionHygiene> {
    requireAccess(institutionAccess(ctx, institutionId), READERS, 'read the hygiene report');
    const { store, clock } = this.deps;
    const institution = await store.institutions.get(institutionId);
    if (!institution) throw new AppError('NOT_FOUND', 'Institution not found');
    const [keys, shares] = await Promise.all([
      store.keys.listByInstitution(institutionId),
      store.shares.listActive(institutionId),
    ]);
    const slots = await store.keys.getSlotsOfKeys(keys.map((k) => k.id));
    const now = clock.now();
    const policy = hygienePolicyOf(institution.settings);
    const shareWindowHours = query.shareWindowHours ?? DAY_MS / HOUR_MS;
    const { findings, summary } = hygieneReport({
      policy,
      keys,
      slots,
      shares,
      now,
      shareWindowMs: shareWindowHours * HOUR_MS,
    });
    return {
      institutionId,
      generatedAt: now,
      policy: { ...policy, shareWindowHours },
      findings,
      summary,
    };
  }
}
