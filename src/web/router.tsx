import { type MouseEvent, type ReactNode, useSyncExternalStore } from 'react';

/** The console's pages. Ids only: a secret never goes into a URL. */
export type Route =
  | { readonly page: 'institutions' }
  | { readonly page: 'institution'; readonly institutionId: string; readonly tab: InstitutionTab }
  | { readonly page: 'key'; readonly keyId: string }
  | { readonly page: 'not-found' };

export type InstitutionTab = 'keys' | 'members' | 'alerts' | 'policies' | 'audit' | null;

const ID = '([a-z]+_[A-Za-z0-9]+)';
const INSTITUTION = new RegExp(`^/institutions/${ID}(?:/(keys|members|alerts|policies|audit))?/?$`);
const KEY = new RegExp(`^/keys/${ID}/?$`);

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'institutions' };
  const ins = INSTITUTION.exec(pathname);
  if (ins?.[1]) {
    return {
      page: 'institution',
      institutionId: ins[1],
      tab: (ins[2] as InstitutionTab | undefined) ?? null,
    };
  }
  const key = KEY.exec(pathname);
  if (key?.[1]) return { page: 'key', keyId: key[1] };
  return { page: 'not-found' };
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current path, re-rendering on navigation and on back/forward. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** An ordinary link (opens in a new tab with a modifier) that navigates in place on a click. */
export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  /** Marks the link to the page being shown (`aria-current="page"`). */
  current?: boolean;
}) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={props.to}
      onClick={onClick}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
    >
      {props.children}
    </a>
  );
}
