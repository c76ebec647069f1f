// Two tabs of one user over real BroadcastChannels (Node has them): the leading tab's connection is what the
// other shows, a tab opened later is told at once, and a tab that becomes leader later takes over.
import { afterEach, describe, expect, it } from 'vitest';
import { BehaviorSubject, firstValueFrom, filter, timeout, type Observable } from 'rxjs';
import type { ConnectionState } from './replication';
import { shareConnection, type SharedConnection } from './shared-connection';
import { uniqueName } from './test-support';

const opened: SharedConnection[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/** A tab: whether it leads, and its own replication's state. */
function tab(name: string, leads: boolean) {
  const leads$ = new BehaviorSubject(leads);
  const own$ = new BehaviorSubject<ConnectionState>({ connected: false, lastSyncedAt: null, leading: true });
  const shared = shareConnection(name, leads$, own$);
  opened.push(shared);
  const seen: ConnectionState[] = [];
  shared.connection$.subscribe((s) => seen.push(s));
  return { leads$, own$, shared, seen };
}

const next = (of: Observable<ConnectionState>, predicate: (s: ConnectionState) => boolean) =>
  firstValueFrom(of.pipe(filter(predicate), timeout(2000)));

describe('shareConnection', () => {
  it('shows the leading tab’s connection in the other tab, with its last sync time', async () => {
    const name = uniqueName('conn');
    const leader = tab(name, true);
    const other = tab(name, false);
    expect(other.seen.at(-1)).toEqual({ connected: false, lastSyncedAt: null, leading: false });

    const at = new Date('2026-11-19T10:00:00.000Z');
    leader.own$.next({ connected: true, lastSyncedAt: at, leading: true });
    const told = await next(other.shared.connection$, (s) => s.connected);
    expect(told).toEqual({ connected: true, lastSyncedAt: at, leading: false });
    // The leader shows its own replication's state.
    expect(leader.seen.at(-1)).toEqual({ connected: true, lastSyncedAt: at, leading: true });

    leader.own$.next({ connected: false, lastSyncedAt: at, leading: true });
    expect((await next(other.shared.connection$, (s) => !s.connected)).connected).toBe(false);
  });

  it('tells a tab opened later at once, without waiting for the next change', async () => {
    const name = uniqueName('conn');
    const leader = tab(name, true);
    leader.own$.next({ connected: true, lastSyncedAt: null, leading: true });
    const late = tab(name, false);
    expect((await next(late.shared.connection$, (s) => s.connected)).connected).toBe(true);
  });

  it('ignores what its own replication says while another tab leads', async () => {
    const name = uniqueName('conn');
    tab(name, true);
    const other = tab(name, false);
    other.own$.next({ connected: true, lastSyncedAt: null, leading: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(other.seen.every((s) => !s.connected)).toBe(true);
  });

  it('a tab that becomes leader when the leading tab closes shows, and tells, its own replication', async () => {
    const name = uniqueName('conn');
    const first = tab(name, true);
    const second = tab(name, false);
    const third = tab(name, false);
    first.own$.next({ connected: true, lastSyncedAt: null, leading: true });
    await next(second.shared.connection$, (s) => s.connected);
    await next(third.shared.connection$, (s) => s.connected);

    // The leading tab closes: the others are told it is gone, not left showing "connected".
    opened.splice(opened.indexOf(first.shared), 1);
    first.shared.close();
    await next(second.shared.connection$, (s) => !s.connected);
    await next(third.shared.connection$, (s) => !s.connected);

    // The second tab is elected: its own replication counts now, and the third hears of it.
    second.own$.next({ connected: true, lastSyncedAt: null, leading: true });
    second.leads$.next(true);
    expect(await next(second.shared.connection$, (s) => s.connected)).toEqual({ connected: true, lastSyncedAt: null, leading: true });
    expect(await next(third.shared.connection$, (s) => s.connected)).toEqual({ connected: true, lastSyncedAt: null, leading: false });
  });

  it('keeps tabs of different databases apart', async () => {
    const leader = tab(uniqueName('conn'), true);
    const elsewhere = tab(uniqueName('conn'), false);
    leader.own$.next({ connected: true, lastSyncedAt: null, leading: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(elsewhere.seen.every((s) => !s.connected)).toBe(true);
  });
});
