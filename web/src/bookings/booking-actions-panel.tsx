// The booking steps the viewer may take that are not a milestone's money steps (those are under Payment):
// starting the work, cancelling before it starts and, once it has, the worker's stopping and giving the money back,
// each issued as a command; and what an open dispute asks of the viewer.
import { useRef, useState } from 'react';
import { bookingRejection } from '@shared/booking-machine';
import { HELD_STATES, unpaidPart } from '@shared/milestone-machine';
import { REJECTION_MESSAGES } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { useSync, useView } from '../app/sync-context';
import { formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { useNowPast } from '../ui/use-now-past';
import { CommandNotice, type Notice } from './command-notice';
import { ConfirmStep } from './confirm-step';
import { checkAction, MILESTONE_STEPS, offeredActions, type BookingAction } from './booking-actions';
import { answerWindowClosed, disputeStep } from './dispute-guidance';
import { bookingMessages } from './messages';
import { cancelBlockedBy, offeredMoneyActions, refundOnCancel } from './money-actions';
import { moneyMessages } from './money-messages';
import { useCanReachServer } from './use-money-step';

interface Props {
  booking: ViewDoc<'bookings'>;
  actor: Actor;
  side: 'client' | 'worker';
  /** Actions with a command still waiting for the server. */
  waiting: ReadonlySet<BookingAction>;
  /** The booking's milestones as the page read them (undefined while loading). */
  milestones: readonly ViewDoc<'milestones'>[] | undefined;
  /** The booking's open disputes, those waiting for the viewer's answer first (openDisputes). */
  disputes: readonly ViewDoc<'disputes'>[];
}

export function BookingActionsPanel({ booking, actor, side, waiting, milestones, disputes }: Props) {
  const t = useT(bookingMessages);
  const tm = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const reachable = useCanReachServer();
  const [busy, setBusy] = useState<BookingAction | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [cancelReason, setCancelReason] = useState('');
  const [giveBackReason, setGiveBackReason] = useState('');
  // Set in the click itself: a double click must not issue the step twice.
  const firing = useRef(false);

  const allowed = offeredActions(booking, actor);
  // A booking's price is held in its milestones: the steps that move it are the money panel's, per milestone.
  const offered = allowed.filter((a) => !MILESTONE_STEPS.includes(a.event));
  const start = offered.some((a) => a.event === 'start');
  const cancel = offered.some((a) => a.event === 'cancel');
  const stopsWork = (a: { event: BookingAction }) => a.event === 'give_back';
  const goesOn = (a: { event: BookingAction }) => !stopsWork(a);
  const giveBack = offered.some(stopsWork);
  const milestonesHere = (milestones?.length ?? 0) > 0;
  // A step waiting under Payment that the booking's machine does not name: another part to hand in while one
  // waits for review, or a part to review while another is in dispute. (A dispute is always there: not a step.)
  const partSteps = (milestones ?? []).some((m) => offeredMoneyActions(m, booking, actor, false).some((a) => a.action !== 'dispute' && !a.blockedBy));
  // An open dispute asks something of each side though no button here does: to answer by its deadline, or to
  // wait for the answer. Its part's name tells several apart.
  const now = useNowPast(disputes.map((d) => d.respondBy));
  const disputeSteps = disputes.flatMap((d) => {
    const part = milestones?.find((m) => m.id === d.milestoneId);
    const toAnswer = d.openedBy !== side && !d.respondedAt && !answerWindowClosed(d, now);
    return part ? [{ id: d.id, part: part.description, text: disputeStep(d, part, side, tm, locale, now), toAnswer }] : [];
  });
  // Cancelling after payment refunds what is held: like every money step it needs the server now, and the
  // amount must be known to be said. Before payment it moves no money and works offline.
  const held = (milestones ?? []).filter((m) => HELD_STATES.includes(m.status));
  const refund = refundOnCancel(held, booking.price.currency);
  const cancelMovesMoney = booking.status !== 'awaiting_payment' || refund !== null;
  // Nor may it refund money the client's bank holds while it disputes the payment: said instead of the button.
  const cancelBlocked = cancel ? cancelBlockedBy(held, actor) : null;
  const giveBackBlocked = giveBack ? cancelBlockedBy(held, actor, 'give_back') : null;
  // A cancelled booking puts the client's gig back on offer, unless the offer has ended meanwhile: then the
  // gig ends too (the server expires it), and the client is told so before, not surprised after.
  const gig = useView('gigs', actor.id === booking.clientId && booking.gigId ? booking.gigId : undefined);
  const offerEnded = gig?.expiresAt && Date.parse(gig.expiresAt) <= Date.now() ? gig.expiresAt : null;
  // A fresh device may have the booking before its milestones: the steps that need them wait for them.
  const planSyncing =
    milestones !== undefined &&
    !milestonesHere &&
    allowed.some((a) => MILESTONE_STEPS.includes(a.event) || (a.event === 'cancel' && cancelMovesMoney) || a.event === 'give_back');

  /** Asks the machine once more, then issues the command (offline too, where the step allows); true once issued. */
  async function fire(event: 'start' | 'cancel' | 'give_back', text?: string): Promise<boolean> {
    if (firing.current) return false;
    const reason = text?.trim() || undefined;
    if (event === 'give_back' && !reason) {
      setNotice({ text: t('giveBackReasonMissing') });
      return false;
    }
    const verdict = checkAction(booking, actor, event, reason);
    if (!verdict.ok) {
      const code = bookingRejection(verdict, booking.status)!;
      setNotice({ text: rejectionText(code, REJECTION_MESSAGES[code], locale) });
      return false;
    }
    firing.current = true;
    setBusy(event);
    setNotice(null);
    try {
      const { id } =
        event === 'start'
          ? await client.issue('booking.start', { bookingId: booking.id })
          : event === 'give_back'
            ? await client.issue('booking.give_back', { bookingId: booking.id, reason: reason!, held: refund?.amount ?? 0 })
            : await client.issue('booking.cancel', { bookingId: booking.id, ...(reason ? { reason } : {}) });
      setCancelReason('');
      setGiveBackReason('');
      setNotice({ commandId: id });
      return true;
    } finally {
      firing.current = false;
      setBusy(null);
    }
  }

  // What stopping does, said from what the parts are now: what goes back, what is dropped, what the worker keeps.
  const giveBackQuestion = [
    refund ? t('giveBackQuestion', { amount: formatMoney(refund, locale) }) : t('giveBackQuestionNothingHeld'),
    ...((milestones ?? []).some((m) => unpaidPart(m.status)) ? [t('giveBackDropsUnpaid')] : []),
    ...((milestones ?? []).some((m) => m.releasedAmount.amount > 0) ? [t('giveBackKeepsReleased')] : []),
    t('cannotUndo'),
  ].join(' ');
  // Giving back what is held refunds the client at once, as cancelling does; with nothing held it moves no money.
  const needsServer = (event: 'start' | 'cancel' | 'give_back') => (event === 'cancel' && cancelMovesMoney) || (event === 'give_back' && refund !== null);
  const disabled = (event: 'start' | 'cancel' | 'give_back') => busy !== null || waiting.has(event) || (needsServer(event) && (!reachable || !milestonesHere));

  return (
    <>
      <CommandNotice notice={notice} pendingText={t('sentPending')} appliedText={t('applied')} testId="action-notice" />
      {disputeSteps.map((s) => (
        <p key={s.id} className={s.toAnswer ? 'notice' : 'hint'} data-testid="dispute-step">
          {disputeSteps.length > 1 && <strong>{s.part}: </strong>}
          {s.text}
        </p>
      ))}
      {planSyncing ? (
        <p className="notice" data-testid="plan-syncing">
          {t('planSyncing')}
        </p>
      ) : (
        offered.every(stopsWork) &&
        // The steps the machine allows may all be the money panel's (approve, request changes, deliver); and a
        // dispute's step, said above, is something to do. Stopping work is a way out, not the next step.
        (allowed.some(goesOn) || partSteps || disputeSteps.length === 0) && (
          <p className="muted" data-testid="no-actions">
            {allowed.some(goesOn) || partSteps ? t('stepsUnderPayment') : t('noActions')}
          </p>
        )
      )}

      {start && (
        <div className="actions">
          <button type="button" className="btn btn-primary" disabled={disabled('start')} aria-busy={busy === 'start' || undefined} onClick={() => void fire('start')}>
            {t('start')}
          </button>
          <PendingMark show={waiting.has('start')} />
        </div>
      )}

      {cancelBlocked && (
        <p className="hint" data-testid="cancel-blocked">
          {t(actor.id === booking.clientId ? 'cancelHeldByBankClient' : 'cancelHeldByBank')}
        </p>
      )}
      {cancel && !cancelBlocked && (
        <ConfirmStep
          ask={t('cancel')}
          askClassName="btn btn-danger"
          question={refund ? t(actor.id === booking.clientId ? 'cancelRefundQuestionClient' : 'cancelRefundQuestion', { amount: formatMoney(refund, locale) }) : t('cancelQuestion')}
          confirm={t('confirmCancel')}
          confirmClassName="btn btn-danger"
          keep={t('keep')}
          boxClassName="card confirm-step"
          disabled={disabled('cancel')}
          busy={busy === 'cancel'}
          beside={<PendingMark show={waiting.has('cancel')} />}
          onConfirm={() => fire('cancel', cancelReason)}
        >
          {actor.id === booking.clientId && booking.gigId && (
            <p className="hint" data-testid="cancel-reopens-gig">
              {offerEnded ? t('cancelEndsGig', { date: formatDateTime(offerEnded, locale) }) : t('cancelReopensGig')}
            </p>
          )}
          <div className="field">
            <label htmlFor="booking-cancel-reason">{t('cancelReason')}</label>
            <textarea id="booking-cancel-reason" rows={2} maxLength={500} value={cancelReason} onChange={(e) => setCancelReason(e.target.value)} />
          </div>
        </ConfirmStep>
      )}
      {cancel && !cancelBlocked && cancelMovesMoney && !reachable && (
        <p className="hint" data-testid="cancel-offline">
          {t(actor.id === booking.clientId ? 'cancelOfflineClient' : 'cancelOffline')}
        </p>
      )}

      {giveBackBlocked && (
        <p className="hint" data-testid="give-back-blocked">
          {t('giveBackHeldByBank')}
        </p>
      )}
      {giveBack && !giveBackBlocked && (
        <ConfirmStep
          ask={t(refund ? 'giveBack' : 'stopWork')}
          askClassName="btn btn-danger"
          question={giveBackQuestion}
          confirm={t('confirmGiveBack')}
          confirmClassName="btn btn-danger"
          keep={t('keepWorking')}
          boxClassName="card confirm-step"
          disabled={disabled('give_back')}
          busy={busy === 'give_back'}
          beside={<PendingMark show={waiting.has('give_back')} />}
          onConfirm={() => fire('give_back', giveBackReason)}
        >
          <div className="field">
            <label htmlFor="booking-give-back-reason">{t('giveBackReason')}</label>
            <textarea id="booking-give-back-reason" rows={2} maxLength={500} required value={giveBackReason} onChange={(e) => setGiveBackReason(e.target.value)} />
          </div>
        </ConfirmStep>
      )}
      {giveBack && !giveBackBlocked && refund !== null && !reachable && (
        <p className="hint" data-testid="give-back-offline">
          {t('giveBackOffline')}
        </p>
      )}
    </>
  );
}
