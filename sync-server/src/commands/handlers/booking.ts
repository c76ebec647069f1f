// booking.start, booking.deliver, booking.approve, booking.request_changes, booking.cancel, and stepBooking,
// the booking step that milestone steps and server events share; each a step of the shared booking machine.
import type postgres from 'postgres';
import { can } from '@shared/machine';
import { bookingMachine, bookingRejection, type BookingEvent, type BookingState } from '@shared/booking-machine';
import { gigMachine } from '@shared/gig-machine';
import type { Party } from '@shared/roles';
import { reject, type CommandContext, type Handler } from '../context';
import { bookingParties } from '@shared/parties';
import { advanceBooking, lockBooking, type LockedBooking } from '../../store/bookings';
import { lockMilestones, type MilestoneRow } from '../../store/milestones';
import { SETTLED_STATES } from '@shared/milestone-machine';
import { stepMilestone } from '../../escrow/step';
import { gigFacts, updateGig } from '../../store/gigs';
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

export interface Step {
  tx: Db;
  now: Date;
  booking: LockedBooking;
  event: BookingEvent;
  parties: Party[];
  actorId: string | null;
  note?: string;
  /** Dedupe key stem for notifications: the command id, or the server event's id. */
  key: string;
  write(query: postgres.PendingQuery<postgres.Row[]>): void;
  notify(message: OutboxMessage): void;
}

/**
 * One step of a booking: ask the machine, queue the new status and timeline entry, keep the gig in step,
 * and queue the news. Shared by user commands and server events so the two cannot drift.
 */
export function stepBooking(s: Step): BookingState {
  const { booking, event } = s;
  const verdict = can(bookingMachine, booking.status, event, s.parties, { now: s.now.getTime(), changeRounds: booking.changeRounds, reason: s.note });
  if (!verdict.ok) return reject(bookingRejection(verdict)!);
  const by = s.parties.find((p) => (bookingMachine.events[event].by as readonly Party[]).includes(p))!;
  const entry = { at: s.now.toISOString(), event, status: verdict.to, by, actorId: s.actorId, ...(s.note ? { note: s.note } : {}) };
  s.write(advanceBooking(s.tx, booking.id, entry, event === 'request_changes' ? { changeRounds: booking.changeRounds + 1 } : {}));

  // The gig follows its booking: finished work closes it, a cancelled booking puts it back on the market.
  const gig = booking.gig;
  if (gig?.status === 'assigned' && (verdict.to === 'completed' || verdict.to === 'resolved' || verdict.to === 'cancelled')) {
    const g = can(gigMachine, gig.status, verdict.to === 'cancelled' ? 'reopen' : 'close', ['system'], { now: s.now.getTime(), gig: gigFacts(gig) });
    if (g.ok) s.write(updateGig(s.tx, gig.id, { status: g.to, bookingId: g.to === 'open' ? null : gig.bookingId }));
  }

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
  return verdict.to;
}

/** Someone with no part in a booking is not told it exists. */
function parties(ctx: CommandContext, booking: LockedBooking | undefined): { booking: LockedBooking; parties: Party[] } {
  const found = booking ? bookingParties(ctx.actor, booking) : [];
  if (!booking || found.length === 0) return reject('not_found');
  return { booking, parties: found };
}

type Loaded = [LockedBooking | undefined, MilestoneRow[]];

/** The booking and its milestones, locked in that order (as every money step locks them). */
const loadBooking = (db: Db, bookingId: string): Promise<Loaded> => Promise.all([lockBooking(db, bookingId), lockMilestones(db, bookingId)]);

/**
 * A booking step for bookings with no milestones: those made before escrow, which finish as they began,
 * without money moving.
 */
function plainStep(ctx: CommandContext, booking: LockedBooking, who: Party[], event: BookingEvent, note: string | undefined) {
  return stepBooking({ tx: ctx.tx, now: ctx.now, booking, event, parties: who, actorId: ctx.actor.id, note, key: ctx.commandId, write: ctx.write, notify: ctx.notify });
}

