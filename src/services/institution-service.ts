import { AppError } from '../core/errors.js';
import { hygieneSettingsProblem } from '../core/hygiene-policy.js';
import { newId } from '../core/ids.js';
import {
  DEFAULT_INSTITUTION_SETTINGS,
  type Institution,
  type InstitutionSettings,
} from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Store } from '../ports/store.js';
import { auditOf, institutionAccess, type RequestContext, requireAccess } from './principal.js';

export interface UpdateInstitutionInput {
  readonly name?: string;
  readonly externalCode?: string | null;
  readonly settings?: Partial<InstitutionSettings>;
}

/** Institutions: members see theirs, platform operators see and create all. */
export class InstitutionService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; invalidation: KeyInvalidation },
  ) {}

  async list(ctx: RequestContext): Promise<Institution[]> {
    const p = ctx.principal;
    if (p.kind === 'key') {
      const own = await this.deps.store.institutions.get(p.key.institutionId);
      return own ? [own] : [];
    }
    if (p.kind === 'system' || p.user.platformOperator) return this.deps.store.institutions.list();
    return this.deps.store.institutions.list([...p.roles.keys()]);
  }

  async create(
    ctx: RequestContext,
    input: { name: string; externalCode?: string | null },
  ): Promise<Institution> {
    const p = ctx.principal;
    if (p.kind !== 'user' || !p.user.platformOperator) {
      throw new AppError('FORBIDDEN', 'Only platform operators create institutions');
    }
    const institution: Institution = {
      id: newId('ins'),
      name: input.name,
      externalCode: input.externalCode ?? null,
      settings: DEFAULT_INSTITUTION_SETTINGS,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.institutions.insert(institution);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'institution.create', {
          institutionId: institution.id,
          target: institution.id,
          details: { name: institution.name, externalCode: institution.externalCode },
        }),
      );
    });
    return institution;
  }

  async get(ctx: RequestContext, institutionId: string): Promise<Institution> {
    institutionAccess(ctx, institutionId);
    const institution = await this.deps.store.institutions.get(institutionId);
    if (!institution) throw new AppError('NOT_FOUND', 'Institution not found');
    return institution;
  }

  async update(
    ctx: RequestContext,
    institutionId: string,
    input: UpdateInstitutionInput,
  ): Promise<Institution> {
    requireAccess(
      institutionAccess(ctx, institutionId),
      ['admin', 'platform'],
      'change institution settings',
    );
    const updated = await this.deps.store.transaction(async (tx) => {
      const current = await tx.institutions.get(institutionId);
      if (!current) throw new AppError('NOT_FOUND', 'Institution not found');
      // Settings are checked merged: a reminder must be shorter than the max age set before.
      const problem =
        input.settings && hygieneSettingsProblem({ ...current.settings, ...input.settings });
      if (problem) throw new AppError('VALIDATION_FAILED', problem, { field: 'settings' });
      const updated = await tx.institutions.update(institutionId, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.externalCode !== undefined && { externalCode: input.externalCode }),
        ...(input.settings !== undefined && {
          settings: { ...current.settings, ...input.settings },
        }),
      });
      if (!updated) throw new AppError('NOT_FOUND', 'Institution not found');
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'institution.update', {
          institutionId,
          target: institutionId,
          details: { changes: input },
        }),
      );
      return updated;
    });
    // Rate-limit settings are read by verifiers; announce after commit, before answering.
    if (input.settings !== undefined)
      await this.deps.invalidation.institutionChanged(institutionId);
    return updated;
  }
}
