// Which money steps the page offers, for every milestone state and each side, as the machines answer.
import { describe, expect, it } from 'vitest';
import { MAX_CHANGE_ROUNDS, type BookingState } from '@shared/booking-machine';
import { MILESTONE_STATES, type MilestoneState } from '@shared/milestone-machine';
import type { Role } from '@shared/roles';
import { cancelBlockedBy, claimAcceptable, claimRefund, offeredMoneyActions, pendingMoney } from './money-actions';

const CLIENT = { id: 'client-1', roles: ['consumer'] as Role[] };
const WORKER = { id: 'worker-1', roles: ['operator'] as Role[] };
const ADMIN = { id: 'admin-1', roles: ['admin', 'consumer'] as Role[] };
const milestone = (status: MilestoneState, timeline: { event: string }[] = []) => ({ clientId: CLIENT.id, workerId: WORKER.id, status, timeline });

// A chargeback's steps as the server appends them to a part's history.
const OPENED = { event: 'bank_dispute_opened' };
const WON = { event: 'bank_dispute_won' };

/** The booking state that goes with each milestone state when the booking is one milestone. */
const BOOKING_OF: Record<MilestoneState, BookingState> = {
  proposed: 'awaiting_payment', agreed: 'awaiting_payment', payment_pending: 'awaiting_payment', funded: 'in_progress',
  submitted: 'delivered', changes_requested: 'changes_requested', disputed: 'disputed', released: 'completed', refunded: 'cancelled',
  split: 'resolved', cancelled: 'cancelled',
};

const offered = (actor: typeof CLIENT, status: MilestoneState, booking: BookingState = BOOKING_OF[status], changeRounds = 0, disputeOpen = false) =>
  offeredMoneyActions(milestone(status), { status: booking, changeRounds }, actor, disputeOpen).map((a) => (a.blockedBy ? `${a.action}:${a.blockedBy}` : a.action));

describe('offeredMoneyActions', () => {
  it('walks every milestone state for the client, the worker and an admin who is neither', () => {
    const table = Object.fromEntries(MILESTONE_STATES.map((s) => [s, { client: offered(CLIENT, s), worker: offered(WORKER, s), admin: offered(ADMIN, s) }]));
    expect(table).toEqual({
      proposed: { client: [], worker: [], admin: [] },
      agreed: { client: ['fund'], worker: [], admin: [] },
      payment_pending: { client: ['fund'], worker: [], admin: [] },
      funded: { client: ['dispute'], worker: ['submit', 'dispute'], admin: [] },
      submitted: { client: ['approve', 'request_changes', 'dispute'], worker: ['dispute'], admin: [] },
      changes_requested: { client: ['dispute'], worker: ['submit', 'dispute'], admin: [] },
      disputed: { client: [], worker: [], admin: [] },
      released: { client: [], worker: [], admin: [] },
      refunded: { client: [], worker: [], admin: [] },
      split: { client: [], worker: [], admin: [] },
      cancelled: { client: [], worker: [], admin: [] },
    });
  });

  it('says to start before submitting, and when the rounds of changes are used up', () => {
    expect(offered(WORKER, 'funded', 'funded')).toEqual(['submit:start_first', 'dispute']);
    expect(offered(CLIENT, 'submitted', 'delivered', MAX_CHANGE_ROUNDS)).toEqual(['approve', 'request_changes:change_rounds_exhausted', 'dispute']);
  });

  it('offers neither changes nor a dispute once submitted work is past its review deadline, only approval', () => {
    const now = Date.parse('2026-11-21T12:00:00.000Z');
    const at = (iso: string) => ({ ...milestone('submitted'), autoApproveAt: iso });
    const names = (actor: typeof CLIENT, iso: string) => offeredMoneyActions(at(iso), { status: 'delivered', changeRounds: 0 }, actor, false, now).map((a) => a.action);
    expect(names(CLIENT, '2026-11-21T12:00:00.001Z')).toEqual(['approve', 'request_changes', 'dispute']);
    expect(names(CLIENT, '2026-11-21T12:00:00.000Z')).toEqual(['approve']);
    expect(names(WORKER, '2026-11-21T11:00:00.000Z')).toEqual([]);
    expect(names(WORKER, '2026-11-22T11:00:00.000Z')).toEqual(['dispute']);
  });

  it('offers the other parts’ steps while one part waits for review or is in dispute, as the server takes them', () => {
    // Another part waits for review (the booking is delivered): this one can still be handed in.
    expect(offered(WORKER, 'funded', 'delivered')).toEqual(['submit', 'dispute']);
    expect(offered(WORKER, 'changes_requested', 'delivered')).toEqual(['submit', 'dispute']);
    // Another part is in dispute: this one carries on by itself.
    expect(offered(WORKER, 'funded', 'disputed')).toEqual(['submit', 'dispute']);
    expect(offered(CLIENT, 'submitted', 'disputed')).toEqual(['approve', 'request_changes', 'dispute']);
    expect(offered(CLIENT, 'submitted', 'disputed', MAX_CHANGE_ROUNDS)).toEqual(['approve', 'request_changes:change_rounds_exhausted', 'dispute']);
  });

  it('offers no second dispute while one is open on the milestone', () => {
    expect(offered(CLIENT, 'submitted', 'delivered', 0, true)).toEqual(['approve', 'request_changes']);
  });

  it('offers nothing that moves money while the client’s bank holds it, the rest as before; all of it once the bank decides for Fieldwork', () => {
    const names = (actor: typeof CLIENT, status: MilestoneState, booking: BookingState, timeline: { event: string }[]) =>
      offeredMoneyActions(milestone(status, timeline), { status: booking, changeRounds: 0 }, actor, false).map((a) => a.action);
    // Approval releases the money: not while the bank holds it. Changes, a dispute and handing in move none.
    expect(names(CLIENT, 'submitted', 'delivered', [OPENED])).toEqual(['request_changes', 'dispute']);
    expect(names(WORKER, 'funded', 'in_progress', [OPENED])).toEqual(['submit', 'dispute']);
    expect(names(WORKER, 'changes_requested', 'changes_requested', [OPENED])).toEqual(['submit', 'dispute']);
    expect(names(CLIENT, 'submitted', 'delivered', [OPENED, WON])).toEqual(['approve', 'request_changes', 'dispute']);
    // A second chargeback on the same part holds it again.
    expect(names(CLIENT, 'submitted', 'delivered', [OPENED, WON, OPENED])).toEqual(['request_changes', 'dispute']);
  });

  it('keeps changes and a dispute open while the bank holds the money, though the review deadline passed: the clock stands still', () => {
    const now = Date.parse('2026-11-21T12:00:00.000Z');
    const late = { ...milestone('submitted', [OPENED]), autoApproveAt: '2026-11-21T11:00:00.000Z' };
    expect(offeredMoneyActions(late, { status: 'delivered', changeRounds: 0 }, CLIENT, false, now).map((a) => a.action)).toEqual(['request_changes', 'dispute']);
  });
});

