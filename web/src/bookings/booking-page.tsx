// The booking page (/b/:id) for client, worker and admin: status, what to do next, history and chat.
import { bookingEnded, chatOpen, type BookingState } from '@shared/booking-machine';
import { HELD_STATES, heldByBank } from '@shared/milestone-machine';
import { Link } from 'wouter';
import { useMe, useSync, useView, useViewAll } from '../app/sync-context';
import { bookingStateName } from '../i18n/domain-names';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { PushPanel } from '../push/push-panel';
import { viewerOf } from './booking-actions';
import { BookingActionsPanel } from './booking-actions-panel';
import { BookingChat } from './booking-chat';
import { BookingTimeline } from './booking-timeline';
import { bookingMessages } from './messages';
import { MoneyPanel } from './money-panel';
import { pendingActions, timelineRows } from './timeline-entries';
import { RefusedAccept, useRefusedAccept } from './refused-accept';
import { useAbsent } from './use-absent';
import './booking.css';

type Key = keyof typeof bookingMessages.en;

/** What happens next, per state and side; states with nothing to say are left out. */
const HINTS: Partial<Record<BookingState, { client: Key; worker: Key }>> = {
  awaiting_payment: { client: 'hintAwaitingPaymentClient', worker: 'hintAwaitingPaymentWorker' },
  funded: { client: 'hintFundedClient', worker: 'hintFundedWorker' },
  in_progress: { client: 'hintInProgressClient', worker: 'hintInProgressWorker' },
  delivered: { client: 'hintDeliveredClient', worker: 'hintDeliveredWorker' },
  changes_requested: { client: 'hintChangesClient', worker: 'hintChangesWorker' },
  disputed: { client: 'hintDisputed', worker: 'hintDisputed' },
};

const NEXT_PART_UNPAID: { client: Key; worker: Key } = { client: 'hintNextPartUnpaidClient', worker: 'hintNextPartUnpaidWorker' };
const PART_IN_REVIEW: { client: Key; worker: Key } = { client: 'hintPartInReviewClient', worker: 'hintPartInReviewWorker' };
const PART_CHANGES: { client: Key; worker: Key } = { client: 'hintPartChangesClient', worker: 'hintPartChangesWorker' };
const REVIEW_HELD: { client: Key; worker: Key } = { client: 'hintReviewHeldClient', worker: 'hintReviewHeldWorker' };

/** The other party, with their number once the server shares it (from payment on: sync-server pull.ts CONTACT_SHARED). */
function Party({ label, name, phone, unpaid, payer }: { label: string; name: string; phone: string; unpaid: boolean; payer: boolean }) {
  const t = useT(bookingMessages);
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>
        {name}
        {phone && (
          <a className="phone-link" href={`tel:${phone}`}>
            <span className="visually-hidden">{t('call', { name })} </span>
            {phone}
          </a>
        )}
        {!phone && unpaid && <span className="muted phone-later">{t(payer ? 'phoneOnceYouPay' : 'phoneOncePaid')}</span>}
      </dd>
    </div>
  );
}

