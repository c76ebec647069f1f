// The client's offer of notifications on this device ("Turn on" / "Not now"), and once on, a quiet line with
// "Turn off". Texts come anyway: the panel never stands in the way. Once dismissed, the booking pages offer
// nothing more on this device until sign-out, and the home page keeps one quiet line with "Turn on".
import { useEffect, useRef, useState } from 'react';
import { useSync } from '../app/sync-context';
import { useT } from '../i18n/i18n';
import { pushMessages } from './messages';
import { needsHomeScreen, type PushBrowser } from './push-device';
import { pushProblemText } from './push-problems';
import { usePush } from './use-push';
import './push.css';

/** "Not now" on this device; a `fw.` key, so sign-out forgets it (wipe-device.ts). */
export const PUSH_OFFER_DISMISSED = 'fw.push-offer-dismissed';

interface Props {
  /**
   * `home`: the client area's start page, which also says when push is on (with Turn off), blocked, or needs
   * the app on the home screen. `booking`: only the offer, where news of the booking is awaited.
   */
  place: 'home' | 'booking';
  /** A stand-in for the browser's push (tests). */
  browser?: PushBrowser | null;
}

export function PushPanel({ place, browser }: Props) {
  const t = useT(pushMessages);
  const client = useSync();
  const push = usePush(client, browser);
  const { state, problem, changed } = push;
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(PUSH_OFFER_DISMISSED) === '1');
  /** A button of this panel was used: it stays to say how that went, wherever it is. */
  const [acted, setActed] = useState(false);
  const [homeScreen] = useState(needsHomeScreen);
  const panel = useRef<HTMLElement>(null);

  // The buttons change with the state: focus goes to the one now there, not to the top of the page.
  useEffect(() => {
    if (!acted || state === 'working') return;
    const focus = document.activeElement;
    if (focus === null || focus === document.body || panel.current?.contains(focus)) panel.current?.querySelector('button')?.focus();
  }, [acted, state]);

  const offerable = state === 'off' || (place === 'home' && (state === 'denied' || (state === 'unsupported' && homeScreen)));
  // Dismissed, the offer shrinks on the home page to one quiet line with Turn on: never a dead end.
  const quietOffer = place === 'home' && dismissed && !acted;
  const visible = acted || (state === 'on' ? place === 'home' : (!dismissed || (quietOffer && state === 'off')) && offerable);
  if (!visible) return null;

  const act = (what: () => void) => () => {
    if (state === 'working') return;
    setActed(true);
    what();
  };
  const dismiss = () => {
    localStorage.setItem(PUSH_OFFER_DISMISSED, '1');
    // The panel goes; its page's heading takes the focus rather than the document.
    const heading = panel.current?.closest('.page')?.querySelector<HTMLElement>('h1');
    setDismissed(true);
    setActed(false);
    heading?.focus();
  };
  const working = state === 'working';
  // While turning, the panel keeps the look of the state it is leaving, its button marked as busy.
  const look = working ? (push.turning === 'off' ? 'on' : 'off') : state;
  // Blocked just now, at the question: how to allow it is news, said where news is announced.
  const justDenied = state === 'denied' && problem === 'denied';
  const status = working
    ? t(push.turning === 'off' ? 'turningOff' : 'turningOn')
    : justDenied
      ? t('denied')
      : state === 'on'
        ? t('isOn')
        : changed === 'off'
          ? t('isOff')
          : '';
  const quiet = look === 'on' || (quietOffer && look === 'off');
  const text = look === 'denied' ? (justDenied ? null : t('denied')) : look === 'unsupported' ? t('homeScreen') : look === 'on' ? null : quiet ? t('offQuiet') : t('offer');

  return (
    <section ref={panel} className={`push-panel ${quiet ? 'push-quiet' : 'card'}`} aria-label={t('panelLabel')} data-testid="push-panel" data-state={state}>
      {text && <p className="push-text">{text}</p>}
      {/* Always in the page, so that each change of it is announced. */}
      <p role="status" className="push-status">
        {status}
      </p>
      {/* Put away with Not now, the offer's last failure is not said again on the quiet line. */}
      {problem && problem !== 'denied' && !(quietOffer && look === 'off') && (
        <p className="error" role="alert">
          {pushProblemText(problem, t)}
        </p>
      )}
      <div className="push-actions">
        {look === 'on' ? (
          <button type="button" className="btn-link" aria-disabled={working || undefined} onClick={act(push.turnOff)}>
            {t('turnOff')}
          </button>
        ) : (
          <>
            {look === 'off' && (
              <button type="button" className={quiet ? 'btn-link' : 'btn btn-primary'} aria-disabled={working || undefined} onClick={act(push.turnOn)}>
                {t('turnOn')}
              </button>
            )}
            {!quiet && (
              <button type="button" className="btn-link" aria-disabled={working || undefined} onClick={working ? undefined : dismiss}>
                {t('notNow')}
              </button>
            )}
          </>
        )}
      </div>
    </section>
  );
}
