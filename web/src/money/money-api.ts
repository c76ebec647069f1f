// Requests to the server's money routes (/money, /pay, /disputes): figures to read and the few steps that cannot
// wait in the outbox (checkout, onboarding, evidence uploads). Asked of the server, never of the device's store,
// each through the sync client's HTTP path (the user's access token, refreshed once after a 401); a person's own
// figures, once read, are kept on the device to show, marked with when they were read, until the next answer.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Locale } from '@shared/locales';
import { othersKeys } from '../app/owned-keys';
import { useSync, useSyncStatus } from '../app/sync-context';
import { rejectionText } from '../i18n/rejections';
import type { SyncClient } from '../sync/client';

/**
 * The server answered with an error: its code and sentence (`{"error": {"code", "message", "details"}}`), and
 * the command's rejection when a step it applied was refused (`details.rejection`, e.g. POST /pay/checkout).
 */
export class MoneyHttpError extends Error {
  override name = 'MoneyHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly rejection?: { code: string; message: string },
  ) {
    super(message);
  }
}

/**
 * The server's HTTP error codes (sync-server/src/errors.ts) in Spanish. Its sentences are English and sometimes
 * more specific, so English readers get them verbatim and Spanish readers the translation of the code; an answer
 * that is not the server's (a gateway's 502 page) has no code and says its status.
 */
const HTTP_ES: Record<string, string> = {
  malformed_json: 'El servidor no entendió la petición. Actualiza la app y vuelve a intentarlo.',
  invalid_request: 'El servidor no entendió la petición. Actualiza la app y vuelve a intentarlo.',
  unauthorized: 'Tu sesión ya no es válida. Vuelve a entrar e inténtalo de nuevo.',
  session_expired: 'Tu sesión caducó. Vuelve a entrar e inténtalo de nuevo.',
  forbidden: 'No tienes permiso para hacer esto.',
  not_found: 'Eso ya no existe o no puedes verlo.',
  payload_too_large: 'El archivo es demasiado grande.',
  unsupported_media_type: 'Este tipo de archivo no se admite.',
  conflict: 'No se pudo hacer en el estado actual. Actualiza e inténtalo de nuevo; si sigue pasando, contacta con soporte.',
  rate_limited: 'Demasiados intentos seguidos. Espera un momento y vuelve a intentarlo.',
  unavailable: 'El servicio no está disponible ahora mismo. Inténtalo en unos minutos.',
  internal: 'Algo falló en el servidor. Inténtalo de nuevo en unos minutos.',
};

/** The sentence to show for a refusal: a command's rejection in the user's language, else the server's error in it. */
export function refusalText(err: MoneyHttpError, locale: Locale): string {
  if (err.rejection) return rejectionText(err.rejection.code, err.rejection.message, locale);
  if (locale === 'en') return err.message;
  return HTTP_ES[err.code] ?? `El servidor respondió ${err.status}.`;
}

/** No answer at all: offline, or the server unreachable (a refused token refresh included). */
export class MoneyOfflineError extends Error {
  override name = 'MoneyOfflineError';
}

/** A request to the server; the response when it is 2xx. */
export async function moneyFetch(client: SyncClient, path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await client.http(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (err) {
    throw new MoneyOfflineError(err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: { rejection?: { code: string; message: string } } } } | null;
    const error = body?.error;
    throw new MoneyHttpError(res.status, error?.code ?? 'http', error?.message ?? `The server answered ${res.status}.`, error?.details?.rejection);
  }
  return res;
}

export async function moneyGet<T>(client: SyncClient, path: string): Promise<T> {
  return (await (await moneyFetch(client, path)).json()) as T;
}