export default function BookingPage({ id }: { id: string }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const client = useSync();
  const me = useMe();
  const booking = useView('bookings', id);
  const milestones = useViewAll('milestones', { selector: { bookingId: id }, sort: [{ position: 'asc' }] });
  const outbox = useViewAll('commands', { selector: { status: 'pending' } });
  const absent = useAbsent(booking);
  const refusedAccept = useRefusedAccept(id);

  if (!booking) {
    return (
      <Page title={t('bookingTitle')}>
        {/* A refused accept is why the booking is not here: saying it may still be syncing would contradict it. */}
        {refusedAccept ? <RefusedAccept cmd={refusedAccept} /> : absent ? <Empty>{t('notFound')}</Empty> : <Loading label={t('loading')} />}
        <Link href="/">{t('goHome')}</Link>
      </Page>
    );
  }

  const actor = { id: client.userId, roles: me?.roles ?? [] };
  const viewer = viewerOf(actor, booking);
  const side = viewer === 'client' || viewer === 'worker' ? viewer : null;
  const mine = (outbox ?? []).filter((c) => booking.pendingCommands.includes(c.id));
  // Work goes on only while a part's money is held: between parts, the next one's payment is the step.
  const betweenParts =
    booking.status === 'in_progress' &&
    !!milestones?.length &&
    !milestones.some((m) => HELD_STATES.includes(m.status)) &&
    milestones.some((m) => m.status === 'agreed' || m.status === 'payment_pending');
  // A part waits for review while another, paid, is still to be worked on (changes asked for on it, or not yet
  // handed in): the booking is not just "Delivered", and the changes come first.
  const otherPart = booking.status !== 'delivered' ? undefined : milestones?.some((m) => m.status === 'changes_requested') ? PART_CHANGES : milestones?.some((m) => m.status === 'funded') ? PART_IN_REVIEW : undefined;
  // Every part waiting for review is held by the client's bank: it cannot be approved until the bank decides.
  const reviewHeld = booking.status === 'delivered' && !!milestones?.some((m) => m.status === 'submitted') && milestones.filter((m) => m.status === 'submitted').every((m) => heldByBank(m.timeline));
  const hint = !side ? undefined : betweenParts ? NEXT_PART_UNPAID[side] : reviewHeld ? REVIEW_HELD[side] : otherPart ? otherPart[side] : HINTS[booking.status]?.[side];
  // Installed on a phone the app has no browser Back button: the way back to the list this came from.
  const back = side === 'worker' ? { href: '/o/jobs', label: t('backToJobs') } : side === 'client' ? { href: '/c', label: t('backToGigs') } : null;

  return (
    <Page title={booking.title}>
      {back && (
        <p>
          <Link href={back.href} className="back-link">
            {back.label}
          </Link>
        </p>
      )}
      <dl className="facts">
        <div className="fact">
          <dt>{t('price')}</dt>
          <dd>
            <MoneyText value={booking.price} />
          </dd>
        </div>
        {side !== 'client' && <Party label={t('client')} name={booking.clientName} phone={booking.clientPhone} unpaid={booking.status === 'awaiting_payment'} payer={false} />}
        {side !== 'worker' && <Party label={t('worker')} name={booking.workerName} phone={booking.workerPhone} unpaid={booking.status === 'awaiting_payment'} payer={side === 'client'} />}
      </dl>

      <p className="booking-status" data-testid="booking-status" data-status={booking.status} role="status">
        {t('status')}: <strong>{otherPart ? t('statusPartInReview') : bookingStateName(booking.status, locale)}</strong>
        <PendingMark show={booking.pendingFields.includes('status')} />
      </p>
      {hint && (
        <p className={booking.status === 'awaiting_payment' || betweenParts ? 'notice' : 'hint'} data-testid="booking-hint">
          {t(hint)}
        </p>
      )}
      {/* The client waits here for the worker's news: where being told of it is worth offering. */}
      {side === 'client' && !bookingEnded(booking.status) && <PushPanel place="booking" />}

      <section aria-labelledby="booking-actions-heading">
        <h2 id="booking-actions-heading">{t('actions')}</h2>
        {side ? (
          <BookingActionsPanel booking={booking} actor={actor} waiting={pendingActions(mine)} milestones={milestones} />
        ) : (
          viewer === 'admin' && (
            <p className="muted" data-testid="read-only">
              {t('readOnly')}
            </p>
          )
        )}
      </section>

      <section aria-labelledby="booking-money-heading">
        <h2 id="booking-money-heading">{t('money')}</h2>
        <MoneyPanel booking={booking} actor={actor} side={side} milestones={milestones} />
      </section>

      <section aria-labelledby="booking-history-heading">
        <h2 id="booking-history-heading">{t('history')}</h2>
        <BookingTimeline rows={timelineRows(booking.timeline, mine, client.userId)} booking={booking} meId={client.userId} />
      </section>

      <section aria-labelledby="booking-chat-heading">
        <h2 id="booking-chat-heading">{t('chat')}</h2>
        <BookingChat booking={booking} canWrite={side === null ? false : chatOpen(booking.status) || 'closed'} />
      </section>
    </Page>
  );
}
