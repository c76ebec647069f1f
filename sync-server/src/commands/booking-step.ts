// One step of a booking, shared by the booking commands, milestone steps and server events so that they
// cannot drift: ask the shared machine, queue the new status and timeline entry, keep the gig in step, and
// queue the news.
import type postgres from 'postgres';
import { can } from '@shared/machine';
import { bookingMachine, bookingRejection, type BookingEvent, type BookingState } from '@shared/booking-machine';
import { gigMachine } from '@shared/gig-machine';
import type { Party } from '@shared/roles';
import { reject } from './context';
import { advanceBooking, type LockedBooking } from '../store/bookings';
import { gigFacts, touchGig, updateGig } from '../store/gigs';
import { recipient, type OutboxMessage } from '../store/outbox';
import type { Db } from '../db/sql';

/** Who hears about each step, and under which template. */
const NOTIFY: Partial<Record<BookingEvent, { to: 'client' | 'worker' | 'other'; template: string }>> = {
  payment_confirmed: { to: 'worker', template: 'booking.funded' },
  start: { to: 'client', template: 'booking.started' },
  deliver: { to: 'client', template: 'booking.delivered' },
  approve: { to: 'worker', template: 'booking.approved' },
  request_changes: { to: 'worker', template: 'booking.changes_requested' },
  cancel: { to: 'other', template: 'booking.cancelled' },
  give_back: { to: 'client', template: 'booking.given_back' },
};

export interface Step {
  tx: Db;
  now: Date;
  /** When the step was taken, for its history entry, when not now: a command's actedAt. */
  at?: Date;
  booking: LockedBooking;
  event: BookingEvent;
  parties: Party[];
  actorId: string | null;
  note?: string;
  /** Dedupe key stem for notifications: the command id, or the server event's id. */
  key: string;
  /** More for the step's news to say (booking.give_back: what went back to the client). */
  news?: Record<string, unknown>;
  write(query: postgres.PendingQuery<postgres.Row[]>): void;
  notify(message: OutboxMessage): void;
}

export function stepBooking(s: Step): BookingState {
  const { booking, event } = s;
  const verdict = can(bookingMachine, booking.status, event, s.parties, { now: s.now.getTime(), changeRounds: booking.changeRounds, reason: s.note });
  if (!verdict.ok) return reject(bookingRejection(verdict, booking.status)!);
  const by = s.parties.find((p) => (bookingMachine.events[event].by as readonly Party[]).includes(p))!;
  const entry = { at: (s.at ?? s.now).toISOString(), event, status: verdict.to, by, actorId: s.actorId, ...(s.note ? { note: s.note } : {}) };
  s.write(advanceBooking(s.tx, booking.id, entry, event === 'request_changes' ? { changeRounds: booking.changeRounds + 1 } : {}));

  // Who took the step, when it was one of the parties; an admin who is neither takes it for both (an override).
  const byParty = s.actorId === booking.clientId ? 'client' : s.actorId === booking.workerId ? 'worker' : null;
  const overridden = event === 'cancel' && byParty === null;

  // The gig follows its booking: finished work closes it, a booking a party cancelled puts it back on the market.
  // Not one its client's bank ended by a chargeback (that client asked their bank for the money back), nor one an
  // admin cancelled for both sides (an unsafe address, a fraud): that gig ends, and its client may post it again.
  const gig = booking.gig;
  let reopened = false;
  if (gig?.status === 'assigned' && (verdict.to === 'completed' || verdict.to === 'resolved' || verdict.to === 'cancelled')) {
    const reopen = verdict.to === 'cancelled' && event !== 'charged_back' && !overridden;
    const g = can(gigMachine, gig.status, reopen ? 'reopen' : 'close', ['system'], { now: s.now.getTime(), gig: gigFacts(gig) });
    if (g.ok) s.write(updateGig(s.tx, gig.id, { status: g.to, bookingId: g.to === 'open' ? null : gig.bookingId }));
    reopened = g.ok && g.to === 'open';
  } else if (gig && booking.status === 'awaiting_payment' && verdict.to === 'funded') {
    // Paid for: the worker now sees the gig's door (pull.ts CONTACT_SHARED), which replication carries with a new version.
    s.write(touchGig(s.tx, gig.id));
  }

  const notify = NOTIFY[event];
  if (notify) {
    // "The other side" of a party's step; both parties when an admin took it for them, which the text says.
    const recipients: readonly ('client' | 'worker')[] =
      notify.to !== 'other' ? [notify.to] : overridden ? ['client', 'worker'] : [byParty === 'client' ? 'worker' : 'client'];
    // A cancellation says who cancelled, and to a client whose gig went back on offer, that it did.
    const template =
      event === 'cancel'
        ? overridden
          ? `${notify.template}.admin`
          : `${notify.template}.by_${byParty}${byParty === 'worker' && reopened ? '.reopened' : ''}`
        : event === 'give_back' && reopened
          ? `${notify.template}.reopened`
          : notify.template;
    for (const to of recipients)
      s.notify({
        ...recipient(to, booking),
        template,
        data: { bookingId: booking.id, status: verdict.to, ...(s.note ? { note: s.note, reason: s.note } : {}), ...s.news },
        dedupeKey: recipients.length > 1 ? `${s.key}:${template}:${to}` : `${s.key}:${template}`,
      });
  }
  return verdict.to;
}
