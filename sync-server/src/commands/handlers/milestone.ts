// milestone.propose, milestone.accept, milestone.fund, milestone.submit, milestone.approve,
// milestone.request_changes, milestone.withdraw: the money steps of a booking, each a step of the shared milestone machine.
import { planOpen, workUnderWay } from '@shared/booking-machine';
import { duePassed } from '@shared/due-dates';
import { bookingSide } from '@shared/parties';
import { replacedByPlan, unpaidPart, type MilestoneEvent } from '@shared/milestone-machine';
import { policyOf } from '@shared/categories';
import { partiesIn, reject, type Handler } from '../context';
import { lockBooking, lockBookingOfMilestone, setBookingAmount, setBookingAmountFromParts, type LockedBooking } from '../../store/bookings';
import { insertMilestones, milestonesOf, milestoneBeside, type Beside, type MilestoneRow } from '../../store/milestones';
import { recipient } from '../../store/outbox';
import { stepMilestone } from '../../escrow/step';
import { getPayoutAccount, type PayoutAccountRow } from '../../payouts/accounts';
import { requirePayouts } from './gig';
import type { Db } from '../../db/sql';

/** The booking, its milestones, and the acting party's payout account (for the worker's plan steps). */
type Loaded = [LockedBooking | undefined, MilestoneRow[], PayoutAccountRow | undefined];
const loadPlan = (db: Db, p: { bookingId: string }, actorId: string): Promise<Loaded> =>
  Promise.all([lockBooking(db, p.bookingId), milestonesOf(db, p.bookingId), getPayoutAccount(db, actorId)]);
type LoadedStep = [LockedBooking | undefined, Beside];

const loadByMilestone = (db: Db, milestoneId: string): Promise<LoadedStep> =>
  // Pipelined in this order: the milestones are read once the booking's lock is granted (see milestonesOf).
  Promise.all([lockBookingOfMilestone(db, milestoneId), milestoneBeside(db, milestoneId)]);

function milestoneStep<T extends 'milestone.fund' | 'milestone.submit' | 'milestone.approve' | 'milestone.request_changes' | 'milestone.withdraw'>(
  event: MilestoneEvent,
  noteOf: (p: Record<string, unknown>) => string | undefined = () => undefined,
): Handler<T, LoadedStep> {
  return {
    load: (db, p) => loadByMilestone(db, p.milestoneId),
    async decide(ctx, p, [found, { milestone, milestones }]) {
      const [booking, parties] = partiesIn(ctx, found);
      if (!milestone) return reject('not_found');
      if (event === 'submit' && (milestone.status === 'agreed' || milestone.status === 'payment_pending')) reject('not_funded');
      if (event === 'approve' || event === 'request_changes') reviewsWhatIsThere(milestone, p as { submittedAt?: string });
      if (event === 'cancel') {
        // The parties' own decision: an admin who is neither overrides with a reason, by cancelling or a dispute's decision.
        if (!parties.includes('client') && !parties.includes('worker')) reject('forbidden', 'Only the booking’s client or worker drops a part of it.');
        // Paid parts are settled by approving or by a dispute; before work starts, the plan is changed or the booking cancelled.
        if (!unpaidPart(milestone.status))
          reject('invalid_state', 'Only a part not yet paid for can be dropped; a paid part is approved, or settled by a dispute.');
        if (!workUnderWay(booking.status))
          reject('invalid_state', 'Before work starts, change the payment plan or cancel the booking instead.');
      }
      // Paying again while the payment window is open (back from the checkout page, a second tab, a copy
      // queued offline): the client is sent to the same checkout, so the command has done what was asked,
      // and changes nothing. A refusal here would tell them the payment they are making failed. Once the
      // window has passed, the sweep lapses it (closing the checkout at the provider first); until then
      // there is nothing to pay into.
      if (event === 'fund' && milestone.status === 'payment_pending' && parties.includes('client')) {
        if (!milestone.paymentExpiresAt || milestone.paymentExpiresAt <= ctx.now)
          return reject('deadline_passed', 'The time to pay for this part of the work ran out; fund it again in a minute.');
        return { bookingId: booking.id, milestoneId: milestone.id, status: milestone.status };
      }
      const { status } = await stepMilestone({
        tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event, parties, actorId: ctx.actor.id,
        note: noteOf(p as Record<string, unknown>), key: ctx.commandId, write: ctx.write, notify: ctx.notify,
        // Dropped by one side: kept on the booking as such, where a replaced or cancelled part is not.
        ...(event === 'cancel' ? { recordedAs: 'withdraw' as const } : {}),
      });
      // A part dropped is no longer part of the price: the booking costs what its other parts do (as a plan accepted sets it).
      if (event === 'cancel') ctx.write(setBookingAmountFromParts(ctx.tx, booking.id, milestone.id));
      return { bookingId: booking.id, milestoneId: milestone.id, status };
    },
  };
}

