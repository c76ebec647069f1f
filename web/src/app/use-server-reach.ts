// Whether the device reaches the server, as a person should be told: a link that is up but carries nothing
// (a 2G bar without data) is no connection after a while, not "connecting" for good.
import { useEffect, useState } from 'react';
import { useSyncStatus } from './sync-context';

/**
 * `connected` is what money steps ask for (useCanReachServer: the same two flags of the sync status);
 * `unreachable`: the browser says it is online, and the server has not answered for NO_ANSWER_MS.
 */
export type ServerReach = 'offline' | 'connecting' | 'unreachable' | 'connected';

/**
 * How long replication may try without the server answering before the device says it has no connection. Long
 * enough for a socket and the first pulls over a slow working link; replication keeps retrying afterwards.
 */
export const NO_ANSWER_MS = 20_000;

interface Wait {
  trying: boolean;
  lastSyncedAt: string | null;
  pending: number;
  /** Counts each start of a wait: a timer set for an earlier one must not end this one. */
  round: number;
  over: boolean;
}

export function useServerReach(): ServerReach {
  const { online, connected, lastSyncedAt, pending } = useSyncStatus();
  const trying = online && !connected;
  const [wait, setWait] = useState<Wait>({ trying, lastSyncedAt, pending, round: 0, over: false });
  // The wait starts again when trying starts (back online, or a connection lost) and whenever the server is heard
  // from: a pull came (lastSyncedAt), or a push came back with commands decided (fewer pending). A command
  // written meanwhile (more pending) is no answer. Adjusted while rendering, so a stale "over" is never shown.
  const anew = trying !== wait.trying || lastSyncedAt !== wait.lastSyncedAt || pending < wait.pending;
  if (anew || pending !== wait.pending) {
    setWait({ trying, lastSyncedAt, pending, round: anew ? wait.round + 1 : wait.round, over: anew ? false : wait.over });
  }
  const { round } = wait;
  useEffect(() => {
    if (!trying) return;
    const timer = setTimeout(() => setWait((w) => (w.round === round ? { ...w, over: true } : w)), NO_ANSWER_MS);
    return () => clearTimeout(timer);
  }, [trying, round]);

  if (!online) return 'offline';
  if (connected) return 'connected';
  return wait.over ? 'unreachable' : 'connecting';
}
