// @vitest-environment happy-dom
// Sign-out is local first: the sign-in screen comes at once and the server is told in the background, with a
// time limit, and again later until it has it. A sign-out still to be told never reaches the next person's
// session: a sign-in drops it, and it is only sent while nobody is signed in.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render } from '@testing-library/react';
import { OWED_LOGOUT, sendOwedLogout, verifyCode } from './auth-api';
import { SessionProvider, useSession, type Session } from './session';

/** The server as far as the refresh cookie goes, behind a link that works, fails at once, or never answers. */
function fakeServer() {
  const server = {
    cookie: 'session-of-A' as string | null,
    revoked: [] as string[],
    link: 'up' as 'up' | 'down' | 'silent',
    requests: [] as string[],
    /** When set, sign-ins are answered only once it settles. */
    verifyGate: null as Promise<void> | null,
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit = {}) => {
      server.requests.push(path);
      if (server.link === 'down') throw new TypeError('Failed to fetch');
      if (server.link === 'silent') {
        // A dead 2G link: no answer, ever; only the caller's signal ends the wait.
        return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      }
      if (path === '/auth/logout') {
        if (server.cookie) server.revoked.push(server.cookie);
        server.cookie = null;
        return new Response(null, { status: 204 });
      }
      if (path === '/auth/verify') {
        await server.verifyGate;
        server.cookie = 'session-of-B';
        return Response.json(grant('user-b', 'b'));
      }
      if (path === '/auth/refresh') {
        if (!server.cookie) return Response.json({ error: { code: 'unauthorized', message: 'Not signed in.' } }, { status: 401 });
        return Response.json(grant('user-a', 'a2'));
      }
      throw new Error(`unexpected ${path}`);
    }),
  );
  return server;
}

const grant = (id: string, accessToken: string) => ({ accessToken, expiresIn: 900, user: { id, roles: ['consumer'] } });
const settle = () => act(() => new Promise((r) => setTimeout(r, 10)));

function mount(): () => Session {
  let session!: Session;
  const Probe = () => {
    session = useSession();
    return null;
  };
  render(
    <SessionProvider>
      <Probe />
    </SessionProvider>,
  );
  return () => session;
}

beforeEach(() => {
  localStorage.setItem('fw.session', JSON.stringify({ id: 'user-a', roles: ['consumer'] }));
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('sign-out', () => {
  it('shows the sign-in screen at once on a link that never answers, gives up after 15 s and tries again when back online', async () => {
    const server = fakeServer();
    server.link = 'silent';
    const session = mount();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

    act(() => session().signOut());
    // Nothing waited for the network: signed out, the user forgotten, the logout marked as owed.
    expect(session().state).toEqual({ status: 'signed-out' });
    expect(localStorage.getItem('fw.session')).toBeNull();
    expect(localStorage.getItem('fw.pending-logout')).toBe('1');
    expect(server.requests).toEqual(['/auth/logout']);

    // The request is given up after its time limit; the sign-out stays owed.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(15_000);
    });
    expect(localStorage.getItem('fw.pending-logout')).toBe('1');
    vi.useRealTimers();

    // The network comes back: sent again, and once the server has it, no longer owed.
    server.link = 'up';
    await act(async () => {
      window.dispatchEvent(new Event('online'));
    });
    await settle();
    expect(server.requests).toEqual(['/auth/logout', '/auth/logout']);
    expect(server.revoked).toEqual(['session-of-A']);
    expect(localStorage.getItem('fw.pending-logout')).toBeNull();
  });

  it('sends one logout at a time, however often the network says it is back', async () => {
    const server = fakeServer();
    server.link = 'silent';
    const session = mount();
    act(() => session().signOut());
    await act(async () => {
      window.dispatchEvent(new Event('online'));
      window.dispatchEvent(new Event('online'));
    });
    expect(server.requests).toEqual(['/auth/logout']);
  });

  it('refreshes no token after a sign-out', async () => {
    const server = fakeServer();
    server.link = 'silent';
    const session = mount();
    // A refresh leaves (the replication wanted a token) and hangs on the link.
    const onItsWay = session().getToken({ forceRefresh: true });
    act(() => session().signOut());
    // Asked for a token again (a socket reconnecting while the wipe stops it): refused without a request.
    await expect(session().getToken({ forceRefresh: false })).rejects.toMatchObject({ code: 'signed_out' });
    expect(server.requests.filter((p) => p === '/auth/refresh')).toHaveLength(1);
    expect(session().state.status).toBe('signed-out');
    void onItsWay.catch(() => undefined);
  });

  it('leaves the next person at the start page, not on the page this one left open', () => {
    fakeServer();
    const session = mount();
    window.history.pushState(null, '', '/b/0190a000-0000-7000-8000-0000000000b1');
    act(() => session().signOut());
    expect(window.location.pathname).toBe('/');
  });

  it('is followed at once by the other tabs, which do not say the session merely ended', async () => {
    const server = fakeServer();
    const session = mount();
    expect(session().state.status).toBe('signed-in');
    window.history.pushState(null, '', '/o/jobs');
    // Another tab signs out: its wipe removes the session, then it owes the server a sign-out; the browser
    // tells this tab of each, in that order.
    localStorage.removeItem('fw.session');
    act(() => void window.dispatchEvent(new StorageEvent('storage', { key: 'fw.session', oldValue: '{}', newValue: null })));
    localStorage.setItem(OWED_LOGOUT, '1');
    act(() => void window.dispatchEvent(new StorageEvent('storage', { key: OWED_LOGOUT, oldValue: null, newValue: '1' })));
    expect(session().state).toEqual({ status: 'signed-out' });
    expect(window.location.pathname).toBe('/');
    await expect(session().getToken({ forceRefresh: false })).rejects.toMatchObject({ code: 'signed_out' });
    expect(server.requests.filter((p) => p === '/auth/refresh')).toHaveLength(0);
  });

  it('does not take a refresh that answers after the sign-out', async () => {
    const server = fakeServer();
    let answer!: (r: Response) => void;
    const fetchMock = vi.mocked(fetch);
    const base = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation((path, init) =>
      path === '/auth/refresh' ? new Promise<Response>((resolve) => (answer = resolve)) : base(path, init),
    );
    server.link = 'up';
    const session = mount();
    const onItsWay = session().getToken({ forceRefresh: true });
    act(() => session().signOut());
    answer(Response.json(grant('user-a', 'a2')));
    await expect(onItsWay).rejects.toMatchObject({ code: 'signed_out' });
    await settle();
    expect(session().state).toEqual({ status: 'signed-out' });
    expect(localStorage.getItem('fw.session')).toBeNull();
  });
});