export const start: Handler<'booking.start', Loaded> = {
  load: (db, p) => loadBooking(db, p.bookingId),
  decide(ctx, _p, [found]) {
    const { booking, parties: who } = parties(ctx, found);
    return { bookingId: booking.id, status: plainStep(ctx, booking, who, 'start', undefined) };
  },
};

/**
 * booking.deliver, booking.approve and booking.request_changes act on the booking's current milestone: the
 * first one, in plan order, that the step applies to. A single-price booking has just the one.
 */
function currentMilestoneStep<T extends 'booking.deliver' | 'booking.approve' | 'booking.request_changes'>(
  event: 'submit' | 'approve' | 'request_changes',
  noteOf: (p: Record<string, unknown>) => string | undefined,
): Handler<T, Loaded> {
  const bookingEvent: BookingEvent = event === 'submit' ? 'deliver' : event;
  return {
    load: (db, p) => loadBooking(db, p.bookingId),
    async decide(ctx, p, [found, milestones]) {
      const { booking, parties: who } = parties(ctx, found);
      const note = noteOf(p as Record<string, unknown>);
      if (milestones.length === 0) return { bookingId: booking.id, status: plainStep(ctx, booking, who, bookingEvent, note) };
      const ready = event === 'submit' ? ['funded', 'changes_requested'] : ['submitted'];
      const milestone = milestones.find((m) => ready.includes(m.status));
      if (!milestone) {
        if (event === 'submit') {
          if (milestones.some((m) => m.status === 'agreed' || m.status === 'payment_pending')) reject('not_funded');
          return reject('invalid_state');
        }
        return reject(booking.status === 'delivered' ? 'nothing_to_approve' : 'invalid_state');
      }
      await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event, parties: who, actorId: ctx.actor.id,
        note, key: ctx.commandId, write: ctx.write, notify: ctx.notify,
      });
      return { bookingId: booking.id, milestoneId: milestone.id, status: bookingAfter(booking, milestones, milestone, bookingEvent) };
    },
  };
}

/** The booking's status after a milestone step, as the step wrote it. */
function bookingAfter(booking: LockedBooking, milestones: readonly MilestoneRow[], milestone: MilestoneRow, event: BookingEvent): BookingState {
  if (event === 'approve') {
    const open = milestones.some((m) => m.id !== milestone.id && !SETTLED_STATES.includes(m.status) && m.status !== 'proposed');
    return open ? 'in_progress' : 'completed';
  }
  return (bookingMachine.transitions[booking.status] as Partial<Record<BookingEvent, BookingState>>)[event] ?? booking.status;
}

export const deliver = currentMilestoneStep<'booking.deliver'>('submit', (p) => p.note as string | undefined);
export const approve = currentMilestoneStep<'booking.approve'>('approve', () => undefined);
export const requestChanges = currentMilestoneStep<'booking.request_changes'>('request_changes', (p) => p.reason as string);

/**
 * Cancelling a booking cancels what is not paid for and refunds what is held (the cancellation policy: free
 * before funding; before work starts, a funded milestone goes back to the client in full).
 */
export const cancel: Handler<'booking.cancel', Loaded> = {
  load: (db, p) => loadBooking(db, p.bookingId),
  async decide(ctx, p, [found, milestones]) {
    const { booking, parties: who } = parties(ctx, found);
    const status = plainStep(ctx, booking, who, 'cancel', p.reason);
    for (const milestone of milestones.filter((m) => !SETTLED_STATES.includes(m.status)))
      await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event: 'cancel', parties: [...who, 'system'], actorId: ctx.actor.id,
        note: p.reason, key: ctx.commandId, write: ctx.write, notify: ctx.notify, stepsBooking: false,
      });
    return { bookingId: booking.id, status };
  },
};
