// One document of the optimistic view that tells "still loading" from "not on this device".
import { map } from 'rxjs';
import type { CollectionName } from '@shared/replication';
import { useSync } from '../app/sync-context';
import { useObservable } from '../app/use-observable';
import type { ViewDoc } from '../sync/optimistic';

export type Loaded<T> = { loaded: false; doc: undefined } | { loaded: true; doc: T | undefined };

const LOADING: Loaded<never> = { loaded: false, doc: undefined };

/** useView answers undefined both while loading and for a missing document; screens need to know which. */
export function useLoadedView<C extends CollectionName>(collection: C, id: string): Loaded<ViewDoc<C>> {
  const client = useSync();
  return useObservable<Loaded<ViewDoc<C>>>(
    () => client.view$(collection, id).pipe(map((doc) => ({ loaded: true as const, doc }))),
    [client, collection, id],
    LOADING,
  );
}
