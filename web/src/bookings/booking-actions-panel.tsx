// The booking steps the viewer may take that are not a milestone's money steps (those are under Payment):
// starting the work, and cancelling, each issued as a command.
import { useRef, useState } from 'react';
import { bookingRejection } from '@shared/booking-machine';
import { HELD_STATES } from '@shared/milestone-machine';
import { sum } from '@shared/money';
import { REJECTION_MESSAGES } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { useSync } from '../app/sync-context';
import { formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { CommandNotice, type Notice } from './command-notice';
import { checkAction, MILESTONE_STEPS, offeredActions, type BookingAction } from './booking-actions';
import { bookingMessages } from './messages';
import { useCanReachServer } from './use-money-step';

interface Props {
  booking: ViewDoc<'bookings'>;
  actor: Actor;
  /** Actions with a command still waiting for the server. */
  waiting: ReadonlySet<BookingAction>;
  /** The booking's milestones as the page read them (undefined while loading). */
  milestones: readonly ViewDoc<'milestones'>[] | undefined;
}

export function BookingActionsPanel({ booking, actor, waiting, milestones }: Props) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const client = useSync();
  const reachable = useCanReachServer();
  const [busy, setBusy] = useState<BookingAction | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [confirming, setConfirming] = useState(false);
  const [cancelReason, setCancelReason] = useState('');
  const cancelQuestion = useRef<HTMLParagraphElement>(null);
  const cancelAsk = useRef<HTMLButtonElement>(null);
  // Set in the click itself: a double click must not issue the step twice.
  const firing = useRef(false);

  const allowed = offeredActions(booking, actor);
  // A booking's price is held in its milestones: the steps that move it are the money panel's, per milestone.
  const offered = allowed.filter((a) => !MILESTONE_STEPS.includes(a.event));
  const start = offered.some((a) => a.event === 'start');
  const cancel = offered.some((a) => a.event === 'cancel');
  const milestonesHere = (milestones?.length ?? 0) > 0;
  // Cancelling after payment refunds what is held: like every money step it needs the server now, and the
  // amount must be known to be said. Before payment it moves no money and works offline.
  const held = (milestones ?? []).filter((m) => HELD_STATES.includes(m.status));
  const refund = held.length > 0 ? sum(held.map((m) => m.amount), booking.price.currency) : null;
  const cancelMovesMoney = booking.status !== 'awaiting_payment' || refund !== null;
  // A fresh device may have the booking before its milestones: the steps that need them wait for them.
  const planSyncing =
    milestones !== undefined && !milestonesHere && allowed.some((a) => MILESTONE_STEPS.includes(a.event) || (a.event === 'cancel' && cancelMovesMoney));

  /** Asks the machine once more, then issues the command (offline too, where the step allows). */
  async function fire(event: 'start' | 'cancel', text?: string) {
    if (firing.current) return;
    const reason = text?.trim() || undefined;
    const verdict = checkAction(booking, actor, event, reason);
    if (!verdict.ok) {
      const code = bookingRejection(verdict)!;
      setNotice({ text: rejectionText(code, REJECTION_MESSAGES[code], locale) });
      return;
    }
    firing.current = true;
    setBusy(event);
    setNotice(null);
    try {
      const { id } =
        event === 'start'
          ? await client.issue('booking.start', { bookingId: booking.id })
          : await client.issue('booking.cancel', { bookingId: booking.id, ...(reason ? { reason } : {}) });
      setCancelReason('');
      setConfirming(false);
      setNotice({ commandId: id });
    } finally {
      firing.current = false;
      setBusy(null);
    }
  }

  const buttonProps = (event: 'start' | 'cancel') => ({
    disabled: busy !== null || waiting.has(event) || (event === 'cancel' && cancelMovesMoney && (!reachable || !milestonesHere)),
    'aria-busy': busy === event || undefined,
  });

  return (
    <>
      <CommandNotice notice={notice} pendingText={t('sentPending')} appliedText={t('applied')} testId="action-notice" />
      {planSyncing ? (
        <p className="notice" data-testid="plan-syncing">
          {t('planSyncing')}
        </p>
      ) : (
        offered.length === 0 && (
          // The steps the machine allows may all be the money panel's (approve, request changes, deliver).
          <p className="muted" data-testid="no-actions">
            {allowed.length > 0 ? t('stepsUnderPayment') : t('noActions')}
          </p>
        )
      )}

      {start && (
        <div className="actions">
          <button type="button" className="btn btn-primary" {...buttonProps('start')} onClick={() => void fire('start')}>
            {t('start')}
          </button>
          <PendingMark show={waiting.has('start')} />
        </div>
      )}

      {cancel &&
        (confirming ? (
          <div className="card confirm-step">
            <p ref={cancelQuestion} tabIndex={-1}>
              <strong>{refund ? t(actor.id === booking.clientId ? 'cancelRefundQuestionClient' : 'cancelRefundQuestion', { amount: formatMoney(refund, locale) }) : t('cancelQuestion')}</strong>
            </p>
            {actor.id === booking.clientId && booking.gigId && (
              <p className="hint" data-testid="cancel-reopens-gig">
                {t('cancelReopensGig')}
              </p>
            )}
            <div className="field">
              <label htmlFor="booking-cancel-reason">{t('cancelReason')}</label>
              <textarea id="booking-cancel-reason" rows={2} maxLength={500} value={cancelReason} onChange={(e) => setCancelReason(e.target.value)} />
            </div>
            <div className="actions">
              <button type="button" className="btn btn-danger" {...buttonProps('cancel')} onClick={() => void fire('cancel', cancelReason)}>
                {t('confirmCancel')}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setConfirming(false);
                  // Back on the button that asked, not lost to the page.
                  setTimeout(() => cancelAsk.current?.focus(), 0);
                }}
              >
                {t('keep')}
              </button>
            </div>
          </div>
        ) : (
          <div className="actions">
            <button
              ref={cancelAsk}
              type="button"
              className="btn btn-danger"
              {...buttonProps('cancel')}
              onClick={() => {
                setConfirming(true);
                // Land keyboard and screen-reader users on the question they must answer.
                setTimeout(() => cancelQuestion.current?.focus(), 0);
              }}
            >
              {t('cancel')}
            </button>
            <PendingMark show={waiting.has('cancel')} />
          </div>
        ))}
      {cancel && cancelMovesMoney && !reachable && (
        <p className="hint" data-testid="cancel-offline">
          {t(actor.id === booking.clientId ? 'cancelOfflineClient' : 'cancelOffline')}
        </p>
      )}
    </>
  );
}
