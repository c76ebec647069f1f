// The booking's chat: its messages oldest first (mine and theirs), and a form that sends offline too.
import { useRef, useState, type FormEvent } from 'react';
import { useSync, useViewAll } from '../app/sync-context';
import { formatDateTime, formatTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import { Loading } from '../ui/page';
import { useDraft } from '../ui/use-draft';
import { PendingMark } from '../ui/pending-mark';
import { TextAreaField } from '../ui/text-area-field';
import { bookingMessages } from './messages';

const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();

/** `canWrite`: a party of an open chat; 'closed' for a party of a cancelled booking (chatOpen). */
/** A message that reached the server this long after it was written is said to have been sent later. */
const SENT_LATE_MS = 2 * 60_000;
const sentLate = (m: { createdAt: string; updatedAt: string }) => Date.parse(m.updatedAt) - Date.parse(m.createdAt) > SENT_LATE_MS;

export function BookingChat({ booking, canWrite }: { booking: ViewDoc<'bookings'>; canWrite: boolean | 'closed' }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const client = useSync();
  const messages = useViewAll('messages', { selector: { bookingId: booking.id }, sort: [{ createdAt: 'asc' }] });
  const [body, setBody] = useDraft(client.db.name, `chat.${booking.id}`);
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const today = new Date();

  async function send(e: FormEvent) {
    e.preventDefault();
    const text = body.trim();
    if (!text) {
      setError(t('messageEmpty'));
      field.current?.focus();
      return;
    }
    setError('');
    setSending(true);
    try {
      await client.issue('message.send', { messageId: newId(), bookingId: booking.id, body: text });
      setBody('');
    } finally {
      setSending(false);
      field.current?.focus();
    }
  }

  const sender = (m: ViewDoc<'messages'>) =>
    m.senderId === client.userId ? t('me') : m.senderId === booking.clientId ? booking.clientName || t('client') : booking.workerName || t('worker');

  return (
    <>
      {!messages && <Loading label={t('loadingChat')} />}
      {/* A log: new messages are read out as they arrive, without moving focus. */}
      <div role="log" aria-live="polite" aria-label={t('chat')}>
        <ol className="chat" data-testid="chat">
          {(messages ?? []).map((m) => {
            const mine = m.senderId === client.userId;
            const at = new Date(m.createdAt);
            return (
              <li key={m.id} className={mine ? 'mine' : 'theirs'} data-pending={m.pending || undefined}>
                <p className="chat-meta">
                  <span className="chat-sender">{sender(m)}</span>{' '}
                  <time dateTime={m.createdAt}>{sameDay(at, today) ? formatTime(m.createdAt, locale) : formatDateTime(m.createdAt, locale)}</time>
                  {/* Written offline and sent later (the server dates a message when it was written): when it went too. */}
                  {!m.pending && sentLate(m) && (
                    <span className="chat-sent-late" data-testid="chat-sent-late">
                      {' · '}
                      {t('chatSentAt', { time: sameDay(new Date(m.updatedAt), today) ? formatTime(m.updatedAt, locale) : formatDateTime(m.updatedAt, locale) })}
                    </span>
                  )}
                  <PendingMark show={m.pending} />
                </p>
                <p className="chat-body">{m.body}</p>
              </li>
            );
          })}
        </ol>
      </div>
      {messages?.length === 0 && <p className="empty">{t('chatEmpty')}</p>}
      {canWrite === true ? (
        <form className="chat-form" onSubmit={(e) => void send(e)} noValidate>
          <TextAreaField
            id="booking-message"
            label={t('message')}
            value={body}
            onChange={setBody}
            error={error}
            onClearError={() => setError('')}
            textareaRef={field}
          />
          <button type="submit" className="btn btn-primary" disabled={sending}>
            {t('send')}
          </button>
        </form>
      ) : (
        <p className="muted" data-testid="chat-closed">
          {canWrite === 'closed' ? t('chatClosed') : t('chatReadOnly')}
        </p>
      )}
    </>
  );
}
