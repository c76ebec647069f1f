// An admin who is not a party may cancel a booking for both sides before work starts (an unsafe address, a fraud, a
// duplicate): with a written reason, which both sides read and the audit log keeps. Money held for it goes back to the
// client in full and the gig ends (sync-server booking-step.ts). A paid booking's cancellation moves money at once,
// so it needs the server now, as every money step does.
import { useRef, useState } from 'react';
import { bookingMachine } from '@shared/booking-machine';
import { can } from '@shared/machine';
import type { BookingMoney } from '@shared/money-api';
import { useSync } from '../app/sync-context';
import { formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { useMoneyRead } from '../money/money-api';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { TextAreaField } from '../ui/text-area-field';
import { CommandNotice, type Notice } from './command-notice';
import { ConfirmStep } from './confirm-step';
import { bookingMessages } from './messages';
import { refundOnCancel } from './money-actions';
import { useCanReachServer } from './use-money-step';

/** Shown on the booking page to an admin who is not a party (booking-page.tsx), whose one step this is. */
export function AdminCancel({ booking, waiting }: { booking: ViewDoc<'bookings'>; waiting: boolean }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const client = useSync();
  const reachable = useCanReachServer();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [notice, setNotice] = useState<Notice>(null);
  // Set in the click itself: a double click must not cancel twice.
  const firing = useRef(false);

  // Asked of the machine as the admin the server will see (the page's own parties leave admin out: it acts for no side).
  const offered = can(bookingMachine, booking.status, 'cancel', ['admin'], { now: Date.now(), changeRounds: booking.changeRounds, reason: 'typed in the form' }).ok;
  const paid = booking.status !== 'awaiting_payment';
  // What goes back to the client, said in the question: read from the server as the money panel reads it (an admin's
  // device does not hold the parts of a booking not in dispute), again whenever the booking changes.
  const parts = useMoneyRead<BookingMoney>(offered && paid ? `/money/bookings/${encodeURIComponent(booking.id)}?version=${booking.version}` : null).read;
  if (!offered) return null;
  const back = parts.state === 'ready' ? refundOnCancel(parts.data.milestones, booking.price.currency) : null;
  const refund = back ? formatMoney(back, locale) : null;

  async function cancel(): Promise<boolean> {
    const why = reason.trim();
    if (!why) {
      setProblem(t('adminCancelReasonMissing'));
      return false;
    }
    if (firing.current) return false;
    firing.current = true;
    try {
      const { id } = await client.issue('booking.cancel', { bookingId: booking.id, reason: why });
      setReason('');
      setNotice({ commandId: id });
      return true;
    } finally {
      firing.current = false;
    }
  }

  return (
    <>
      <CommandNotice notice={notice} pendingText={t('sentPending')} appliedText={t('applied')} testId="admin-cancel-notice" />
      <ConfirmStep
        ask={t('adminCancel')}
        askClassName="btn btn-danger"
        question={refund ? t('adminCancelRefundAmountQuestion', { amount: refund }) : t(paid ? 'adminCancelRefundQuestion' : 'adminCancelQuestion')}
        confirm={t('adminCancelConfirm')}
        confirmClassName="btn btn-danger"
        keep={t('keep')}
        boxClassName="card confirm-step"
        disabled={waiting || (paid && !reachable)}
        beside={<PendingMark show={waiting} />}
        onConfirm={cancel}
      >
        <TextAreaField id="admin-cancel-reason" label={t('adminCancelReason')} value={reason} onChange={setReason} error={problem} onClearError={() => setProblem(undefined)} maxLength={500} />
      </ConfirmStep>
      {paid && !reachable && (
        <p className="hint" data-testid="admin-cancel-offline">
          {t('adminCancelOffline')}
        </p>
      )}
    </>
  );
}
