// Test helpers for the money screens: the server stood in for at the fetch boundary (routes answered from a
// table, every request recorded with its token), and the screens rendered as the shell mounts them.
import type { ReactNode } from 'react';
import { configure, render } from '@testing-library/react';
import { BehaviorSubject, map } from 'rxjs';
import { vi } from 'vitest';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Locale } from '@shared/locales';
import type { Role } from '@shared/roles';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import { offlineDevice, until } from '../sync/test-support';

export const TOKEN = 'test-access-token';

// A screen's first figures wait for a device to open and a chunk to load; on a busy 2-core machine that can
// pass the default second of findBy*/waitFor.
configure({ asyncUtilTimeout: 5000 });

export interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
}

type Answer = Response | object | (() => Response | object | Promise<Response | object>);

/**
 * Stubs the global fetch: `routes` maps "GET /path?query" (or "GET /path" for any query) to a JSON body, a
 * Response, or a function giving either (or a promise of either: an answer that takes its time); anything else is a 404 in the server's error shape. A route whose
 * answer is `'network'` fails as a dropped connection does.
 */
export function stubServer(routes: Record<string, Answer | 'network'>) {
  const seen: Seen[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    seen.push({ method: request.method, path: `${url.pathname}${url.search}`, authorization: request.headers.get('authorization'), body: await request.text() });
    const answer = routes[`${request.method} ${url.pathname}${url.search}`] ?? routes[`${request.method} ${url.pathname}`];
    if (answer === 'network') throw new TypeError('Failed to fetch');
    if (answer === undefined) return Response.json({ error: { code: 'not_found', message: 'No such thing.' } }, { status: 404 });
    const value = typeof answer === 'function' ? await answer() : answer;
    return value instanceof Response ? value : Response.json(value);
  });
  vi.stubGlobal('fetch', fetch);
  return { seen, fetch, requests: (path: string) => seen.filter((s) => s.path.startsWith(path)) };
}

/**
 * A device for `roles` whose HTTP calls carry TOKEN and go to whatever fetch the test stubbed last, with its
 * platform online flag under the test's control, once its status says so. (RxDB's free tier opens at most 13
 * collections at once: one device per test.)
 */
export async function moneyDevice(id: string, roles: Role[], online = true) {
  const online$ = new BehaviorSubject(online);
  const client = await offlineDevice({ id, roles }, { online$, getToken: () => TOKEN, fetch: (input, init) => globalThis.fetch(input, init) });
  await until(client.status$, (s) => s.online === online, `the device ${online ? 'online' : 'offline'}`);
  return { client, online$ };
}

/**
 * The device as a screen sees it when the server answers whenever there is a network (replication connected
 * while online): what money actions need. The online flag stays under the test's control.
 */
export function reachable(client: SyncClient): SyncClient {
  const answering = <S extends { online: boolean }>(s: S) => ({ ...s, connected: s.online });
  return Object.create(client, {
    status$: { value: client.status$.pipe(map(answering)) },
    getStatus: { value: () => answering(client.getStatus()) },
  }) as SyncClient;
}

/** Renders `area` nested under `base` (as the shell does) at `path`. */
export function renderMoney(client: SyncClient, base: string, area: ReactNode, path: string, locale: Locale = 'en') {
  const memory = memoryLocation({ path, record: true });
  render(
    <I18nProvider initial={locale}>
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <Route path={base} nest>
            {area}
          </Route>
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}