/**
 * A review reaches the server later than it was made when it waited on the reviewer's device: refused when the work
 * it was about is no longer the work there. Sent back meanwhile (on the client's other device), the review has
 * nothing to act on until the work comes back; handed in again, it would act on work its reviewer has not seen.
 */
function reviewsWhatIsThere(m: MilestoneRow, p: { submittedAt?: string }): void {
  if (m.status === 'changes_requested')
    reject('invalid_state', 'Changes were asked for on this work since, so it was not reviewed again. It can be reviewed once it is handed in again.');
  if (m.status === 'submitted' && p.submittedAt !== undefined && m.submittedAt?.getTime() !== Date.parse(p.submittedAt)) reject('work_resubmitted');
}

export const fund = milestoneStep<'milestone.fund'>('fund');
export const submit = milestoneStep<'milestone.submit'>('submit', (p) => p.note as string | undefined);
export const approve = milestoneStep<'milestone.approve'>('approve');
export const requestChanges = milestoneStep<'milestone.request_changes'>('request_changes', (p) => p.reason as string);
export const withdraw = milestoneStep<'milestone.withdraw'>('cancel', (p) => p.reason as string | undefined);

/**
 * A plan for everything not yet paid for. Accepted by the other side, it replaces the unfunded milestones;
 * a newer proposal withdraws an older one still waiting.
 */
export const propose: Handler<'milestone.propose', Loaded> = {
  load: loadPlan,
  async decide(ctx, p, [found, milestones, payouts]) {
    const [booking, parties] = partiesIn(ctx, found);
    const side = bookingSide(parties);
    if (!side) return reject('forbidden', 'Only the client and the worker agree a payment plan.');
    if (!planOpen(booking.status)) return reject('invalid_state');
    // A worker whose account lost its transfers takes on no new paid work, as at gig.accept.
    if (side === 'worker') requirePayouts(payouts);
    const currency = p.milestones[0]!.amount.currency;
    if (currency !== booking.currency) return reject('plan_invalid', `This booking is paid in ${booking.currency}; the plan is in ${currency}.`);
    // The device checks this as it is typed (the same rule); a plan that waited offline past a due date is checked here.
    if (p.milestones.some((m) => m.dueAt && duePassed(m.dueAt, ctx.now)))
      return reject('plan_invalid', 'A due date in this plan has already passed. Pick today or a later date.');
    // An older proposal still waiting is withdrawn (cancelled) by the newer one.
    for (const old of milestones.filter((m) => m.status === 'proposed'))
      await stepMilestone({ tx: ctx.tx, now: ctx.now, booking, milestones, milestone: old, event: 'cancel', parties, actorId: ctx.actor.id, note: 'A newer plan was proposed.', key: ctx.commandId, write: ctx.write, notify: ctx.notify, stepsBooking: false });
    const next = milestones.reduce((n, m) => Math.max(n, m.position + 1), 0);
    const feeBps = policyOf(booking.category).feeBps;
    const paidParts = paidPartsOf(milestones);
    ctx.write(
      insertMilestones(
        ctx.tx,
        p.milestones.map((m, i) => ({
          id: m.milestoneId, bookingId: booking.id, clientId: booking.clientId, workerId: booking.workerId, position: next + i,
          planId: p.planId, proposedBy: side, description: m.description, amount: m.amount.amount, currency: booking.currency, feeBps,
          dueAt: m.dueAt ? new Date(m.dueAt) : null, status: 'proposed' as const, paidPartsAtProposal: paidParts,
        })),
        { at: ctx.now.toISOString(), event: 'proposed', status: 'proposed', by: side, actorId: ctx.actor.id },
      ),
    );
    ctx.notify({
      ...recipient(side === 'client' ? 'worker' : 'client', booking),
      template: 'milestone.plan_proposed',
      data: { bookingId: booking.id, planId: p.planId, count: p.milestones.length, total: p.milestones.reduce((t, m) => t + m.amount.amount, 0), currency },
      dedupeKey: `${ctx.commandId}:milestone.plan_proposed`,
    });
    return { bookingId: booking.id, planId: p.planId, milestoneIds: p.milestones.map((m) => m.milestoneId) };
  },
};

