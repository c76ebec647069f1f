// The sign-in endpoints of the sync server (/auth), with refreshes serialised across tabs.
import type { Role } from '@shared/roles';

export interface SignedInUser {
  id: string;
  roles: Role[];
  displayName?: string;
  phone?: string;
}

export interface TokenGrant {
  accessToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  user: SignedInUser;
}

/** An answer from the server with its code and a sentence to show; `network` when it never answered. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  /** The session is gone for good: only signing in again helps. */
  get sessionOver(): boolean {
    return this.status === 401 || this.code === 'session_expired' || this.code === 'unauthorized';
  }
}

async function post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    throw new AuthError('network', 'No connection to the server.', 0);
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) throw new AuthError(data?.error?.code ?? 'http', data?.error?.message ?? `Server answered ${res.status}.`, res.status);
  return data as T;
}

export const requestCode = (phone: string) => post<{ sent: true; expiresInSeconds: number }>('/auth/code', { phone });

/** The sign-out on its way to the server, if one is. */
let loggingOut: AbortController | null = null;

export function verifyCode(phone: string, code: string, displayName?: string): Promise<TokenGrant> {
  // A sign-out whose answer came after this one would clear the cookie it sets. It is not needed any more:
  // the server ends the session of the cookie a sign-in replaces.
  loggingOut?.abort();
  return post<TokenGrant>('/auth/verify', { phone, code, ...(displayName ? { displayName } : {}) });
}

/**
 * Refresh tokens rotate and a token presented twice ends the session, so two tabs must never refresh at
 * once: a Web Lock serialises them (one tab at a time; the next one sends the rotated cookie).
 */
export function refreshSession(): Promise<TokenGrant> {
  const run = () => post<TokenGrant>('/auth/refresh');
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('fieldwork-refresh', run) as unknown as Promise<TokenGrant>) : run();
}

/**
 * Ends the session of the device's refresh cookie on the server. Gives up after `timeoutMs` (a dead link
 * can hold a request for minutes), or when a sign-in starts.
 */
export function logout(timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  loggingOut = controller;
  // A timer on the one controller rather than AbortSignal.timeout: combining two signals needs AbortSignal.any,
  // which Safari has only since 17.4.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  return post<void>('/auth/logout', undefined, controller.signal).finally(() => {
    clearTimeout(timer);
    if (loggingOut === controller) loggingOut = null;
  });
}
