// The buttons and short forms for the booking steps the viewer may take, each issued as a command.
import { useRef, useState, type FormEvent } from 'react';
import { bookingRejection } from '@shared/booking-machine';
import { REJECTION_MESSAGES, type RejectionCode } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { useSync } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { SyncClient } from '../sync/client';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { TextAreaField } from '../ui/text-area-field';
import { CommandNotice, type Notice } from './command-notice';
import { checkAction, MILESTONE_STEPS, offeredActions, type BookingAction } from './booking-actions';
import { bookingMessages } from './messages';

interface Props {
  booking: ViewDoc<'bookings'>;
  actor: Actor;
  /** Actions with a command still waiting for the server. */
  waiting: ReadonlySet<BookingAction>;
  /** The booking's milestones are on this device: the money panel offers the steps that move their money. */
  milestonesHere: boolean;
}

/** The command for one booking step; optional texts are left out when empty. */
function issueAction(client: SyncClient, bookingId: string, event: BookingAction, reason: string | undefined) {
  switch (event) {
    case 'start':
      return client.issue('booking.start', { bookingId });
    case 'deliver':
      return client.issue('booking.deliver', { bookingId, ...(reason ? { note: reason } : {}) });
    case 'approve':
      return client.issue('booking.approve', { bookingId });
    case 'request_changes':
      return client.issue('booking.request_changes', { bookingId, reason: reason ?? '' });
    case 'cancel':
      return client.issue('booking.cancel', { bookingId, ...(reason ? { reason } : {}) });
  }
}

export function BookingActionsPanel({ booking, actor, waiting, milestonesHere }: Props) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const client = useSync();
  const [busy, setBusy] = useState<BookingAction | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [note, setNote] = useState('');
  const [changes, setChanges] = useState('');
  const [changesError, setChangesError] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [cancelReason, setCancelReason] = useState('');
  const changesField = useRef<HTMLTextAreaElement>(null);
  const cancelQuestion = useRef<HTMLParagraphElement>(null);

  const offered = offeredActions(booking, actor).filter((a) => !(milestonesHere && MILESTONE_STEPS.includes(a.event)));
  const offer = (event: BookingAction) => offered.find((a) => a.event === event);
  const sentence = (code: RejectionCode) => rejectionText(code, REJECTION_MESSAGES[code], locale);

  /** Asks the machine once more with what was typed, then issues the command (offline too). */
  async function fire(event: BookingAction, text?: string) {
    const reason = text?.trim() || undefined;
    const verdict = checkAction(booking, actor, event, reason);
    if (!verdict.ok) {
      const message = sentence(bookingRejection(verdict)!);
      if (event === 'request_changes') {
        setChangesError(message);
        changesField.current?.focus();
      } else setNotice({ text: message });
      return;
    }
    setBusy(event);
    setNotice(null);
    try {
      const { id } = await issueAction(client, booking.id, event, reason);
      setNote('');
      setChanges('');
      setChangesError('');
      setCancelReason('');
      setConfirming(false);
      setNotice({ commandId: id });
    } finally {
      setBusy(null);
    }
  }

  const buttonProps = (event: BookingAction) => ({
    disabled: busy !== null || waiting.has(event),
    'aria-busy': busy === event || undefined,
  });
  const submit = (event: BookingAction, text?: string) => (e: FormEvent) => {
    e.preventDefault();
    void fire(event, text);
  };

  const start = offer('start');
  const approve = offer('approve');
  const deliver = offer('deliver');
  const requestChanges = offer('request_changes');
  const cancel = offer('cancel');

  return (
    <>
      <CommandNotice notice={notice} pendingText={t('sentPending')} appliedText={t('applied')} testId="action-notice" />
      {offered.length === 0 && <p className="muted">{t('noActions')}</p>}

      {(start || approve) && (
        <div className="actions">
          {start && (
            <button type="button" className="btn btn-primary" {...buttonProps('start')} onClick={() => void fire('start')}>
              {t('start')}
            </button>
          )}
          {approve && (
            <button type="button" className="btn btn-primary" {...buttonProps('approve')} onClick={() => void fire('approve')}>
              {t('approve')}
            </button>
          )}
          <PendingMark show={waiting.has('start') || waiting.has('approve')} />
        </div>
      )}

      {deliver && (
        <form className="action-form" onSubmit={submit('deliver', note)}>
          <div className="field">
            <label htmlFor="booking-deliver-note">{t('deliverNote')}</label>
            <textarea id="booking-deliver-note" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" className="btn btn-primary" {...buttonProps('deliver')}>
            {t('deliver')}
          </button>
          <PendingMark show={waiting.has('deliver')} />
        </form>
      )}

      {requestChanges &&
        (requestChanges.blockedBy ? (
          <p className="notice">{sentence(requestChanges.blockedBy)}</p>
        ) : (
          <form className="action-form" onSubmit={submit('request_changes', changes)} noValidate>
            <TextAreaField
              id="booking-changes"
              label={t('changesReason')}
              value={changes}
              onChange={setChanges}
              error={changesError}
              onClearError={() => setChangesError('')}
              rows={3}
              textareaRef={changesField}
            />
            <button type="submit" className="btn" {...buttonProps('request_changes')}>
              {t('requestChanges')}
            </button>
            <PendingMark show={waiting.has('request_changes')} />
          </form>
        ))}

      {cancel &&
        (confirming ? (
          <div className="card confirm-step">
            <p ref={cancelQuestion} tabIndex={-1}>
              <strong>{t('cancelQuestion')}</strong>
            </p>
            <div className="field">
              <label htmlFor="booking-cancel-reason">{t('cancelReason')}</label>
              <textarea id="booking-cancel-reason" rows={2} maxLength={500} value={cancelReason} onChange={(e) => setCancelReason(e.target.value)} />
            </div>
            <div className="actions">
              <button type="button" className="btn btn-danger" {...buttonProps('cancel')} onClick={() => void fire('cancel', cancelReason)}>
                {t('confirmCancel')}
              </button>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>
                {t('keep')}
              </button>
            </div>
          </div>
        ) : (
          <div className="actions">
            <button
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
    </>
  );
}
