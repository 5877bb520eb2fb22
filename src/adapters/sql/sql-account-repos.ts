import type { Kysely, Updateable } from 'kysely';
import type { Institution, MemberRole, Membership, Session, User } from '../../core/model.js';
import type {
  InstitutionRepo,
  MembershipRepo,
  MemberWithUser,
  SessionRepo,
  UserRepo,
} from '../../ports/store.js';
import {
  fromInstitution,
  fromMembership,
  fromSession,
  fromUser,
  toDate,
  toInstitution,
  toMembership,
  toMs,
  toSession,
  toUser,
} from './row-mappers.js';
import type { Database, InstitutionsTable, UsersTable } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';
import { affected, conflictAs } from './sql-support.js';

// Repos for tenants and people: institutions, users, memberships, sessions. Each is built on the
// root Kysely instance or on a transaction; the code is the same for SQLite and PostgreSQL.

export class SqlInstitutionRepo implements InstitutionRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(institution: Institution): Promise<void> {
    await conflictAs(this.dialect, 'institution', () =>
      this.db.insertInto('institutions').values(fromInstitution(institution)).execute(),
    );
  }

  async get(id: string): Promise<Institution | null> {
    const row = await this.db
      .selectFrom('institutions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toInstitution(row) : null;
  }

  async list(ids?: readonly string[]): Promise<Institution[]> {
    if (ids !== undefined && ids.length === 0) return [];
    let query = this.db.selectFrom('institutions').selectAll();
    if (ids !== undefined) query = query.where('id', 'in', [...ids]);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toInstitution);
  }

  async update(
    id: string,
    patch: Parameters<InstitutionRepo['update']>[1],
  ): Promise<Institution | null> {
    const values: Updateable<InstitutionsTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.externalCode !== undefined) values.external_code = patch.externalCode;
    if (patch.settings !== undefined) values.settings = JSON.stringify(patch.settings);
    if (Object.keys(values).length === 0) return this.get(id);
    const row = await this.db
      .updateTable('institutions')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toInstitution(row) : null;
  }
}

export class SqlUserRepo implements UserRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(user: User): Promise<void> {
    await conflictAs(this.dialect, 'a user with this email', () =>
      this.db.insertInto('users').values(fromUser(user)).execute(),
    );
  }

  async getById(id: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async getByEmail(email: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async update(id: string, patch: Parameters<UserRepo['update']>[1]): Promise<User | null> {
    const values: Updateable<UsersTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    if (patch.mustChangePassword !== undefined)
      values.must_change_password = patch.mustChangePassword;
    if (patch.disabled !== undefined) values.disabled = patch.disabled;
    if (Object.keys(values).length === 0) return this.getById(id);
    const row = await this.db
      .updateTable('users')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

export class SqlMembershipRepo implements MembershipRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(membership: Membership): Promise<void> {
    await conflictAs(this.dialect, 'membership', () =>
      this.db.insertInto('memberships').values(fromMembership(membership)).execute(),
    );
  }

  async get(userId: string, institutionId: string): Promise<Membership | null> {
    const row = await this.db
      .selectFrom('memberships')
      .selectAll()
      .where('user_id', '=', userId)
      .where('institution_id', '=', institutionId)
      .executeTakeFirst();
    return row ? toMembership(row) : null;
  }

  async listForUser(userId: string): Promise<Membership[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('institution_id')
      .execute();
    return rows.map(toMembership);
  }

  async listForInstitution(institutionId: string): Promise<MemberWithUser[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('users')
      .select([
        'memberships.institution_id',
        'memberships.role',
        'memberships.created_at as member_created_at',
      ])
      .where('memberships.institution_id', '=', institutionId)
      .orderBy('memberships.created_at')
      .orderBy('memberships.user_id')
      .execute();
    return rows.map((row) => ({
      userId: row.id,
      institutionId: row.institution_id,
      role: row.role as MemberRole,
      createdAt: toDate(row.member_created_at),
      user: toUser(row),
    }));
  }

  async updateRole(
    userId: string,
    institutionId: string,
    role: MemberRole,
  ): Promise<Membership | null> {
    const row = await this.db
      .updateTable('memberships')
      .set({ role })
      .where('user_id', '=', userId)
      .where('institution_id', '=', institutionId)
      .returningAll()
      .executeTakeFirst();
    return row ? toMembership(row) : null;
  }

  async delete(userId: string, institutionId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('memberships')
      .where('user_id', '=', userId)
      .where('institution_id', '=', institutionId)
      .executeTakeFirst();
    return affected(result.numDeletedRows) > 0;
  }

  async countAdmins(institutionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('institution_id', '=', institutionId)
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

export class SqlSessionRepo implements SessionRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(session: Session): Promise<void> {
    await conflictAs(this.dialect, 'session', () =>
      this.db.insertInto('sessions').values(fromSession(session)).execute(),
    );
  }

  async get(idHash: string): Promise<Session | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  /** Deletes sessions whose expiry is at or before `now`; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', toMs(now))
      .executeTakeFirst();
    return affected(result.numDeletedRows);
  }
}
