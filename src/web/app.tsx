import { useCallback, useEffect, useMemo, useState } from 'react';
import { AdminApi, errorMessage } from './api-client';
import type { Membership, User } from './api-types';
import { InstitutionPage } from './institution-page';
import { InstitutionsPage } from './institutions-page';
import { KeyPage } from './key-page';
import { PasswordChangePage } from './password-change-page';
import { Link, navigate, parseRoute, usePathname } from './router';
import { type Session, SessionContext } from './session';
import { SignInPage } from './sign-in-page';

interface Signed {
  readonly user: User;
  readonly memberships: readonly Membership[];
}

/** Session state, the top bar and the page for the current path. */
export function App() {
  const api = useMemo(() => new AdminApi(), []);
  const [signed, setSigned] = useState<Signed | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [knownEmail, setKnownEmail] = useState('');

  useEffect(() => {
    api.onSessionEnded = () => {
      setSigned(null);
      setNotice('Your session has ended. Sign in again to continue.');
    };
    // A reload keeps the cookie but not the CSRF token (memory only): ask for the password again.
    api.me().then(
      ({ user }) => {
        setKnownEmail(user.email);
        setNotice('The page was reloaded. Sign in again to continue.');
      },
      () => undefined,
    );
    return () => {
      api.onSessionEnded = null;
    };
  }, [api]);

  const refresh = useCallback(async () => {
    const me = await api.me();
    setSigned({ user: me.user, memberships: me.memberships });
  }, [api]);

  const signIn = async (email: string, password: string) => {
    await api.login(email, password);
    await refresh();
    setNotice(null);
  };

  const signOut = async () => {
    try {
      await api.logout();
      setNotice('You have signed out.');
    } catch (err) {
      setNotice(`Signed out in this tab (${errorMessage(err)}).`);
    }
    setKnownEmail('');
    setSigned(null);
    // The next person to sign in starts from the top, not from the last user's page.
    navigate('/', { replace: true });
  };

  const session: Session | null = useMemo(
    () => (signed ? { api, user: signed.user, memberships: signed.memberships, refresh } : null),
    [api, signed, refresh],
  );

  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          {session ? (
            <Link to="/" className="brand">
              Keyward
            </Link>
          ) : (
            <span className="brand">Keyward</span>
          )}
          {session && (
            <div className="topbar-user">
              <span>
                {session.user.name}{' '}
                <span className="muted">
                  {session.user.email}
                  {session.user.platformOperator ? ' · platform operator' : ''}
                </span>
              </span>
              <button type="button" className="secondary small" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      <main className="content">
        {!session ? (
          <SignInPage
            key={knownEmail}
            onSignIn={signIn}
            notice={notice}
            initialEmail={knownEmail}
          />
        ) : session.user.mustChangePassword ? (
          <PasswordChangePage api={api} onChanged={refresh} />
        ) : (
          <SessionContext.Provider value={session}>
            <CurrentPage />
          </SessionContext.Provider>
        )}
      </main>
    </>
  );
}

function CurrentPage() {
  const route = parseRoute(usePathname());
  switch (route.page) {
    case 'institutions':
      return <InstitutionsPage />;
    case 'institution':
      return <InstitutionPage key={route.institutionId} id={route.institutionId} tab={route.tab} />;
    case 'key':
      return <KeyPage key={route.keyId} keyId={route.keyId} />;
    case 'not-found':
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            <Link to="/">Back to the institutions</Link>
          </p>
        </section>
      );
  }
}
