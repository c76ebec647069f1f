// One step of a milestone: ask the shared machine, move the money in the ledger, keep the booking in step,
// set or clear the milestone's clocks (due times that escrow.sweep acts on), and queue the news. Shared by user commands, provider events and
// timers, so the three cannot drift.
import type postgres from 'postgres';
import { can } from '@shared/machine';
import { DISPUTE_OUTCOMES, SETTLED_STATES, milestoneMachine, milestoneRejection, type MilestoneEvent, type MilestoneState } from '@shared/milestone-machine';
import { policyOf } from '@shared/categories';
import { MAX_CHANGE_ROUNDS, bookingEnded, workUnderWay, type BookingEvent, type BookingState } from '@shared/booking-machine';
import type { Party } from '@shared/roles';
import type { Db } from '../db/sql';
import { post } from '../ledger/ledger';
import { reject } from '../commands/context';
import { stepBooking } from '../commands/booking-step';
import { countChangeRound, type LockedBooking } from '../store/bookings';
import { advanceMilestone, type MilestoneChanges, type MilestoneRow, type MilestoneSibling } from '../store/milestones';
import { recipient, type OutboxMessage } from '../store/outbox';
import { fundingPosting, refundLeftPosting, settlementPosting } from './postings';
import { oweRefund } from './refunds';
import { closeCheckoutLater } from './timers';

/** How long a checkout stays open before the milestone lapses back to agreed. */
export const PAYMENT_WINDOW_MS = 60 * 60 * 1000;
/** Reminders to the client before work is approved on their behalf. */
export const APPROVAL_REMINDERS_H = [24, 2] as const;

/**
 * When the approval clock next needs to look: at each reminder, then at the deadline. The milestone's
 * approval_check_at walks these (see clocks.ts), so a submission sets one due time, not three.
 */
export function nextApprovalCheck(autoApproveAt: Date, after: Date): Date {
  const checks = [...APPROVAL_REMINDERS_H.map((h) => autoApproveAt.getTime() - h * 3_600_000), autoApproveAt.getTime()];
  return new Date(checks.find((t) => t > after.getTime()) ?? autoApproveAt.getTime());
}

export interface MilestoneStep {
  tx: Db;
  now: Date;
  booking: LockedBooking;
  /** All of the booking's milestones, read under its lock (the booking's next step depends on the others). */
  milestones: readonly MilestoneSibling[];
  milestone: MilestoneRow;
  event: MilestoneEvent;
  parties: Party[];
  actorId: string | null;
  note?: string;
  /** Dedupe key stem for notifications and the cause of any posting: a command id, an event or job id. */
  key: string;
  write(query: postgres.PendingQuery<postgres.Row[]>): void;
  notify(message: OutboxMessage): void;
  /** payment_confirmed: the provider's payment. */
  payment?: { paymentIntentId: string; chargeId: string | null };
  /** split: the gross amount released to the worker; the rest is refunded. */
  released?: number;
  /** charged_back: what the bank took from the milestone's escrow (the rest of it is refunded). */
  takenByBank?: number;
  /** false when the booking step is taken by the caller (booking.cancel cancels its milestones itself). */
  stepsBooking?: boolean;
  /**
   * The step's name in the part's history when it is not the machine's event: 'withdraw', a part one side dropped
   * while work goes on (a cancel, as a replaced plan's and a cancelled booking's are, which the devices show apart).
   */
  recordedAs?: 'withdraw';
}

const SIDES = ['client', 'worker', 'admin', 'system'] as const;

/** The booking's other milestones still to be settled (a proposal not yet agreed is not part of the work). */
const othersOpen = (s: MilestoneStep) =>
  s.milestones.filter((m) => m.id !== s.milestone.id && !SETTLED_STATES.includes(m.status) && m.status !== 'proposed');

const othersSubmitted = (s: MilestoneStep) => othersOpen(s).some((m) => m.status === 'submitted');

/** The booking's news (commands/booking-step.ts NOTIFY) that a milestone step's own news already gives. */
const SAID_BY_MILESTONE: ReadonlySet<string> = new Set(['booking.funded', 'booking.delivered', 'booking.changes_requested', 'booking.approved']);

