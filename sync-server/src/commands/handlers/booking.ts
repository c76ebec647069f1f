// booking.start, booking.deliver, booking.approve, booking.request_changes, booking.cancel, booking.give_back: steps of the
// shared booking machine, through the booking's current milestone where money is involved.
import { workUnderWay, type BookingEvent } from '@shared/booking-machine';
import type { Party } from '@shared/roles';
import { HELD_STATES, SETTLED_STATES } from '@shared/milestone-machine';
import { sum } from '@shared/money';
import { actedAt, partiesIn, reject, type CommandContext, type Handler } from '../context';
import { stepBooking } from '../booking-step';
import { lockBooking, type LockedBooking } from '../../store/bookings';
import { insertAudit } from '../../store/disputes';
import { milestonesOf, type MilestoneRow } from '../../store/milestones';
import { stepMilestone } from '../../escrow/step';
import type { Db } from '../../db/sql';

type Loaded = [LockedBooking | undefined, MilestoneRow[]];

/** The booking, locked, and its milestones, read under that lock (as every money step takes them). */
const loadBooking = (db: Db, bookingId: string): Promise<Loaded> => Promise.all([lockBooking(db, bookingId), milestonesOf(db, bookingId)]);

/**
 * A booking step for bookings with no milestones: those made before escrow, which finish as they began,
 * without money moving.
 */
function plainStep(ctx: CommandContext, booking: LockedBooking, who: Party[], event: BookingEvent, note: string | undefined, at?: Date, news?: Record<string, unknown>) {
  return stepBooking({ tx: ctx.tx, now: ctx.now, at, booking, event, parties: who, actorId: ctx.actor.id, note, key: ctx.commandId, news, write: ctx.write, notify: ctx.notify });
}

export const start: Handler<'booking.start', Loaded> = {
  queuesWrites: true,
  load: (db, p) => loadBooking(db, p.bookingId),
  decide(ctx, _p, [found]) {
    const [booking, who] = partiesIn(ctx, found);
    // Pressed offline before a cancel that reached us first: the money has gone back, and the worker must hear plainly
    // that there is no job to begin, not that "there is nothing more to do".
    if (booking.status === 'cancelled' && who.includes('worker')) reject('cancelled_before_start');
    // Started already (on the worker's other phone, which reached us first): what was asked is done, and nothing changes.
    // A refusal would tell them their start failed.
    if (who.includes('worker') && workUnderWay(booking.status)) return { bookingId: booking.id, status: booking.status };
    // Dated when the worker pressed it (work started offline in a basement starts then), after the booking's
    // last change. The other steps move money or settle it, and are dated when the server took them.
    return { bookingId: booking.id, status: plainStep(ctx, booking, who, 'start', undefined, actedAt(ctx, booking.updatedAt)) };
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
      const [booking, who] = partiesIn(ctx, found);
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
      const { bookingStatus } = await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event, parties: who, actorId: ctx.actor.id,
        note, key: ctx.commandId, write: ctx.write, notify: ctx.notify,
      });
      return { bookingId: booking.id, milestoneId: milestone.id, status: bookingStatus };
    },
  };
}

export const deliver = currentMilestoneStep<'booking.deliver'>('submit', (p) => p.note as string | undefined);
export const approve = currentMilestoneStep<'booking.approve'>('approve', () => undefined);
export const requestChanges = currentMilestoneStep<'booking.request_changes'>('request_changes', (p) => p.reason as string);

/**
 * Cancelling a booking cancels what is not paid for and refunds what is held (the cancellation policy: free
 * before funding; before work starts, a funded milestone goes back to the client in full). An admin who is not
 * a party overrides both sides: that takes a written reason and goes into the audit log.
 */
export const cancel: Handler<'booking.cancel', Loaded> = {
  load: (db, p) => loadBooking(db, p.bookingId),
  async decide(ctx, p, [found, milestones]) {
    const [booking, who] = partiesIn(ctx, found);
    const override = !who.includes('client') && !who.includes('worker');
    if (override && !p.reason?.trim()) reject('reason_required', 'Say why you are cancelling this booking for both sides; it goes into the audit log.');
    // Said as what it is rather than "the item has moved on": once work has started a booking is not cancelled; what is
    // held for its parts is settled by a dispute (a mediator decides when the parties do not agree).
    if (workUnderWay(booking.status))
      reject('invalid_state', 'Work has started on this booking, so it can no longer be cancelled: a dispute on a part settles where its money goes.');
    const status = plainStep(ctx, booking, who, 'cancel', p.reason);
    const open = milestones.filter((m) => !SETTLED_STATES.includes(m.status));
    for (const milestone of open)
      await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event: 'cancel', parties: [...who, 'system'], actorId: ctx.actor.id,
        note: p.reason, key: ctx.commandId, write: ctx.write, notify: ctx.notify, stepsBooking: false,
      });
    if (override)
      ctx.write(
        insertAudit(ctx.tx, {
          adminId: ctx.actor.id, action: 'booking.cancel', subjectType: 'booking', subjectId: booking.id, reason: p.reason!,
          details: {
            bookingId: booking.id, from: booking.status, commandId: ctx.commandId,
            // The gig ends with it rather than going back on offer (booking-step.ts): its client may post it again.
            ...(booking.gig?.status === 'assigned' ? { gigEnded: booking.gig.id } : {}),
            refunded: open.filter((m) => m.status === 'funded').map((m) => ({ milestoneId: m.id, amount: m.amount, currency: m.currency })),
          },
        }),
      );
    return { bookingId: booking.id, status };
  },
};

/**
 * The worker stops work under way (it can no longer be cancelled) and gives back all the money still held for it: every
 * part paid for and not yet released goes back to the client in full, with no fee; those not paid for are dropped; what
 * was released stays the worker's. The booking ends cancelled, and its gig goes back on offer (booking-step.ts), as when
 * a worker cancels before starting. The client hears it in one text, with the amount and the reason, rather than a
 * text per part. What goes back must be what the worker saw held when they confirmed (`held`): a part paid, approved or
 * refunded since then (the step waited offline, or raced the client's) refuses it (held_changed), and nothing moves.
 * A part whose payment the client's bank is disputing cannot be given back (bank_dispute_open), and
 * then nothing moves; a part in dispute holds the booking in dispute, where the dispute decides instead.
 */
export const giveBack: Handler<'booking.give_back', Loaded> = {
  load: (db, p) => loadBooking(db, p.bookingId),
  async decide(ctx, p, [found, milestones]) {
    const [booking, who] = partiesIn(ctx, found);
    const open = milestones.filter((m) => !SETTLED_STATES.includes(m.status));
    const held = open.filter((m) => HELD_STATES.includes(m.status));
    const back = held.length > 0 ? sum(held.map((m) => ({ amount: m.amount, currency: m.currency })), held[0]!.currency) : null;
    const status = plainStep(ctx, booking, who, 'give_back', p.reason, undefined, back ? { refunded: back.amount, currency: back.currency } : {});
    // Decided on what the worker was shown: a payment, an approval or a refund since then changes what would go back.
    if ((back?.amount ?? 0) !== p.held) reject('held_changed');
    for (const milestone of open)
      await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event: HELD_STATES.includes(milestone.status) ? 'give_back' : 'cancel', parties: [...who, 'system'],
        actorId: ctx.actor.id, note: p.reason, key: ctx.commandId, write: ctx.write, stepsBooking: false,
        notify: (m) => void (m.template === 'milestone.refunded' || ctx.notify(m)),
      });
    return { bookingId: booking.id, status };
  },
};
