// The sign-in endpoints of the sync server (/auth), with refreshes serialised across tabs.
import type { Role } from '@shared/roles';
import type { Locale } from '@shared/locales';

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
    /** The error's `details`, e.g. a sign-in refusal's reason (shared/src/sign-in.ts). */
    readonly details?: unknown,
  ) {
    super(message);
  }
  /** The session is gone for good: only signing in again helps. */
  get sessionOver(): boolean {
    return this.status === 401 || this.code === 'session_expired' || this.code === 'unauthorized';
  }
}

/**
 * How long an answer may take before it is given up: a dead mobile link can hold a request for minutes, and
 * everything that syncs waits on a refresh. The caller tries again later; a refresh whose answer was lost on
 * the way is answered again by the server (sessions.ts, the retry window).
 */
export const ANSWER_TIMEOUT_MS = 20_000;

/**
 * A refresh's own, longer limit: nobody watches it (the app shows what it holds meanwhile), and on a link
 * whose answers take half a minute, giving up sooner only asks again for an answer already on its way: each
 * such retry is one more the server must take as a retry rather than a stolen token (sessions.ts).
 */
export const REFRESH_TIMEOUT_MS = 60_000;

interface PostOptions {
  /** The caller's own limit (sign-out); without one, `timeoutMs`. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * The app's language, sent as the device's (Accept-Language), which the server takes for a new number's code
   * and its new account: the language picked on the sign-in screen, not only the browser's.
   */
  locale?: Locale;
}

async function post<T>(path: string, body?: unknown, { signal, timeoutMs = ANSWER_TIMEOUT_MS, locale }: PostOptions = {}): Promise<T> {
  const own = signal ? null : new AbortController();
  const timer = own && setTimeout(() => own.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(locale ? { 'accept-language': locale } : {}),
          // Where the person is, for the deadlines in their texts: kept by the server at sign-in and each refresh.
          ...(timeZone ? { 'x-time-zone': timeZone } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ?? own!.signal,
      });
    } catch {
      throw own?.signal.aborted ? noAnswer(timeoutMs) : new AuthError('network', 'No connection to the server.', 0);
    }
    if (res.status === 204) return undefined as T;
    const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
    if (own?.signal.aborted) throw noAnswer(timeoutMs);
    if (!res.ok) throw new AuthError(data?.error?.code ?? 'http', data?.error?.message ?? `Server answered ${res.status}.`, res.status, data?.error?.details);
    return data as T;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The device's IANA time zone ("America/Chicago"), when the platform says. */
const timeZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
})();

const noAnswer = (ms: number) => new AuthError('timeout', `The server did not answer within ${ms / 1000} s.`, 0);

export const requestCode = (phone: string, locale?: Locale) =>
  post<{ sent: true; expiresInSeconds: number }>('/auth/code', { phone }, { locale });

/** Set while a sign-out on this device has not reached the server; shared by the tabs (localStorage). */
export const OWED_LOGOUT = 'fw.pending-logout';

/** The sign-out on its way to the server from this tab, if one is. */
let loggingOut: AbortController | null = null;

/**
 * Everything that presents or replaces the refresh cookie (refresh, sign-in, sign-out) takes turns across
 * tabs under one Web Lock. Refresh tokens rotate and a token presented twice ends the session, so two
 * refreshes must never overlap; and a sign-out owed from before must never meet a sign-in half way, whose
 * new cookie it would clear (or, sent just after it, whose session it would end).
 */
function inTurn<T>(run: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('fieldwork-session', run) as unknown as Promise<T>) : run();
}

export function verifyCode(phone: string, code: string, displayName?: string, locale?: Locale): Promise<TokenGrant> {
  // A sign-out from this tab still on its way is not needed any more (the server ends the session of the
  // cookie a sign-in replaces), and would hold the turn until it timed out.
  loggingOut?.abort();
  return inTurn(async () => {
    const grant = await post<TokenGrant>('/auth/verify', { phone, code, ...(displayName ? { displayName } : {}) }, { locale });
    // Before the turn passes: a sign-out owed by whoever used the device before is dropped in every tab.
    localStorage.removeItem(OWED_LOGOUT);
    return grant;
  });
}

export function refreshSession(): Promise<TokenGrant> {
  return inTurn(() => post<TokenGrant>('/auth/refresh', undefined, { timeoutMs: REFRESH_TIMEOUT_MS }));
}

/**
 * Sends the sign-out this device owes, if it still owes one when its turn comes, and forgets it once the
 * server has it. Gives up after `timeoutMs` (a dead link can hold a request for minutes), or when a sign-in
 * starts in this tab.
 */
export function sendOwedLogout(timeoutMs: number): Promise<void> {
  return inTurn(async () => {
    if (localStorage.getItem(OWED_LOGOUT) !== '1') return;
    const controller = new AbortController();
    loggingOut = controller;
    // A timer on the one controller rather than AbortSignal.timeout: combining two signals needs
    // AbortSignal.any, which Safari has only since 17.4.
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      await post<void>('/auth/logout', undefined, { signal: controller.signal });
      localStorage.removeItem(OWED_LOGOUT);
    } finally {
      clearTimeout(timer);
      if (loggingOut === controller) loggingOut = null;
    }
  });
}
