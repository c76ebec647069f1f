// The signed-in user's sync client for every screen, and the hooks screens read local data with.
import { createContext, useContext } from 'react';
import type { MangoQuery } from 'rxdb';
import type { CollectionName } from '@shared/replication';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import type { SyncClient, SyncStatus } from '../sync/client';
import type { ViewDoc } from '../sync/optimistic';
import { useObservable } from './use-observable';

export const SyncContext = createContext<SyncClient | null>(null);

export function useSync(): SyncClient {
  const client = useContext(SyncContext);
  if (!client) throw new Error('useSync outside the signed-in app');
  return client;
}

/** One document as the user should see it (pending changes applied); undefined while loading or absent. */
export function useView<C extends CollectionName>(collection: C, id: string | undefined): ViewDoc<C> | undefined {
  const client = useSync();
  return useObservable(() => (id ? client.view$(collection, id) : client.view$(collection, '')), [client, collection, id]);
}

/** A live query over the optimistic view; undefined until the first result (show a loading state, not "none"). */
export function useViewAll<C extends CollectionName>(collection: C, query: MangoQuery<StoredDocTypes[C]> = {}): ViewDoc<C>[] | undefined {
  const client = useSync();
  const key = JSON.stringify(query);
  return useObservable(() => client.viewAll$(collection, query), [client, collection, key]);
}

export function useSyncStatus(): SyncStatus {
  const client = useSync();
  return useObservable(() => client.status$, [client], client.getStatus());
}

/** The signed-in user's own profile (roles, locale, operator facts). */
export function useMe(): ViewDoc<'profiles'> | undefined {
  const client = useSync();
  return useView('profiles', client.userId);
}
