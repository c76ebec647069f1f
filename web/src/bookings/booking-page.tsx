// The booking page (/b/:id) for client, worker and admin: status, what to do next, history and chat.
import { bookingEnded, chatOpen, type BookingState } from '@shared/booking-machine';
import { HELD_STATES, heldByBank, replacedByPlan } from '@shared/milestone-machine';
import { Link } from 'wouter';
import { useMe, useSync, useView, useViewAll } from '../app/sync-context';
import { useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { PushPanel } from '../push/push-panel';
import { viewerOf } from './booking-actions';
import { AdminCancel } from './admin-cancel';
import { BookingActionsPanel } from './booking-actions-panel';
import { BookingChat } from './booking-chat';
import { BookingTimeline } from './booking-timeline';
import { disputeHint, openDisputes } from './dispute-guidance';
import type { ViewDoc } from '../sync/optimistic';
import { bookingMessages } from './messages';
import { MoneyPanel, listedParts } from './money-panel';
import { useStatusName } from './status-words';
import { pendingActions, timelineRows } from './timeline-entries';
import { RefusedAccept, useRefusedAccept } from './refused-accept';
import { useAbsent } from './use-absent';
import './booking.css';

type Key = keyof typeof bookingMessages.en;

/** What happens next, per state and side; states with nothing to say are left out (a dispute's line is its own: dispute-guidance.ts). */
const HINTS: Partial<Record<BookingState, { client: Key; worker: Key }>> = {
  awaiting_payment: { client: 'hintAwaitingPaymentClient', worker: 'hintAwaitingPaymentWorker' },
  funded: { client: 'hintFundedClient', worker: 'hintFundedWorker' },
  in_progress: { client: 'hintInProgressClient', worker: 'hintInProgressWorker' },
  delivered: { client: 'hintDeliveredClient', worker: 'hintDeliveredWorker' },
  changes_requested: { client: 'hintChangesClient', worker: 'hintChangesWorker' },
  resolved: { client: 'hintResolved', worker: 'hintResolved' },
};

type SideHints = { client: Key; worker: Key; notice?: boolean };
const NEXT_PART_UNPAID: SideHints = { client: 'hintNextPartUnpaidClient', worker: 'hintNextPartUnpaidWorker', notice: true };
const REVIEW_HELD: SideHints = { client: 'hintReviewHeldClient', worker: 'hintReviewHeldWorker' };
const PART_CHANGES: SideHints = { client: 'hintPartChangesClient', worker: 'hintPartChangesWorker' };
const PART_IN_REVIEW: SideHints = { client: 'hintPartInReviewClient', worker: 'hintPartInReviewWorker' };


/**
 * What a booking of several parts calls for beyond what its status says, when it differs: between parts the
 * next one's payment (work goes on only while a part's money is held); a review the client's bank holds, which
 * cannot be approved until the bank decides; changes asked for on one part while another waits, which come first;
 * and the next paid part to go on with while one is in review.
 */
function partsHint(status: BookingState, parts: readonly ViewDoc<'milestones'>[]): SideHints | null {
  if (status === 'in_progress' && parts.length > 0 && !parts.some((m) => HELD_STATES.includes(m.status)) && parts.some((m) => replacedByPlan(m.status)))
    return NEXT_PART_UNPAID;
  if (status !== 'delivered') return null;
  const inReview = parts.filter((m) => m.status === 'submitted');
  if (inReview.length > 0 && inReview.every((m) => heldByBank(m.timeline))) return REVIEW_HELD;
  if (parts.some((m) => m.status === 'changes_requested')) return PART_CHANGES;
  if (parts.some((m) => m.status === 'funded')) return PART_IN_REVIEW;
  return null;
}

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
  const statusName = useStatusName();
  const client = useSync();
  const me = useMe();
  const booking = useView('bookings', id);
  const milestones = useViewAll('milestones', { selector: { bookingId: id }, sort: [{ position: 'asc' }] });
  const disputes = useViewAll('disputes', { selector: { bookingId: id }, sort: [{ openedAt: 'asc' }] });
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
  const parts = partsHint(booking.status, milestones ?? []);
  const open = openDisputes(disputes ?? [], side);
  // A dispute's line says what follows its deadline, alike to both sides and to an admin reading (who has no other).
  const hint = booking.status === 'disputed' && viewer !== 'none' ? disputeHint(open) : side ? (parts?.[side] ?? HINTS[booking.status]?.[side]) : undefined;
  // Installed on a phone the app has no browser Back button: the way back to the list this came from.
  const back =
    side === 'worker'
      ? { href: '/o/jobs', label: t('backToJobs') }
      : side === 'client'
        ? { href: '/c', label: t('backToGigs') }
        : viewer === 'admin'
          ? { href: '/a/bookings', label: t('backToBookings') }
          : null;
  /** A part of the price by its description, to tell one dispute's link from another's. */
  const partName = (milestoneId: string) => milestones?.find((m) => m.id === milestoneId)?.description ?? '';

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
        {t('status')}: <strong>{statusName(booking, milestones ?? [])}</strong>
        <PendingMark show={booking.pendingFields.includes('status')} />
      </p>
      {hint && (
        <p className={booking.status === 'awaiting_payment' || parts?.notice ? 'notice' : 'hint'} data-testid="booking-hint">
          {t(hint)}
        </p>
      )}
      {/* The client waits here for the worker's news: where being told of it is worth offering. */}
      {side === 'client' && !bookingEnded(booking.status) && <PushPanel place="booking" />}

      <section aria-labelledby="booking-actions-heading" data-testid="booking-actions">
        <h2 id="booking-actions-heading">{t('actions')}</h2>
        {side ? (
          <BookingActionsPanel booking={booking} actor={actor} side={side} waiting={pendingActions(mine)} milestones={milestones} disputes={open} />
        ) : (
          viewer === 'admin' && (
            <>
              <p className="muted" data-testid="read-only">
                {t('readOnly')}
              </p>
              <AdminCancel booking={booking} waiting={mine.some((c) => c.type === 'booking.cancel')} />
              {/* Where a mediator acts on this booking: each of its disputes' own page, open ones first. */}
              {(disputes ?? []).length > 0 && (
                <ul className="plain-list" data-testid="admin-dispute-links">
                  {[...open, ...(disputes ?? []).filter((d) => d.status !== 'open')].map((d) => (
                    <li key={d.id}>
                      <Link href={`~/a/disputes/${d.id}`}>{t(d.status === 'open' ? 'decideDispute' : 'seeDecidedDispute', { part: partName(d.milestoneId) })}</Link>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )
        )}
      </section>

      <section aria-labelledby="booking-money-heading">
        <h2 id="booking-money-heading">{t('money')}</h2>
        <MoneyPanel booking={booking} actor={actor} side={side} milestones={milestones} />
      </section>

      <section aria-labelledby="booking-history-heading">
        <h2 id="booking-history-heading">{t('history')}</h2>
        <BookingTimeline rows={timelineRows(booking.timeline, mine, client.userId)} booking={booking} meId={client.userId} parts={listedParts(milestones ?? [])} />
      </section>

      <section aria-labelledby="booking-chat-heading">
        <h2 id="booking-chat-heading">{t('chat')}</h2>
        <BookingChat booking={booking} canWrite={side === null ? false : chatOpen(booking.status) || 'closed'} />
      </section>
    </Page>
  );
}
