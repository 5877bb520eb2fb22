import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { MemberRole, Membership, User } from '../core/model.js';
import { generatePassword, hashPassword, passwordProblem } from '../core/password.js';
import type { Clock } from '../ports/clock.js';
import type { MemberWithUser, Store } from '../ports/store.js';
import { auditOf, institutionAccess, type RequestContext, requireAccess } from './principal.js';

export interface AddMemberInput {
  readonly email: string;
  readonly name: string;
  readonly role: MemberRole;
  /** Omitted: a password is generated, shown once, and must be changed at first login. */
  readonly password?: string;
}

const MANAGERS = ['admin', 'platform'] as const;

/** Members of an institution. Admins (and platform operators, to invite the first admin) manage them. */
export class MemberService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async list(ctx: RequestContext, institutionId: string): Promise<MemberWithUser[]> {
    requireAccess(
      institutionAccess(ctx, institutionId),
      ['admin', 'operator', 'platform'],
      'list members',
    );
    return this.deps.store.memberships.listForInstitution(institutionId);
  }

  /** Adds a member, creating the user account when the email is new. */
  async add(
    ctx: RequestContext,
    institutionId: string,
    input: AddMemberInput,
  ): Promise<{ member: MemberWithUser; temporaryPassword?: string }> {
    requireAccess(institutionAccess(ctx, institutionId), MANAGERS, 'add members');
    const email = input.email.trim().toLowerCase();
    if (input.password !== undefined) {
      const problem = passwordProblem(input.password);
      if (problem)
        throw new AppError('VALIDATION_FAILED', `password: ${problem}`, { field: 'password' });
    }
    const temporaryPassword = input.password === undefined ? generatePassword() : undefined;
    const passwordHash = await hashPassword(input.password ?? (temporaryPassword as string));
    const now = this.deps.clock.now();
    const member = await this.deps.store.transaction(async (tx) => {
      if (!(await tx.institutions.get(institutionId)))
        throw new AppError('NOT_FOUND', 'Institution not found');
      let user = await tx.users.getByEmail(email);
      const created = !user;
      if (!user) {
        user = {
          id: newId('usr'),
          email,
          name: input.name,
          passwordHash,
          platformOperator: false,
          mustChangePassword: temporaryPassword !== undefined,
          disabled: false,
          createdAt: now,
        } satisfies User;
        await tx.users.insert(user);
      }
      const membership: Membership = {
        userId: user.id,
        institutionId,
        role: input.role,
        createdAt: now,
      };
      await tx.memberships.insert(membership);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'member.add', {
          institutionId,
          target: user.id,
          details: { email, role: input.role, userCreated: created },
        }),
      );
      return { ...membership, user, created };
    });
    const { created, ...result } = member;
    // An existing account keeps its own password: nothing to show.
    return created && temporaryPassword
      ? { member: result, temporaryPassword }
      : { member: result };
  }

  async updateRole(ctx: RequestContext, institutionId: string, userId: string, role: MemberRole) {
    requireAccess(institutionAccess(ctx, institutionId), MANAGERS, 'change member roles');
    return this.deps.store.transaction(async (tx) => {
      const current = await tx.memberships.get(userId, institutionId);
      if (!current) throw new AppError('NOT_FOUND', 'Member not found');
      if (current.role === 'admin' && role !== 'admin') await this.keepOneAdmin(tx, institutionId);
      await tx.memberships.updateRole(userId, institutionId, role);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'member.update', {
          institutionId,
          target: userId,
          details: { from: current.role, to: role },
        }),
      );
      const member = (await tx.memberships.listForInstitution(institutionId)).find(
        (m) => m.userId === userId,
      );
      if (!member) throw new AppError('NOT_FOUND', 'Member not found');
      return member;
    });
  }

  async remove(ctx: RequestContext, institutionId: string, userId: string): Promise<void> {
    requireAccess(institutionAccess(ctx, institutionId), MANAGERS, 'remove members');
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.memberships.get(userId, institutionId);
      if (!current) throw new AppError('NOT_FOUND', 'Member not found');
      if (current.role === 'admin') await this.keepOneAdmin(tx, institutionId);
      await tx.memberships.delete(userId, institutionId);
      await tx.audit.append(
        auditOf(ctx, this.deps.clock, 'member.remove', {
          institutionId,
          target: userId,
          details: { role: current.role },
        }),
      );
    });
  }

  /** An institution never loses its last admin through the API. */
  private async keepOneAdmin(tx: Pick<Store, 'memberships'>, institutionId: string): Promise<void> {
    if ((await tx.memberships.countAdmins(institutionId)) <= 1) {
      throw new AppError('CONFLICT', 'An institution must keep at least one admin');
    }
  }
}