/** Signed out while the link was down: the sign-out is owed to the server. */
async function signedOutOffline() {
  const server = fakeServer();
  server.link = 'down';
  const session = mount();
  act(() => session().signOut());
  await settle();
  expect(localStorage.getItem('fw.pending-logout')).toBe('1');
  return { server, session };
}

describe('a sign-out owed from before', () => {
  it('is dropped when the next person signs in, and never sent while they are signed in', async () => {
    const { server, session } = await signedOutOffline();

    // The link works again; B signs in on the same phone (the sign-in page: verify, then signedIn).
    server.link = 'up';
    const b = await verifyCode('+14155550101', '123456');
    act(() => session().signedIn(b));
    expect(localStorage.getItem('fw.pending-logout')).toBeNull();

    // Later the phone drops off the network and comes back: nothing is sent.
    await act(async () => {
      window.dispatchEvent(new Event('online'));
    });
    await settle();
    expect(server.revoked).toEqual([]);
    expect(server.requests.filter((p) => p === '/auth/logout')).toEqual(['/auth/logout']);
  });

  it('left from an older version while someone is signed in, is not sent at start nor when back online', async () => {
    const server = fakeServer();
    localStorage.setItem('fw.pending-logout', '1');
    mount();
    await act(async () => {
      window.dispatchEvent(new Event('online'));
    });
    await settle();
    expect(server.requests).toEqual([]);
  });

  it('is sent at start when nobody is signed in', async () => {
    const server = fakeServer();
    localStorage.removeItem('fw.session');
    localStorage.setItem('fw.pending-logout', '1');
    const session = mount();
    await settle();
    expect(session().state.status).toBe('signed-out');
    expect(server.revoked).toEqual(['session-of-A']);
    expect(localStorage.getItem('fw.pending-logout')).toBeNull();
  });

  it('sent by another tab while a sign-in is on its way, waits its turn and then is not sent at all', async () => {
    // The tabs' Web Lock: one holder at a time, the others queued in order.
    let tail: Promise<unknown> = Promise.resolve();
    const locks = {
      request: (_name: string, run: () => Promise<unknown>) => {
        const turn = tail.then(run);
        tail = turn.catch(() => undefined);
        return turn;
      },
    };
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
    try {
      const { server, session } = await signedOutOffline();
      server.link = 'up';
      let answer!: () => void;
      server.verifyGate = new Promise((r) => (answer = r));
      const signingIn = verifyCode('+14155550101', '123456');
      await settle();
      // Another window of the app starts, or comes back online, and sends what the device owes.
      const otherTab = sendOwedLogout(15_000);
      await settle();
      expect(server.requests.filter((p) => p === '/auth/logout')).toEqual(['/auth/logout']); // only the failed one
      answer();
      act(() => void signingIn.then((g) => session().signedIn(g)));
      await otherTab;
      await settle();
      expect(server.requests.filter((p) => p === '/auth/logout')).toEqual(['/auth/logout']);
      expect(server.revoked).toEqual([]);
      expect(server.cookie).toBe('session-of-B');
      expect(session().state).toMatchObject({ status: 'signed-in', user: { id: 'user-b' } });
    } finally {
      Reflect.deleteProperty(navigator, 'locks');
    }
  });

  it('still on its way when the next person signs in, is called off so its answer cannot clear the new cookie', async () => {
    const server = fakeServer();
    server.link = 'silent';
    const session = mount();
    act(() => session().signOut());
    const logout = vi.mocked(fetch).mock.calls[0]![1]!;
    expect(logout.signal?.aborted).toBe(false);
    server.link = 'up';
    act(() => void verifyCode('+14155550101', '123456').then((g) => session().signedIn(g)));
    expect(logout.signal?.aborted).toBe(true);
    await settle();
    expect(session().state).toMatchObject({ status: 'signed-in', user: { id: 'user-b' } });
    expect(localStorage.getItem('fw.pending-logout')).toBeNull();
  });
});
