// Who is signed in on this device: kept across restarts so the app opens offline, with the access token in memory.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AuthError, logout, refreshSession, type SignedInUser, type TokenGrant } from './auth-api';

const STORAGE_KEY = 'fw.session';
const PENDING_LOGOUT = 'fw.pending-logout';
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

export type SessionState =
  | { status: 'signed-out'; reason?: 'expired' }
  | { status: 'signed-in'; user: SignedInUser };

export interface Session {
  state: SessionState;
  /** After POST /auth/verify. */
  signedIn(grant: TokenGrant): void;
  /** The current access token, refreshed when near expiry or when forced (after a 401). */
  getToken(options: { forceRefresh: boolean }): Promise<string>;
  /** Forget the user on this device. Wiping the local database is the signed-in app's part (see wipeDevice). */
  signOut(): Promise<void>;
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

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>(() => {
    const user = readStored();
    return user ? { status: 'signed-in', user } : { status: 'signed-out' };
  });
  const token = useRef<{ value: string; expiresAt: number } | null>(null);
  const inFlight = useRef<Promise<string> | null>(null);

  const accept = useCallback((grant: TokenGrant) => {
    token.current = { value: grant.accessToken, expiresAt: Date.now() + grant.expiresIn * 1000 };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(grant.user));
    setState((s) => (s.status === 'signed-in' && JSON.stringify(s.user) === JSON.stringify(grant.user) ? s : { status: 'signed-in', user: grant.user }));
  }, []);

  const getToken = useCallback(
    async ({ forceRefresh }: { forceRefresh: boolean }) => {
      const t = token.current;
      if (t && !forceRefresh && t.expiresAt - EARLY_MS > Date.now()) return t.value;
      inFlight.current ??= refreshSession()
        .then((grant) => {
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

  // A sign-out made offline could not reach the server; tell it as soon as we can.
  useEffect(() => {
    const flush = () => {
      if (localStorage.getItem(PENDING_LOGOUT) !== '1') return;
      logout()
        .then(() => localStorage.removeItem(PENDING_LOGOUT))
        .catch(() => undefined);
    };
    flush();
    window.addEventListener('online', flush);
    return () => window.removeEventListener('online', flush);
  }, []);

  const signOut = useCallback(async () => {
    token.current = null;
    localStorage.removeItem(STORAGE_KEY);
    await logout().catch(() => localStorage.setItem(PENDING_LOGOUT, '1'));
    setState({ status: 'signed-out' });
  }, []);

  const value = useMemo<Session>(() => ({ state, signedIn: accept, getToken, signOut }), [state, accept, getToken, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
