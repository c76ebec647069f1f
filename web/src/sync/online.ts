// Whether the platform believes it has a network: navigator.onLine and its events where they exist.
import { distinctUntilChanged, fromEvent, map, merge, of, startWith, type Observable } from 'rxjs';

/**
 * The browser's online flag as an observable. Outside a browser (Node tests, where `navigator` may exist
 * without `onLine`) it is constantly true. The flag only says a network interface is up; whether the
 * server answers is the replication's `connected`.
 */
export function platformOnline$(): Observable<boolean> {
  const g = globalThis as { navigator?: { onLine?: unknown }; addEventListener?: unknown };
  const nav = g.navigator;
  if (typeof nav?.onLine !== 'boolean' || typeof g.addEventListener !== 'function') return of(true);
  const target = globalThis as unknown as EventTarget;
  return merge(fromEvent(target, 'online'), fromEvent(target, 'offline')).pipe(
    map(() => nav.onLine as boolean),
    startWith(nav.onLine),
    distinctUntilChanged(),
  );
}
