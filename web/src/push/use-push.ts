// This device's web push for a screen: its state, read on arrival and again when the permission may have
// changed (the person comes back from the site settings), and turning it on and off.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SyncClient } from '../sync/client';
import { pushBrowser, readPushState, turnPushOff, turnPushOn, type PushBrowser, type PushProblem, type PushState } from './push-device';
import { pushProblemOf } from './push-problems';

export interface PushControl {
  state: PushState;
  /** Why the last try to turn on failed, until the next try. */
  problem: PushProblem | null;
  /** Being turned on or off here (state `working`); null otherwise, and while the state is first read. */
  turning: 'on' | 'off' | null;
  /** What was last changed here, for the panel to say so. */
  changed: 'on' | 'off' | null;
  /** Call straight from the click: the permission question needs its user activation. */
  turnOn(): void;
  turnOff(): void;
}

/**
 * `client`: the signed-in device, whose server push is registered with and whose account push is turned on for.
 * `browser`: the real one unless a test passes a stand-in (null: a browser without push).
 */
export function usePush(client: Pick<SyncClient, 'http' | 'userId'>, browser?: PushBrowser | null): PushControl {
  const { http, userId } = client;
  const [device] = useState(() => (browser === undefined ? pushBrowser() : browser));
  const [state, setState] = useState<PushState>(() => (device ? 'working' : 'unsupported'));
  const [problem, setProblem] = useState<PushProblem | null>(null);
  const [changed, setChanged] = useState<'on' | 'off' | null>(null);
  const [turning, setTurning] = useState<'on' | 'off' | null>(null);
  /** Turning on or off: a reading meanwhile would say "off" half way through. */
  const busy = useRef(false);
  const live = useRef(true);

  const read = useCallback(() => {
    if (busy.current) return;
    void readPushState(device, userId).then((s) => {
      if (live.current && !busy.current) setState(s);
    });
  }, [device, userId]);

  useEffect(() => {
    live.current = true;
    read();
    // Allowing or blocking in the site settings happens outside the app: read again on return.
    const onVisible = () => document.visibilityState === 'visible' && read();
    document.addEventListener('visibilitychange', onVisible);
    let permission: PermissionStatus | undefined;
    navigator.permissions
      ?.query({ name: 'notifications' })
      .then((p) => {
        permission = p;
        p.addEventListener('change', read);
        if (!live.current) p.removeEventListener('change', read);
      })
      .catch(() => undefined);
    return () => {
      live.current = false;
      document.removeEventListener('visibilitychange', onVisible);
      permission?.removeEventListener('change', read);
    };
  }, [read]);

  const change = useCallback(
    (to: 'on' | 'off') => {
      if (!device || busy.current) return;
      busy.current = true;
      setState('working');
      setTurning(to);
      setProblem(null);
      setChanged(null);
      // Started before anything is awaited: turnPushOn asks its question within this click.
      const done = to === 'on' ? turnPushOn(device, http, userId) : turnPushOff(device, http);
      void done
        .then(
          () => setChanged(to),
          (err: unknown) => {
            const problem = pushProblemOf(err);
            // The browser's or the server's own words, for whoever looks into why; the person gets a sentence.
            if (problem === 'subscribe_failed' || problem === 'server_failed') console.warn('turning notifications on failed', err);
            setProblem(problem);
          },
        )
        .then(() => readPushState(device, userId))
        .then((s) => {
          busy.current = false;
          if (!live.current) return;
          setTurning(null);
          setState(s);
        });
    },
    [device, http, userId],
  );

  return { state, problem, turning, changed, turnOn: useCallback(() => change('on'), [change]), turnOff: useCallback(() => change('off'), [change]) };
}
