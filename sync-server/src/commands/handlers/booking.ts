// booking.start, booking.deliver, booking.approve, booking.request_changes, booking.cancel, and the
// server-only payment confirmation; each a step of the shared booking machine.
import { can } from '@shared/machine';
import { bookingMachine, bookingRejection, type BookingEvent, type BookingState } from '@shared/booking-machine';
import { gigMachine } from '@shared/gig-machine';
import type { Party } from '@shared/roles';
import { reject, type CommandContext, type Handler } from '../context';
import { bookingParties } from '../parties';
import { advanceBooking, lockBooking, type BookingFacts } from '../../store/bookings';
import { gigFacts, lockGig, updateGig } from '../../store/gigs';
import type { OutboxMessage } from '../../store/outbox';
import type { Db } from '../../db/sql';

/** Who hears about each step, and under which template. */
const NOTIFY: Partial<Record<BookingEvent, { to: 'client' | 'worker' | 'other'; template: string }>> = {
  payment_confirmed: { to: 'worker', template: 'booking.funded' },
  start: { to: 'client', template: 'booking.started' },
  deliver: { to: 'client', template: 'booking.delivered' },
  approve: { to: 'worker', template: 'booking.approved' },
  request_changes: { to: 'worker', template: 'booking.changes_requested' },
  cancel: { to: 'other', template: 'booking.cancelled' },
};

interface Step {
  tx: Db;
  now: Date;
  booking: BookingFacts;
  event: BookingEvent;
  parties: Party[];
  actorId: string | null;
  note?: string;
  /** Dedupe key stem for notifications: the command id, or the server event's id. */
  key: string;
  notify(message: OutboxMessage): void;
}

/**
 * One step of a booking: ask the machine, write the new status and timeline entry, keep the gig in
 * step, and queue the news. Shared by user commands and server events so the two cannot drift.
 */
export async function stepBooking(s: Step): Promise<BookingState> {
  const { booking, event } = s;
  const verdict = can(bookingMachine, booking.status, event, s.parties, {
    now: s.now.getTime(),
    changeRounds: booking.changeRounds,
    reason: s.note,
  });
  if (!verdict.ok) return reject(bookingRejection(verdict)!);
  const by = s.parties.find((p) => bookingMachine.events[event].by.includes(p as never))!;
  const entry = { at: s.now.toISOString(), event, status: verdict.to, by, actorId: s.actorId, ...(s.note ? { note: s.note } : {}) };
  const writes: Promise<unknown>[] = [
    advanceBooking(s.tx, booking.id, entry, event === 'request_changes' ? { changeRounds: booking.changeRounds + 1 } : {}),
  ];

  const notify = NOTIFY[event];
  if (notify) {
    const to =
      notify.to === 'client' ? booking.clientId
      : notify.to === 'worker' ? booking.workerId
      : s.actorId === booking.clientId ? booking.workerId
      : booking.clientId;
    s.notify({
      channel: to === booking.workerId ? 'sms' : 'push',
      userId: to,
      template: notify.template,
      data: { bookingId: booking.id, status: verdict.to, ...(s.note ? { note: s.note } : {}) },
      dedupeKey: `${s.key}:${notify.template}`,
    });
  }

  // The gig follows its booking: finished work closes it, a cancelled booking puts it back on the market.
  if (booking.gigId && (verdict.to === 'completed' || verdict.to === 'resolved' || verdict.to === 'cancelled')) {
    writes.push(
      lockGig(s.tx, booking.gigId).then(async (gig) => {
        if (!gig || gig.status !== 'assigned') return;
        const g = can(gigMachine, gig.status, verdict.to === 'cancelled' ? 'reopen' : 'close', ['system'], { now: s.now.getTime(), gig: gigFacts(gig) });
        if (g.ok) await updateGig(s.tx, gig.id, { status: g.to, bookingId: g.to === 'open' ? null : gig.bookingId });
      }),
    );
  }
  // Independent writes travel together: one round trip instead of two.
  await Promise.all(writes);
  return verdict.to;
}

async function loadBooking(ctx: CommandContext, id: string): Promise<{ booking: BookingFacts; parties: Party[] }> {
  const booking = await lockBooking(ctx.tx, id);
  const parties = booking ? bookingParties(ctx.actor, booking) : [];
  // Someone with no part in a booking is not told it exists.
  if (!booking || parties.length === 0) return reject('not_found');
  return { booking, parties };
}

function userStep(event: BookingEvent, noteOf: (p: Record<string, unknown>) => string | undefined = () => undefined) {
  return async (ctx: CommandContext, p: { bookingId: string } & Record<string, unknown>) => {
    const { booking, parties } = await loadBooking(ctx, p.bookingId);
    const status = await stepBooking({ tx: ctx.tx, now: ctx.now, booking, event, parties, actorId: ctx.actor.id, note: noteOf(p), key: ctx.commandId, notify: ctx.notify });
    return { bookingId: booking.id, status };
  };
}

export const start: Handler<'booking.start'> = userStep('start');
export const deliver: Handler<'booking.deliver'> = userStep('deliver', (p) => p.note as string | undefined);
export const approve: Handler<'booking.approve'> = userStep('approve');
export const requestChanges: Handler<'booking.request_changes'> = userStep('request_changes', (p) => p.reason as string);
export const cancel: Handler<'booking.cancel'> = userStep('cancel', (p) => p.reason as string | undefined);