describe('claimAcceptable', () => {
  it('lets the side that gives money up accept the claim, never while the client’s bank holds the money', () => {
    const all = { refund: 8000, amount: 8000 };
    const part = { refund: 3000, amount: 8000 };
    const none = { refund: 0, amount: 8000 };
    expect(claimAcceptable(milestone('disputed'), all, 'worker')).toBe(true);
    expect(claimAcceptable(milestone('disputed'), part, 'worker')).toBe(true);
    expect(claimAcceptable(milestone('disputed'), none, 'client')).toBe(true);
    // Refunding all is the worker's to accept, releasing all the client's.
    expect(claimAcceptable(milestone('disputed'), all, 'client')).toBe(false);
    expect(claimAcceptable(milestone('disputed'), none, 'worker')).toBe(false);
    for (const claim of [all, part]) expect(claimAcceptable(milestone('disputed', [OPENED]), claim, 'worker')).toBe(false);
    expect(claimAcceptable(milestone('disputed', [OPENED]), none, 'client')).toBe(false);
    expect(claimAcceptable(milestone('disputed', [OPENED, WON]), part, 'worker')).toBe(true);
  });
});

describe('cancelBlockedBy', () => {
  it('says the bank holds the money when cancelling would refund a part it holds, for either side', () => {
    for (const actor of [CLIENT, WORKER]) {
      expect(cancelBlockedBy([milestone('funded', [OPENED])], actor)).toBe('bank_dispute_open');
      expect(cancelBlockedBy([milestone('funded'), milestone('funded', [OPENED, WON])], actor)).toBeNull();
    }
    // Nobody's to cancel: an admin who is neither side reads the page.
    expect(cancelBlockedBy([milestone('funded', [OPENED])], ADMIN)).toBeNull();
  });
});

describe('pendingMoney', () => {
  it('groups waiting money commands by the milestone or dispute they name, and ignores the rest', () => {
    const map = pendingMoney([
      { type: 'milestone.submit', payload: '{"milestoneId":"m1","note":"done"}' },
      { type: 'dispute.open', payload: '{"disputeId":"d1","milestoneId":"m1","reason":"x","refundAmount":1}' },
      { type: 'dispute.add_evidence', payload: '{"disputeId":"d1","evidenceId":"e1","text":"t"}' },
      { type: 'booking.start', payload: '{"bookingId":"b1"}' },
      { type: 'milestone.approve', payload: 'not json' },
      // A plan accepted by one of its parts waits on the plan, not on that part's row.
      { type: 'milestone.accept', payload: '{"bookingId":"b1","milestoneId":"m2"}' },
    ]);
    expect(Object.fromEntries(map)).toEqual({ m1: ['milestone.submit', 'dispute.open'], d1: ['dispute.open', 'dispute.add_evidence'] });
  });
});

describe('claimRefund', () => {
  const usd = (amount: number) => ({ amount, currency: 'USD' as const });
  const kwd = (amount: number) => ({ amount, currency: 'KWD' as const });

  it('turns what each side asks for into what goes back to the client, refusing what the server would', () => {
    expect(claimRefund('client', usd(8000), usd(8000))).toEqual({ refundAmount: 8000 });
    expect(claimRefund('client', usd(2500), usd(8000))).toEqual({ refundAmount: 2500 });
    expect(claimRefund('worker', usd(8000), usd(8000))).toEqual({ refundAmount: 0 });
    expect(claimRefund('worker', usd(6000), usd(8000))).toEqual({ refundAmount: 2000 });
    expect(claimRefund('client', usd(1), usd(8000))).toEqual({ refundAmount: 1 });
    for (const typed of [0, 8001]) {
      expect(claimRefund('client', usd(typed), usd(8000))).toEqual({ problem: 'range' });
      expect(claimRefund('worker', usd(typed), usd(8000))).toEqual({ problem: 'range' });
    }
  });

  it('asks at least one step of the currency, and in its steps (KWD in 0.010)', () => {
    expect(claimRefund('client', kwd(10), kwd(10_000))).toEqual({ refundAmount: 10 });
    expect(claimRefund('worker', kwd(2_500), kwd(10_000))).toEqual({ refundAmount: 7_500 });
    expect(claimRefund('client', kwd(5), kwd(10_000))).toEqual({ problem: 'range' });
    for (const side of ['client', 'worker'] as const) expect(claimRefund(side, kwd(5_005), kwd(10_000))).toEqual({ problem: 'offStep' });
  });
});
