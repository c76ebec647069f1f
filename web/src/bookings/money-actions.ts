// Which money steps the booking page offers on each milestone, asked of the shared milestone machine and,
// for steps that also move the booking, of the booking machine (the server steps both, in one transaction).
// The machine's context carries whether the client's bank holds a part's money (a chargeback): then nothing that
// moves it is offered, here or where a claim is accepted and a paid booking cancelled.
import { bookingEnded, bookingMachine, BOOKING_GUARD_REJECTIONS, MAX_CHANGE_ROUNDS, workUnderWay, type BookingState } from '@shared/booking-machine';
import { can } from '@shared/machine';
import { HELD_STATES, heldByBank, milestoneMachine, milestoneRejection, outcomeOf, unpaidPart, type MilestoneEvent, type MilestoneState } from '@shared/milestone-machine';
import { chargeStep, offStep, sum, type CurrencyCode, type Money } from '@shared/money';
import type { RejectionCode } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { pageParties } from './booking-actions';

/** Steps in the order their controls appear. Funding goes through the checkout; the rest are commands. */
export const MONEY_ACTIONS = ['fund', 'submit', 'approve', 'request_changes', 'dispute', 'withdraw'] as const;
export type MoneyAction = (typeof MONEY_ACTIONS)[number];

export interface MilestoneForActions {
  clientId: string;
  workerId: string;
  status: MilestoneState;
  /** Submitted work is approved as agreed at this time (ISO), whether or not the server's sweep has run yet. */
  autoApproveAt?: string | null;
  /** Its history, which says whether the client's bank holds its money (heldByBank). */
  timeline: readonly { event: string }[];
}

/** Steps the server refuses once submitted work is past its review deadline (deadline_passed). */
const CLOSED_BY_DEADLINE: readonly MoneyAction[] = ['request_changes', 'dispute'];

export interface BookingForMoney {
  status: BookingState;
  changeRounds: number;
}

export interface OfferedMoneyAction {
  action: MoneyAction;
  /** Why it cannot be done yet, said instead of a button: a guard that fails, or work not started. */
  blockedBy: RejectionCode | 'start_first' | null;
}

/** The booking event a milestone step also fires (escrow/step.ts, bookingEventFor); approval may only end a part. */
const BOOKING_EVENT = { submit: 'deliver', request_changes: 'request_changes', dispute: 'dispute' } as const;

/**
 * Whether the server also steps the booking with this milestone step (escrow/step.ts, bookingEventFor). It does
 * not while the booking is in dispute (over this part or another: the other parts carry on by themselves), nor
 * for work handed in while another part already waits for review (the booking stays delivered): the milestone's
 * machine alone decides those, and the booking's must not hide them.
 */
function stepsBooking(action: keyof typeof BOOKING_EVENT, booking: BookingState): boolean {
  if (booking === 'disputed') return false;
  return !(action === 'submit' && booking === 'delivered');
}

/** A reason is typed in the form after the control appears: offering checks the other guards as if one were given. */
const TYPED = 'reason typed in the form';

/**
 * The money steps the viewer may take on one milestone. A payment already under way is offered again (the
 * checkout is reopened, not started twice); a dispute is offered only while none is open on the milestone.
 */
export function offeredMoneyActions(milestone: MilestoneForActions, booking: BookingForMoney, actor: Actor, disputeOpen: boolean, now = Date.now()): OfferedMoneyAction[] {
  const parties = pageParties(actor, milestone);
  const side = parties.includes('client') ? 'client' : parties.includes('worker') ? 'worker' : null;
  if (!side) return [];
  // A booking that ended (or is ending: a cancel this device sent and the server has not answered yet) takes no money
  // step: paying for it would only be sent back.
  if (bookingEnded(booking.status)) return [];
  const held = heldByBank(milestone.timeline);
  // A step that would move money the client's bank holds (approving) is not offered: the part says why.
  const milestoneAllows = (event: MilestoneEvent) =>
    can(milestoneMachine, milestone.status, event, parties, { proposedBy: null, actingAs: side, reason: TYPED, heldByBank: held }).ok;
  return MONEY_ACTIONS.flatMap((action): OfferedMoneyAction[] => {
    // A part not paid for, once work has started (the server's milestone.withdraw): before, the plan is changed instead.
    if (action === 'withdraw')
      return unpaidPart(milestone.status) && workUnderWay(booking.status) && milestoneAllows('cancel') ? [{ action, blockedBy: null }] : [];
    if (action === 'fund') return milestoneAllows('fund') || (milestone.status === 'payment_pending' && side === 'client') ? [{ action, blockedBy: null }] : [];
    if (!milestoneAllows(action)) return [];
    if (action === 'dispute' && disputeOpen) return [];
    // The review clock stands still while the bank holds the money (it starts again, whole, if the bank decides for Fieldwork).
    if (CLOSED_BY_DEADLINE.includes(action) && !held && milestone.status === 'submitted' && milestone.autoApproveAt && Date.parse(milestone.autoApproveAt) <= now) return [];
    if (action === 'approve') return [{ action, blockedBy: null }];
    // Changes asked for while the booking does not move still count against its rounds (escrow/step.ts).
    if (!stepsBooking(action, booking.status))
      return [{ action, blockedBy: action === 'request_changes' && booking.changeRounds >= MAX_CHANGE_ROUNDS ? 'change_rounds_exhausted' : null }];
    const verdict = can(bookingMachine, booking.status, BOOKING_EVENT[action], parties, { now, changeRounds: booking.changeRounds, reason: TYPED });
    if (verdict.ok) return [{ action, blockedBy: null }];
    if (verdict.why === 'guard_failed') return [{ action, blockedBy: BOOKING_GUARD_REJECTIONS[verdict.guard] }];
    // The booking is not there yet: work is submitted after it has started.
    if (action === 'submit' && booking.status === 'funded') return [{ action, blockedBy: 'start_first' }];
    return [];
  });
}