/** How many of a booking's parts have been paid for, ever (a refund or a release does not undo a payment). */
const paidPartsOf = (milestones: readonly MilestoneRow[]) => milestones.filter((m) => m.fundedAt !== null).length;

/** The other side agrees the plan: its milestones become payable and the unfunded ones it replaces go. */
export const accept: Handler<'milestone.accept', Loaded> = {
  load: loadPlan,
  async decide(ctx, p, [found, milestones, payouts]) {
    const [booking, parties] = partiesIn(ctx, found);
    const side = bookingSide(parties);
    if (!side) return reject('forbidden', 'Only the client and the worker agree a payment plan.');
    const planId = 'planId' in p ? p.planId : milestones.find((m) => m.id === p.milestoneId)?.planId;
    const plan = planId ? milestones.filter((m) => m.planId === planId) : [];
    if (plan.length === 0) return reject('not_found');
    if (plan.some((m) => m.status !== 'proposed')) return reject('plan_stale', 'This plan is no longer open: it was accepted, or replaced by a newer one.');
    if (!planOpen(booking.status)) return reject('invalid_state');
    if (side === 'worker') requirePayouts(payouts);
    // A plan replaces what was agreed but unpaid when it was proposed. A part paid since is no longer
    // replaceable, and keeping it beside the plan's parts would charge the client twice for the same work.
    const then = plan[0]!.paidPartsAtProposal;
    if (then !== null && paidPartsOf(milestones) > then)
      return reject('plan_stale', 'A part this plan would replace was paid after the plan was proposed, so it no longer fits. Ask for a new plan.');
    const step = (milestone: MilestoneRow, event: MilestoneEvent, note?: string) =>
      stepMilestone({ tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event, parties, actorId: ctx.actor.id, note, key: ctx.commandId, write: ctx.write, notify: ctx.notify, stepsBooking: false });
    for (const m of plan) await step(m, 'accept');
    // Replaced: whatever was agreed but not paid for. A checkout still open lapses with it; a payment that
    // arrives for it anyway is refunded when it does.
    const replaced = milestones.filter((m) => m.planId !== planId && replacedByPlan(m.status));
    for (const m of replaced) await step(m, 'cancel', 'Replaced by a new payment plan.');
    const kept = milestones.filter((m) => m.planId !== planId && !replaced.includes(m) && m.status !== 'cancelled' && m.status !== 'proposed');
    const total = [...kept, ...plan].reduce((t, m) => t + m.amount, 0);
    ctx.write(setBookingAmount(ctx.tx, booking.id, total));
    // The side that proposed it hears it was taken, and what the booking now costs.
    ctx.notify({
      ...recipient(side === 'client' ? 'worker' : 'client', booking),
      template: 'milestone.plan_accepted',
      data: { bookingId: booking.id, planId, count: plan.length, total, currency: booking.currency },
      dedupeKey: `${ctx.commandId}:milestone.plan_accepted`,
    });
    return { bookingId: booking.id, planId, status: 'agreed', amount: total };
  },
};
