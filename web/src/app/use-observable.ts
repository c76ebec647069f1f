// Subscribe a component to an RxJS observable: the latest value, re-subscribing when the deps change.
import { useEffect, useMemo, useState, type DependencyList } from 'react';
import type { Observable } from 'rxjs';

export function useObservable<T>(make: () => Observable<T>, deps: DependencyList, initial: T): T;
export function useObservable<T>(make: () => Observable<T>, deps: DependencyList): T | undefined;
export function useObservable<T>(make: () => Observable<T>, deps: DependencyList, initial?: T): T | undefined {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const obs$ = useMemo(make, deps);
  const [value, setValue] = useState<{ of: Observable<T>; v: T | undefined }>({ of: obs$, v: initial });
  useEffect(() => {
    const sub = obs$.subscribe({ next: (v) => setValue({ of: obs$, v }), error: (err) => console.error(err) });
    return () => sub.unsubscribe();
  }, [obs$]);
  // Until the new observable emits, show the initial value rather than the previous query's result.
  return value.of === obs$ ? value.v : initial;
}
