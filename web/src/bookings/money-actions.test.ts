// Which money steps the page offers, for every milestone state and each side, as the machines answer.
import { describe, expect, it } from 'vitest';
import { MAX_CHANGE_ROUNDS, type BookingState } from '@shared/booking-machine';
import { MILESTONE_STATES, type MilestoneState } from '@shared/milestone-machine';
import type { Role } from '@shared/roles';
import { claimRefund, offeredMoneyActions, pendingMoney } from './money-actions';

const CLIENT = { id: 'client-1', roles: ['consumer'] as Role[] };
const WORKER = { id: 'worker-1', roles: ['operator'] as Role[] };
const ADMIN = { id: 'admin-1', roles: ['admin', 'consumer'] as Role[] };
const milestone = (status: MilestoneState) => ({ clientId: CLIENT.id, workerId: WORKER.id, status });

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
