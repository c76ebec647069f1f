// Who is signed in on this device: kept across restarts so the app opens offline, with the access token in memory.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AuthError, OWED_LOGOUT, refreshSession, sendOwedLogout, type SignedInUser, type TokenGrant } from './auth-api';

const STORAGE_KEY = 'fw.session';
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;
/** Give up on telling the server of a sign-out after this long; it is told again later (see the effect below). */
const LOGOUT_TIMEOUT_MS = 15_000;

export type SessionState =
  | { status: 'signed-out'; reason?: 'expired' }
  | { status: 'signed-in'; user: SignedInUser };

export interface Session {
  state: SessionState;
  /** After POST /auth/verify (verifyCode, which drops a sign-out still owed: its cookie replaced the one that sign-out was for). */
  signedIn(grant: TokenGrant): void;
  /** The current access token, refreshed when near expiry or when forced (after a 401). */
  getToken(options: { forceRefresh: boolean }): Promise<string>;
  /**
   * Forget the user on this device at once, and tell the server in the background. Wiping the local database
   * is the signed-in app's part (see wipeDevice).
   */
  signOut(): void;
}

function readStored(): SignedInUser | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const user = raw ? (JSON.parse(raw) as SignedInUser) : null;
    return user && typeof user.id === 'string' && Array.isArray(user.roles) ? user : null;
  } catch {
    return null;
  }
}

/** Not a session that ended (AuthError.sessionOver): the person signed out on this device themselves. */
const signedOutError = () => new AuthError('signed_out', 'Signed out on this device.', 0);

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>(() => {
    const user = readStored();
    return user ? { status: 'signed-in', user } : { status: 'signed-out' };
  });
  const token = useRef<{ value: string; expiresAt: number } | null>(null);
  const inFlight = useRef<Promise<string> | null>(null);
  /**
   * Signed out here: no token is refreshed (the sign-out may not have reached the server, whose cookie still
   * works) until the next sign-in. The count keeps a refresh that was on its way at the sign-out from being taken.
   */
  const out = useRef(false);
  const signOuts = useRef(0);

  const accept = useCallback((grant: TokenGrant) => {
    token.current = { value: grant.accessToken, expiresAt: Date.now() + grant.expiresIn * 1000 };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(grant.user));
    setState((s) => (s.status === 'signed-in' && JSON.stringify(s.user) === JSON.stringify(grant.user) ? s : { status: 'signed-in', user: grant.user }));
  }, []);

  const getToken = useCallback(
    async ({ forceRefresh }: { forceRefresh: boolean }) => {
      const t = token.current;
      if (t && !forceRefresh && t.expiresAt - EARLY_MS > Date.now()) return t.value;
      if (out.current) throw signedOutError();
      const before = signOuts.current;
      inFlight.current ??= refreshSession()
        .then((grant) => {
          if (signOuts.current !== before) throw signedOutError();
          accept(grant);
          return grant.accessToken;
        })
        .catch((err: unknown) => {
          // The session ended on the server: back to sign-in, keeping the local database and its
          // pending commands, which push once the same person signs in again.
          if (err instanceof AuthError && err.sessionOver) {
            token.current = null;
            localStorage.removeItem(STORAGE_KEY);
            setState({ status: 'signed-out', reason: 'expired' });
          }
          throw err;
        })
        .finally(() => {
          inFlight.current = null;
        });
      return inFlight.current;
    },
    [accept],
  );

  const signedIn = useCallback(
    (grant: TokenGrant) => {
      out.current = false;
      accept(grant);
    },
    [accept],
  );

  // A sign-out is sent from here: right after it, at every start and whenever the network comes back, until
  // the server has it. Only while nobody is signed in: the refresh cookie is then still the one signed out,
  // whereas a later sign-in replaced it (and dropped the flag), and a logout now would end the new session.
  const nobody = state.status === 'signed-out';
  useEffect(() => {
    if (!nobody) return;
    let sending = false;
    const flush = () => {
      if (sending || localStorage.getItem(OWED_LOGOUT) !== '1') return;
      sending = true;
      sendOwedLogout(LOGOUT_TIMEOUT_MS)
        .catch(() => undefined)
        .finally(() => {
          sending = false;
        });
    };
    flush();
    window.addEventListener('online', flush);
    return () => window.removeEventListener('online', flush);
  }, [nobody]);

  /**
   * Signed out on this device, here or in another tab: no token is refreshed until the next sign-in, and the
   * next person to sign in starts at the start page, not on the page this one left open.
   */
  const signedOutHere = useCallback(() => {
    out.current = true;
    signOuts.current += 1;
    token.current = null;
    window.history.replaceState(null, '', '/');
    setState({ status: 'signed-out' });
  }, []);

  // Local first: the sign-in screen shows at once, whatever the network; the effect above tells the server.
  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    localStorage.setItem(OWED_LOGOUT, '1');
    signedOutHere();
  }, [signedOutHere]);

  // Another tab signed out: this one follows at once, rather than find out at its next refresh and say the
  // session "ended" with nothing lost, after the other tab erased this device's data. The sign-out owed to
  // the server is what says so (a removed session alone may come first: the wipe clears it before the flag
  // is set); a sign-in elsewhere clears that flag and writes a session, so it never looks like one.
  useEffect(() => {
    const follow = (e: StorageEvent) => {
      if (e.key === OWED_LOGOUT && e.newValue === '1') signedOutHere();
    };
    window.addEventListener('storage', follow);
    return () => window.removeEventListener('storage', follow);
  }, [signedOutHere]);

  const value = useMemo<Session>(() => ({ state, signedIn, getToken, signOut }), [state, signedIn, getToken, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