function bookingEventFor(s: MilestoneStep): BookingEvent | null {
  const b = s.booking.status;
  // The client's bank took the part's money back for good: like a refund by a dispute's outcome when this
  // part was the one in dispute; otherwise the booking ends when nothing else is left to settle.
  if (s.event === 'charged_back') {
    const open = othersOpen(s);
    if (b === 'disputed') {
      if (s.milestone.status !== 'disputed' || open.some((m) => m.status === 'disputed')) return null;
      if (open.length === 0) return 'resolve';
      return open.some((m) => m.status === 'submitted') ? 'resolve_to_review' : 'resolve_part';
    }
    if (open.length === 0) return 'charged_back';
    return b === 'delivered' && !open.some((m) => m.status === 'submitted') ? 'part_charged_back' : null;
  }
  // While one milestone is in dispute the booking stays disputed, and the others carry on by themselves
  // (submitted, approved, sent back for changes); its dispute's outcome decides where the booking goes.
  if (b === 'disputed' && !(DISPUTE_OUTCOMES as readonly MilestoneEvent[]).includes(s.event)) return null;
  // The booking is with the client (delivered) while any of its milestones waits for review; two can, when
  // work was submitted during a dispute or while another part was being reviewed.
  switch (s.event) {
    case 'payment_confirmed':
      return b === 'awaiting_payment' ? 'payment_confirmed' : null;
    case 'submit':
      return b === 'delivered' ? null : 'deliver';
    case 'request_changes':
      return othersSubmitted(s) ? null : 'request_changes';
    case 'dispute':
      return 'dispute';
    // A part not paid for, dropped while work goes on (milestone.withdraw): the booking is done when nothing else is left
    // (from delivered or changes_requested too: a part under review or sent back that a chargeback ended leaves them so).
    case 'cancel':
      return othersOpen(s).length === 0 && workUnderWay(b) ? 'finish' : null;
    case 'approve':
    case 'auto_approve': {
      // Completed when nothing else is left to settle; still with the client while another part waits for
      // review; otherwise the work goes on.
      if (othersOpen(s).length === 0) return 'approve';
      return othersSubmitted(s) ? null : 'approve_part';
    }
    case 'release_all':
    case 'refund_all':
    case 'split': {
      if (b !== 'disputed') return null;
      // Resolved when nothing else is left to settle. Otherwise back to work, or to the client's review when
      // a milestone was submitted meanwhile, unless another milestone is itself still in dispute.
      const open = othersOpen(s);
      if (open.some((m) => m.status === 'disputed')) return null;
      if (open.length === 0) return 'resolve';
      return open.some((m) => m.status === 'submitted') ? 'resolve_to_review' : 'resolve_part';
    }
    default:
      return null;
  }
}

/**
 * The part's own name for news about it, when its booking has several parts agreed (or settled, or paid): of a
 * booking of one part, the booking's title says it all.
 */
export function partNamed(description: string, parts: readonly Pick<MilestoneSibling, 'status'>[]): { part?: string } {
  return parts.filter((p) => p.status !== 'proposed' && p.status !== 'cancelled').length > 1 ? { part: description } : {};
}

/** The client's review window for work handed in now: the category's time, with the reminders' first check. */
export function reviewClock(category: string, now: Date): { autoApproveAt: Date; approvalCheckAt: Date } {
  const autoApproveAt = new Date(now.getTime() + policyOf(category).autoApproveHours * 3_600_000);
  return { autoApproveAt, approvalCheckAt: nextApprovalCheck(autoApproveAt, now) };
}

/**
 * The bank decided the chargeback for the client, who has the money it took back. What the milestone's escrow
 * still holds (a chargeback of part of the payment) goes back to the client as a refund; the worker gets nothing.
 */
async function chargedBack(s: MilestoneStep, changes: MilestoneChanges, tell: (to: 'client' | 'worker', template: string, data?: Record<string, unknown>) => void): Promise<void> {
  const m = s.milestone;
  const taken = s.takenByBank ?? NaN;
  if (!Number.isSafeInteger(taken) || taken <= 0 || taken > m.amount) throw new RangeError(`charged_back needs what the bank took from milestone ${m.id}; got ${taken}.`);
  const left = m.amount - taken;
  if (left > 0) {
    const posting = refundLeftPosting(m, left);
    await post(s.tx, posting);
    for (const q of oweRefund(s.tx, { for: 'settlement', cause: posting.dedupeKey, milestoneId: m.id, paymentIntentId: m.paymentIntentId, amount: left, currency: m.currency }, s.now)) s.write(q);
  }
  Object.assign(changes, { settledAt: s.now, releasedAmount: 0, refundedAmount: left, feeAmount: 0, autoApproveAt: null, approvalCheckAt: null, bankDisputeId: null });
  tell('worker', 'milestone.charged_back.worker', { taken });
  tell('client', 'milestone.charged_back.client', { taken, refunded: left });
}

/** Where a step left the milestone and its booking. */
export interface MilestoneStepped {
  status: MilestoneState;
  bookingStatus: BookingState;
}

