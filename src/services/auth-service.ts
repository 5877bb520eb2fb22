import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { lookupDigests } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Keyring } from '../core/keyring.js';
import type { AuditInput, Membership, Session, User } from '../core/model.js';
import {
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../core/password.js';
import { parseSecret } from '../core/secret-format.js';
import { decideVerdict } from '../core/verify-decision.js';
import type { AttemptLimiter } from '../ports/attempt-limiter.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { Principal, RequestContext } from './principal.js';

export interface AuthServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyring: Keyring;
  readonly secretPrefix: string;
  /** Failed sign-ins per account (small budget) and per source IP (larger: NAT). */
  readonly limiters: { readonly account: AttemptLimiter; readonly ip: AttemptLimiter };
  readonly sessionTtlSeconds: number;
  /** SHA-256 (hex) of the tokens allowed to call the verify API. */
  readonly verifierTokenSha256: readonly string[];
}

export interface LoginResult {
  readonly user: User;
  /** The cookie value. Only its SHA-256 is stored. */
  readonly sessionToken: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export interface SessionPrincipal {
  readonly principal: Principal & { kind: 'user' };
  readonly session: Session;
}

// Verified against when the email is unknown, so both paths cost one scrypt.
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Sign-in, sessions and manage-key authentication. Failed logins are limited per account and
 * per source IP; the block always ends when the window passes, so an attacker cannot lock an
 * account out for good.
 */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  async login(
    email: string,
    password: string,
    sourceIp: string | null,
    requestId: string,
  ): Promise<LoginResult> {
    const normalized = email.trim().toLowerCase();
    const now = this.deps.clock.now();
    const { account, ip } = this.deps.limiters;
    const accountSubject = `login:${normalized}`;
    const ipSubject = `login:${sourceIp ?? 'unknown'}`;
    const wait = Math.max(
      await account.retryAfter(accountSubject, now),
      await ip.retryAfter(ipSubject, now),
    );
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
        retryAfterSeconds: wait,
      });
    }
    const user = await this.deps.store.users.getByEmail(normalized);
    const ok = await verifyPassword(password, user ? user.passwordHash : await DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      await account.recordFailure(accountSubject, now);
      await ip.recordFailure(ipSubject, now);
      await this.deps.store.audit.append(
        this.loginAudit(user?.id ?? null, 'auth.login.failure', sourceIp, requestId, {
          email: normalized,
          reason: !user ? 'unknown-email' : user.disabled ? 'disabled' : 'bad-password',
        }),
      );
      throw new AppError('INVALID_CREDENTIALS', 'Email or password is incorrect');
    }
    await account.reset(accountSubject);
    const sessionToken = randomBytes(32).toString('base64url');
    const session: Session = {
      idHash: sha256(sessionToken),
      userId: user.id,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.sessionTtlSeconds * 1000),
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.sessions.deleteExpired(now);
      await tx.sessions.insert(session);
      await tx.audit.append(
        this.loginAudit(user.id, 'auth.login.success', sourceIp, requestId, { email: normalized }),
      );
    });
    return { user, sessionToken, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  async logout(ctx: RequestContext, session: Session): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      await tx.sessions.delete(session.idHash);
      await tx.audit.append(
        this.loginAudit(session.userId, 'auth.logout', ctx.sourceIp, ctx.requestId, {}),
      );
    });
  }

  /** The signed-in user for a session cookie, or null when absent, unknown, expired or disabled. */
  async fromSession(sessionToken: string): Promise<SessionPrincipal | null> {
    const session = await this.deps.store.sessions.get(sha256(sessionToken));
    if (!session) return null;
    if (session.expiresAt.getTime() <= this.deps.clock.now().getTime()) {
      await this.deps.store.sessions.delete(session.idHash);
      return null;
    }
    const principal = await this.userPrincipal(session.userId);
    return principal ? { principal, session } : null;
  }

  /** True when `token` is a configured verifier token (constant time per candidate). */
  isVerifierToken(token: string): boolean {
    const digest = sha256(token);
    let found = false;
    for (const candidate of this.deps.verifierTokenSha256)
      found = sameToken(candidate, digest) || found;
    return found;
  }

  /** True when the header matches the session's CSRF token (constant time). */
  csrfMatches(session: Session, header: string | undefined): boolean {
    return header !== undefined && sameToken(session.csrfToken, header);
  }

  /**
   * The manage key behind a bearer secret, or null. Failed attempts count against the source IP
   * like failed logins.
   */
  async fromBearer(
    secret: string,
    sourceIp: string | null,
  ): Promise<(Principal & { kind: 'key' }) | null> {
    const now = this.deps.clock.now();
    const subject = `bearer:${sourceIp ?? 'unknown'}`;
    const wait = await this.deps.limiters.ip.retryAfter(subject, now);
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 'Too many failed authentications', {
        retryAfterSeconds: wait,
      });
    }
    const parsed = parseSecret(secret, this.deps.secretPrefix);
    const match = parsed.ok
      ? await this.deps.store.keys.findByDigests(lookupDigests(secret, this.deps.keyring))
      : null;
    const verdict = decideVerdict(match, { now, ...(sourceIp !== null && { clientIp: sourceIp }) });
    if (!verdict.valid || verdict.key.kind !== 'manage') {
      await this.deps.limiters.ip.recordFailure(subject, now);
      return null;
    }
    return { kind: 'key', key: verdict.key };
  }

  async me(userId: string): Promise<{ user: User; memberships: Membership[] }> {
    const user = await this.deps.store.users.getById(userId);
    if (!user) throw new AppError('UNAUTHENTICATED');
    return { user, memberships: await this.deps.store.memberships.listForUser(userId) };
  }

  /** Changes the caller's password; ends every other session of the user. */
  async changePassword(
    ctx: RequestContext,
    session: Session,
    current: string,
    next: string,
  ): Promise<void> {
    const user = await this.deps.store.users.getById(session.userId);
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      throw new AppError('INVALID_CREDENTIALS', 'Current password is incorrect');
    }
    const problem = passwordProblem(next);
    if (problem)
      throw new AppError('VALIDATION_FAILED', `newPassword: ${problem}`, { field: 'newPassword' });
    if (next === current)
      throw new AppError('VALIDATION_FAILED', 'newPassword must differ from the current one');
    const passwordHash = await hashPassword(next);
    await this.deps.store.transaction(async (tx) => {
      await tx.users.update(user.id, { passwordHash, mustChangePassword: false });
      await tx.sessions.deleteForUser(user.id);
      await tx.sessions.insert(session);
      await tx.audit.append(
        this.loginAudit(user.id, 'auth.password.change', ctx.sourceIp, ctx.requestId, {}),
      );
    });
  }

  /**
   * Creates the platform operator on first start (empty user table). Returns the generated
   * password when none was configured, for the caller to print once.
   */
  async bootstrap(
    email: string,
    configuredPassword: string | null,
  ): Promise<{ email: string; password: string | null } | null> {
    if ((await this.deps.store.users.count()) > 0) return null;
    const password = configuredPassword ?? generatePassword();
    const problem = passwordProblem(password);
    if (problem) throw new AppError('CONFIG_INVALID', `KEYWARD_ADMIN_PASSWORD: ${problem}`);
    const now = this.deps.clock.now();
    const user: User = {
      id: newId('usr'),
      email,
      name: 'Platform operator',
      passwordHash: await hashPassword(password),
      platformOperator: true,
      mustChangePassword: false,
      disabled: false,
      createdAt: now,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.users.insert(user);
      await tx.audit.append({
        id: newId('aud'),
        at: now,
        actor: { type: 'system', id: 'bootstrap' },
        institutionId: null,
        action: 'user.bootstrap',
        target: user.id,
        sourceIp: null,
        details: { email },
      });
    });
    return { email, password: configuredPassword === null ? password : null };
  }

  private async userPrincipal(userId: string): Promise<(Principal & { kind: 'user' }) | null> {
    const user = await this.deps.store.users.getById(userId);
    if (!user || user.disabled) return null;
    const memberships = await this.deps.store.memberships.listForUser(userId);
    return {
      kind: 'user',
      user,
      roles: new Map(memberships.map((m) => [m.institutionId, m.role])),
    };
  }

  private loginAudit(
    userId: string | null,
    action: string,
    sourceIp: string | null,
    requestId: string,
    details: Record<string, unknown>,
  ): AuditInput {
    return {
      id: newId('aud'),
      at: this.deps.clock.now(),
      actor: userId ? { type: 'user', id: userId } : { type: 'system', id: 'anonymous' },
      institutionId: null,
      action,
      target: userId,
      sourceIp,
      details: { requestId, ...details },
    };
  }
}
