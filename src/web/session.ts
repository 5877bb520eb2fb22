import { createContext, useContext } from 'react';
import type { AdminApi } from './api-client';
import type { Membership, User } from './api-types';

/** What the signed-in user may do in one institution (mirrors the server's rules). */
export type Access = 'admin' | 'operator' | 'platform' | 'none';

export interface Session {
  readonly api: AdminApi;
  readonly user: User;
  readonly memberships: readonly Membership[];
  /** Re-reads the user and memberships (after adding oneself to an institution, say). */
  refresh(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export function accessTo(session: Session, institutionId: string): Access {
  const membership = session.memberships.find((m) => m.institutionId === institutionId);
  if (membership) return membership.role;
  return session.user.platformOperator ? 'platform' : 'none';
}