export async function stepMilestone(s: MilestoneStep): Promise<MilestoneStepped> {
  const m = s.milestone;
  const actingAs = SIDES.find((p) => s.parties.includes(p)) ?? 'system';
  const verdict = can(milestoneMachine, m.status, s.event, s.parties, { proposedBy: m.proposedBy, actingAs, reason: s.note, heldByBank: m.bankDisputeId !== null });
  if (!verdict.ok) {
    if (verdict.why === 'guard_failed' && verdict.guard === 'otherSideAccepts')
      reject('forbidden', 'You proposed these terms; the other side accepts them.');
    // Put in dispute meanwhile (by the other side, or on another device): the dispute decides it now.
    if (verdict.why === 'no_transition' && m.status === 'disputed') reject('dispute_open');
    return reject(milestoneRejection(verdict)!);
  }
  // Once the client's review window has closed, the work is approved as agreed, whether or not the sweep has
  // come yet: sending it back or disputing it then would take the worker's approval away. (Approving it by
  // hand stays open: the same outcome.)
  if ((s.event === 'request_changes' || s.event === 'dispute') && m.status === 'submitted' && m.autoApproveAt && m.autoApproveAt <= s.now)
    reject('deadline_passed', 'The time to review this work ran out, so it is approved as agreed; it can no longer be sent back or disputed.');
  const to = verdict.to;
  const by = s.parties.find((p) => (milestoneMachine.events[s.event].by as readonly Party[]).includes(p))!;
  const at = s.now.toISOString();

  // The booking first: it may refuse (work not started, no change rounds left), and then nothing moves.
  let bookingStatus = s.booking.status;
  if (s.stepsBooking !== false) {
    const bookingEvent = bookingEventFor(s);
    if (bookingEvent) {
      if (bookingEvent === 'deliver' && s.booking.status === 'funded') reject('invalid_state', 'Start the work before submitting it.');
      bookingStatus = stepBooking({
        tx: s.tx, now: s.now, booking: s.booking, event: bookingEvent, parties: [...s.parties, 'system'], actorId: s.actorId,
        note: s.note, key: s.key, write: s.write,
        // The milestone's own news below says the same with the amount, the reason or the deadline: one text
        // for one step, not two.
        notify: (news) => void (SAID_BY_MILESTONE.has(news.template) || s.notify(news)),
      });
    } else if (s.event === 'request_changes') {
      // While one milestone is in dispute or another waits for review, the booking's status stays, and
      // changes asked for still count against its rounds.
      if (s.booking.changeRounds >= MAX_CHANGE_ROUNDS) reject('change_rounds_exhausted');
      s.write(countChangeRound(s.tx, s.booking.id));
    }
  }

  // A plan still waiting for the other side is withdrawn, by the system, when the booking ends (an ended
  // booking takes no plan: planOpen), and when a part is paid (a plan replaces what was unpaid when it was
  // proposed, so accepting it now could charge twice for one piece of work: milestone.accept refuses it too).
  const ended = bookingStatus !== s.booking.status && bookingEnded(bookingStatus);
  const outrun = !ended && to === 'funded' && s.event === 'payment_confirmed';
  const withdrawn = ended
    ? 'The booking ended before this plan was accepted.'
    : outrun
      ? 'A part it would replace was paid before it was accepted. Propose a new plan if one is needed.'
      : null;
  const waitingPlan = withdrawn ? s.milestones.filter((x) => x.status === 'proposed') : [];
  for (const o of waitingPlan) s.write(advanceMilestone(s.tx, o.id, { at, event: 'cancel', status: 'cancelled', by: 'system', actorId: null, note: withdrawn! }));
  // Whoever proposed a plan that a payment outran hears it, as nobody else says so (an ended booking's own news does).
  const proposer = outrun ? waitingPlan[0]?.proposedBy : null;
  if (proposer)
    s.notify({ ...recipient(proposer, m), template: 'milestone.plan_withdrawn', data: { bookingId: m.bookingId }, dedupeKey: `${s.key}:milestone.plan_withdrawn:${m.bookingId}` });

  const changes: MilestoneChanges = {};
  const part = partNamed(m.description, s.milestones);
  const tell = (to: 'client' | 'worker', template: string, data: Record<string, unknown> = {}) =>
    s.notify({
      ...recipient(to, m),
      template,
      data: { bookingId: m.bookingId, milestoneId: m.id, amount: m.amount, currency: m.currency, ...part, ...data },
      dedupeKey: `${s.key}:${template}:${m.id}`,
    });

  switch (to) {
    case 'payment_pending': {
      // A new window: a checkout made for an earlier one is not handed out again.
      Object.assign(changes, { paymentExpiresAt: new Date(s.now.getTime() + PAYMENT_WINDOW_MS), checkoutSessionId: null, checkoutUrl: null });
      break;
    }
    case 'funded':
      if (s.event === 'payment_confirmed') {
        if (!s.payment) throw new Error('payment_confirmed needs the payment');
        // A payment already posted once (it came while the milestone could not take it, and was sent back)
        // cannot fund the milestone again, whichever later event about it arrives.
        const { created } = await post(s.tx, fundingPosting(m, s.payment.paymentIntentId));
        if (!created) reject('invalid_state', 'This payment has already been accounted for.');
        Object.assign(changes, { paymentIntentId: s.payment.paymentIntentId, chargeId: s.payment.chargeId, fundedAt: s.now, paymentExpiresAt: null });
        // "You can start" is for the first part; a later one paid while work goes on lets the worker go on with it.
        tell('worker', s.booking.status === 'awaiting_payment' || s.booking.status === 'funded' ? 'milestone.funded' : 'milestone.funded.next');
        tell('client', 'milestone.payment_received');
      }
      break;
    case 'cancelled':
      // Cancelled or replaced while its checkout is open: closed at the provider, so that nobody pays for it.
      if (m.status === 'payment_pending' && m.checkoutSessionId) {
        s.write(closeCheckoutLater(s.tx, m.id, m.checkoutSessionId, s.now));
        Object.assign(changes, { checkoutUrl: null });
      }
      // Dropped by one side while work goes on (milestone.withdraw; a plan's replacement and a cancelled booking do not
      // step the booking, and say it their own way): the other side hears it, with why, and whether that was the last.
      if (s.stepsBooking !== false && (by === 'client' || by === 'worker'))
        tell(by === 'client' ? 'worker' : 'client', bookingStatus === 'completed' ? 'milestone.withdrawn.last' : 'milestone.withdrawn', s.note ? { reason: s.note } : {});
      break;
    case 'agreed':
      if (s.event === 'payment_expired') {
        Object.assign(changes, { paymentExpiresAt: null, checkoutSessionId: null, checkoutUrl: null });
        tell('client', 'milestone.payment_expired');
      }
      break;
    case 'submitted': {
      // A resubmission starts the client's clock again; while a bank holds the money it starts when the bank
      // gives the money back (chargebacks.ts), as nothing could be approved meanwhile.
      const clock = m.bankDisputeId === null ? reviewClock(s.booking.category, s.now) : { autoApproveAt: null, approvalCheckAt: null };
      Object.assign(changes, { submittedAt: s.now, ...clock });
      tell('client', 'milestone.submitted', clock.autoApproveAt ? { autoApproveAt: clock.autoApproveAt.toISOString() } : {});
      break;
    }
    case 'changes_requested':
      Object.assign(changes, { changeRounds: m.changeRounds + 1, autoApproveAt: null, approvalCheckAt: null });
      tell('worker', 'milestone.changes_requested', { reason: s.note });
      break;
    case 'disputed':
      // The approval clock stops while a dispute is open.
      Object.assign(changes, { autoApproveAt: null, approvalCheckAt: null });
      break;
    case 'released':
    case 'refunded':
    case 'split': {
      if (s.event === 'charged_back') {
        await chargedBack(s, changes, tell);
        break;
      }
      const released = to === 'released' ? m.amount : to === 'refunded' ? 0 : (s.released ?? NaN);
      const kind = to === 'released' ? 'release' : to === 'refunded' ? 'refund' : 'split';
      const settled = settlementPosting(m, released, kind);
      const { created } = await post(s.tx, { ...settled.posting, memo: `${settled.posting.memo} (${s.event})` });
      Object.assign(changes, { settledAt: s.now, releasedAmount: released, refundedAmount: settled.refunded.amount, feeAmount: settled.fee.amount, autoApproveAt: null, approvalCheckAt: null });
      // The provider follows the ledger: the refund now, owed with the posting that made it (refunds.ts), the
      // worker's transfer with the next payout run.
      const refunds = created && settled.refunded.amount > 0;
      if (refunds) {
        const { amount, currency } = settled.refunded;
        for (const q of oweRefund(s.tx, { for: 'settlement', cause: settled.posting.dedupeKey, milestoneId: m.id, paymentIntentId: m.paymentIntentId, amount, currency }, s.now)) s.write(q);
      }
      if (released > 0) tell('worker', 'milestone.released', { net: settled.net.amount, fee: settled.fee.amount });
      // Approved on the client's behalf: they hear it too, as they would not have approved it themselves.
      if (s.event === 'auto_approve') tell('client', 'milestone.auto_approved');
      if (refunds) tell('client', 'milestone.refunded', { refunded: settled.refunded.amount });
      break;
    }
    default:
      break;
  }

  s.write(advanceMilestone(s.tx, m.id, { at, event: s.recordedAs ?? s.event, status: to, by, actorId: s.actorId, ...(s.note ? { note: s.note } : {}) }, changes));
  return { status: to, bookingStatus };
}
