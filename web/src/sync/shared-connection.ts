// Tabs of one user share the local database, and only the leading tab replicates (RxDB's leader election).
// The others would never see a pull of their own, so the leader tells them whether the server answers.
import { BehaviorSubject, distinctUntilChanged, switchMap, tap, type Observable } from 'rxjs';
import type { ConnectionState } from './replication';

/** Dates go over the channel as milliseconds. */
type Message = { kind: 'ask' } | { kind: 'state'; connected: boolean; lastSyncedAt: number | null };

export interface SharedConnection {
  /** The own replication's state while this tab leads, else what the leading tab said last. */
  readonly connection$: Observable<ConnectionState>;
  close(): void;
}

const NOT_CONNECTED: ConnectionState = { connected: false, lastSyncedAt: null, leading: false };

/**
 * One BroadcastChannel per database. A tab that does not lead asks once when it opens (a leader answers with
 * its state) and then hears every change; a tab that becomes leader later, when the leading tab closed,
 * switches to its own replication and tells the others from then on. Kept in memory only: a state stored
 * with the data would outlive the tab that wrote it, and a restarted app would show "connected" from it.
 */
export function shareConnection(channelName: string, leads$: Observable<boolean>, own$: Observable<ConnectionState>): SharedConnection {
  const channel = new BroadcastChannel(channelName);
  let leading = false;
  let mine: ConnectionState = NOT_CONNECTED;
  const heard$ = new BehaviorSubject<ConnectionState>(NOT_CONNECTED);
  const tell = () => {
    const message: Message = { kind: 'state', connected: mine.connected, lastSyncedAt: mine.lastSyncedAt?.getTime() ?? null };
    channel.postMessage(message);
  };
  channel.onmessage = (event: MessageEvent) => {
    const data = event.data as Message;
    if (data.kind === 'ask') {
      if (leading) tell();
    } else if (!leading) {
      heard$.next({ connected: data.connected, lastSyncedAt: data.lastSyncedAt === null ? null : new Date(data.lastSyncedAt), leading: false });
    }
  };
  channel.postMessage({ kind: 'ask' } satisfies Message);

  const state$ = new BehaviorSubject<ConnectionState>(NOT_CONNECTED);
  const sub = leads$
    .pipe(
      distinctUntilChanged(),
      switchMap((leads) => {
        leading = leads;
        return leads
          ? own$.pipe(
              tap((s) => {
                mine = s;
                tell();
              }),
            )
          : heard$;
      }),
    )
    .subscribe((s) => state$.next(s));

  return {
    connection$: state$.asObservable(),
    close() {
      sub.unsubscribe();
      // The others show "connecting" until the next leader, elected once this tab lets go, says otherwise.
      if (leading) {
        mine = NOT_CONNECTED;
        tell();
      }
      channel.close();
      heard$.complete();
      state$.complete();
    },
  };
}