export async function moneyPost<T>(client: SyncClient, path: string, body: unknown = {}): Promise<T> {
  const res = await moneyFetch(client, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}

/** The file name a Content-Disposition header gives: RFC 5987's exact `filename*` first, else `filename`. */
export function fileNameOf(header: string | null): string | null {
  if (!header) return null;
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (exact) {
    try {
      return decodeURIComponent(exact.trim());
    } catch {
      // a malformed encoding: fall back to the plain name
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] ?? /filename=([^;]+)/i.exec(header)?.[1]?.trim() ?? null;
}

/**
 * Saves a file the server makes (a CSV statement, an evidence attachment). A plain link cannot carry the
 * access token, so the file is fetched with it and handed to the browser as a blob to save.
 */
export async function moneyDownload(client: SyncClient, path: string, fallbackName: string): Promise<void> {
  const res = await moneyFetch(client, path);
  const name = fileNameOf(res.headers.get('content-disposition')) ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // After the click has started the download; revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

export type MoneyRead<T> =
  | { state: 'loading' }
  | { state: 'offline' }
  /** The device is online but no answer came (a link too slow to answer in time, the server restarting). */
  | { state: 'unreachable' }
  | { state: 'failed'; error: MoneyHttpError }
  /** `keptAt`: the figures are the ones kept on the device, read then, and no answer has come since. */
  | { state: 'ready'; data: T; keptAt?: string };

/**
 * A person's own figures as last read (their earnings, payments, receipts, payout account), kept on the device under
 * `fw.read.<owner>.<path>`: a worker who opens the app where there is no signal sees what they had, and when it was
 * read, instead of nothing. Signing out wipes every `fw.` key; a sign-in drops other people's (app/wipe-device.ts).
 * A few dozen reads at most per person, the oldest going first, and none too big to be worth keeping.
 */
const KEPT_PREFIX = 'fw.read.';
const KEPT_MAX = 24;
const KEPT_MAX_CHARS = 200_000;

interface Kept<T> {
  at: string;
  data: T;
}

function keptRead<T>(owner: string, path: string): Kept<T> | null {
  try {
    const raw = localStorage.getItem(`${KEPT_PREFIX}${owner}.${path}`);
    return raw ? (JSON.parse(raw) as Kept<T>) : null;
  } catch {
    return null;
  }
}

function keepRead(owner: string, path: string, data: unknown): void {
  try {
    const value = JSON.stringify({ at: new Date().toISOString(), data } satisfies Kept<unknown>);
    if (value.length > KEPT_MAX_CHARS) return;
    localStorage.setItem(`${KEPT_PREFIX}${owner}.${path}`, value);
    const mine = Object.keys(localStorage).filter((k) => k.startsWith(`${KEPT_PREFIX}${owner}.`));
    if (mine.length <= KEPT_MAX) return;
    const at = (k: string) => (JSON.parse(localStorage.getItem(k) ?? '{}') as Partial<Kept<unknown>>).at ?? '';
    const oldest = mine.map((k) => [k, at(k)] as const).sort((a, b) => a[1].localeCompare(b[1]));
    for (const [k] of oldest.slice(0, mine.length - KEPT_MAX)) localStorage.removeItem(k);
  } catch {
    // Storage full or refused (a private window): the figures are shown, not kept, as before.
  }
}

/** Every read kept on this device for someone else than `owner`. */
export const otherPeoplesReads = (owner: string): string[] => othersKeys(KEPT_PREFIX, owner);

function failure(err: unknown): MoneyRead<never> {
  if (err instanceof MoneyHttpError) return { state: 'failed', error: err };
  // Only asked while the device says it is online: telling its owner to find a signal would be wrong.
  return { state: 'unreachable' };
}

/** How often a read lost to the network is tried again while the device says it is online. */
const RETRY_MS = 10_000;

/**
 * The figures at `path` (null: not now, read as offline). Offline, the read is `offline`; online with no
 * answer (a slow link, the server restarting), `unreachable`, read again every RETRY_MS; coming back online
 * reads again. Figures already shown stay on screen
 * instead (`offline` says they may be out of date), so a blip does not unmount the screen and what was typed
 * on it. `reload()` reads again and keeps showing the figures it has meanwhile, so a refresh after an action
 * does not blank the screen. With `keep`, the figures are kept on the device as they arrive, and figures kept from
 * earlier are shown (`asOf`: when they were read) until an answer comes: after a reload offline, on another
 * month picked again, while a slow link answers.
 */
export function useMoneyRead<T>(path: string | null, { keep = false }: { keep?: boolean } = {}): { read: MoneyRead<T>; reload(): void; offline: boolean; asOf: string | null } {
  const client = useSync();
  const owner = client.db.name;
  const { online, connected } = useSyncStatus();
  const [attempt, setAttempt] = useState(0);
  const fromKept = (at: string | null): MoneyRead<T> | null => {
    const kept = keep && at !== null ? keptRead<T>(owner, at) : null;
    return kept ? { state: 'ready', data: kept.data, keptAt: kept.at } : null;
  };
  const [read, setRead] = useState<MoneyRead<T>>(() => fromKept(path) ?? { state: 'loading' });
  const [lost, setLost] = useState(false);
  const shownPath = useRef<string | null>(null);

  // A read that failed for want of a network while the device said it was online (the first request after the
  // network came back, a server restarting) is not left for good, as the screen promises: it is read again
  // once replication reaches the server again, and meanwhile every RETRY_MS. (A change of `online` reads
  // again by itself, below.)
  useEffect(() => {
    if (connected && online && lost) setAttempt((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [connected]);
  // Counted per read that got no answer, so that the next try is scheduled after a failure, never while a read
  // is still waiting for its answer (which a new attempt would throw away: a slow link's answers never landed).
  const [unanswered, setUnanswered] = useState(0);
  useEffect(() => {
    if (!lost || !online || path === null || unanswered === 0) return;
    const timer = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
    return () => clearTimeout(timer);
  }, [lost, online, path, unanswered]);

  useEffect(() => {
    const samePath = path !== null && shownPath.current === path;
    shownPath.current = path;
    // Figures of another path (another month) kept from earlier stand in until this one's answer.
    const kept = samePath ? null : fromKept(path);
    const keepShown = (next: MoneyRead<T>) => setRead((prev) => (samePath && prev.state === 'ready' ? prev : (kept ?? next)));
    if (!online || path === null) {
      setLost(true);
      keepShown({ state: 'offline' });
      return;
    }
    let live = true;
    keepShown({ state: 'loading' });
    moneyGet<T>(client, path).then(
      (data) => {
        if (!live) return;
        setLost(false);
        if (keep) keepRead(owner, path, data);
        setRead({ state: 'ready', data });
      },
      (err: unknown) => {
        if (!live) return;
        const failed = failure(err);
        if (failed.state === 'unreachable') {
          setLost(true);
          setUnanswered((n) => n + 1);
          keepShown(failed);
        } else setRead(failed);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fromKept reads `keep` and `owner`, fixed for a screen
  }, [client, path, online, attempt]);

  const asOf = read.state === 'ready' ? (read.keptAt ?? null) : null;
  return { read, reload: useCallback(() => setAttempt((n) => n + 1), []), offline: lost && read.state === 'ready', asOf };
}