/**
 * Whether `side` may accept the other side's claim: the machine's answer for the outcome the claim comes to
 * (all back, nothing back, or a split, as the server settles it), so that money the client's bank holds is not
 * offered to be moved.
 */
export function claimAcceptable(milestone: MilestoneForActions, claim: { refund: number; amount: number }, side: 'client' | 'worker'): boolean {
  return can(milestoneMachine, milestone.status, outcomeOf(claim.amount, claim.refund), [side], { proposedBy: null, actingAs: side, heldByBank: heldByBank(milestone.timeline) }).ok;
}

/**
 * What cancelling the booking, or the worker's giving it back, sends back to the client: every part whose money is
 * held, all of it; null when none is.
 */
export function refundOnCancel(milestones: readonly { status: MilestoneState; amount: Money }[], currency: CurrencyCode): Money | null {
  const held = milestones.filter((m) => HELD_STATES.includes(m.status));
  return held.length > 0 ? sum(held.map((m) => m.amount), currency) : null;
}

/**
 * Why cancelling the booking (or giving its money back) cannot refund what its parts hold now, or null: the server
 * steps each part with `event`, which nothing may do to money the client's bank holds (bank_dispute_open).
 */
export function cancelBlockedBy(milestones: readonly MilestoneForActions[], actor: Actor, event: 'cancel' | 'give_back' = 'cancel'): RejectionCode | null {
  for (const m of milestones) {
    const parties = pageParties(actor, m);
    const side = parties.includes('client') ? 'client' : parties.includes('worker') ? 'worker' : null;
    if (!side) continue;
    const verdict = can(milestoneMachine, m.status, event, parties, { proposedBy: null, actingAs: side, heldByBank: heldByBank(m.timeline) });
    if (!verdict.ok && verdict.why === 'guard_failed') return milestoneRejection(verdict);
  }
  return null;
}

export interface PendingRef {
  type: string;
  payload: string;
}

/**
 * Money commands still waiting for the server, by the milestone or dispute they name. The optimistic view
 * does not predict money steps (targetsOf names no document for them), so the page marks them here.
 */
export function pendingMoney(pending: readonly PendingRef[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of pending) {
    if (!c.type.startsWith('milestone.') && !c.type.startsWith('dispute.')) continue;
    // A plan's steps wait on the plan (the plan panel), not on the part an accept names it by.
    if (c.type === 'milestone.propose' || c.type === 'milestone.accept') continue;
    let p: { milestoneId?: unknown; disputeId?: unknown };
    try {
      p = JSON.parse(c.payload) as typeof p;
    } catch {
      continue;
    }
    for (const id of [p.milestoneId, p.disputeId]) if (typeof id === 'string') out.set(id, [...(out.get(id) ?? []), c.type]);
  }
  return out;
}

/**
 * The claim a side types, as the refund the command carries: the client asks for money back, the worker for
 * pay released; either way the claim is what goes back to the client. Refused as the server would: the client
 * must ask for something back and the worker for some pay, at least one step of the currency and at most what
 * is held (`range`), and in the currency's steps (`offStep`: KWD goes in 0.010, the provider refunds nothing finer).
 */
export function claimRefund(side: 'client' | 'worker', typed: Money, total: Money): { refundAmount: number } | { problem: 'range' | 'offStep' } {
  if (typed.amount < chargeStep(typed.currency) || typed.amount > total.amount) return { problem: 'range' };
  if (offStep(typed)) return { problem: 'offStep' };
  return { refundAmount: side === 'client' ? typed.amount : total.amount - typed.amount };
}
