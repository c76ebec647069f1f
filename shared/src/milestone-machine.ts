// A milestone: one part of a booking's price, held in escrow from funding until it is released to the
// worker, refunded to the client, or split by a dispute decision. A single-price booking is one milestone.
import type { MachineTable, Verdict } from './machine';
import type { RejectionCode } from './rejections';

export const MILESTONE_STATES = [
  'proposed',
  'agreed',
  'payment_pending',
  'funded',
  'submitted',
  'changes_requested',
  'disputed',
  'released',
  'refunded',
  'split',
  'cancelled',
] as const;
export type MilestoneState = (typeof MILESTONE_STATES)[number];

export const MILESTONE_EVENTS = [
  'accept',
  'fund',
  'payment_confirmed',
  'payment_expired',
  'submit',
  'approve',
  'auto_approve',
  'request_changes',
  'cancel',
  'dispute',
  'release_all',
  'refund_all',
  'split',
] as const;
export type MilestoneEvent = (typeof MILESTONE_EVENTS)[number];

/** How a dispute ends: each outcome is the milestone event that settles it. */
export const DISPUTE_OUTCOMES = ['release_all', 'refund_all', 'split'] as const satisfies readonly MilestoneEvent[];
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];
/** Who ended it: the other side accepting the claim, silence past the response window, or an admin. */
export type ResolvedHow = 'accepted' | 'default' | 'admin';

/** States in which the milestone's money is in escrow. */
export const HELD_STATES: readonly MilestoneState[] = ['funded', 'submitted', 'changes_requested', 'disputed'];
/** States a newly accepted payment plan replaces: agreed but not paid for (a checkout may be open). */
export const replacedByPlan = (status: MilestoneState): boolean => status === 'agreed' || status === 'payment_pending';
/** States with no way out: the money, if any, has gone where it belongs. */
export const SETTLED_STATES: readonly MilestoneState[] = ['released', 'refunded', 'split', 'cancelled'];

export interface MilestoneContext {
  /** Who proposed the milestone's current terms: the other side accepts them. */
  readonly proposedBy: 'client' | 'worker' | null;
  /** The side the actor acts for in this booking. */
  readonly actingAs: 'client' | 'worker' | 'admin' | 'system';
  readonly reason?: string;
}

export const MILESTONE_GUARDS = ['otherSideAccepts', 'reasonGiven'] as const;
export type MilestoneGuard = (typeof MILESTONE_GUARDS)[number];

export const milestoneMachine = {
  name: 'milestone',
  states: MILESTONE_STATES,
  terminal: SETTLED_STATES,
  events: {
    accept: { by: ['client', 'worker'], guards: ['otherSideAccepts'] },
    fund: { by: ['client'] },
    // Server-only: the payment provider confirmed the money, or the checkout lapsed unpaid.
    payment_confirmed: { by: ['system'] },
    payment_expired: { by: ['system'] },
    submit: { by: ['worker'] },
    approve: { by: ['client'] },
    // The client's time to look at the work ran out (category policy, 72 h by default).
    auto_approve: { by: ['system'] },
    request_changes: { by: ['client'], guards: ['reasonGiven'] },
    // Before funding, free for either side; after funding, the money goes back to the client.
    cancel: { by: ['client', 'worker', 'admin'] },
    dispute: { by: ['client', 'worker'], guards: ['reasonGiven'] },
    // Dispute outcomes: an admin's decision, the other side accepting the claim, or silence (system).
    // Only the side that gives money up may accept: the client releases, the worker refunds, either
    // accepts a split the other claimed.
    release_all: { by: ['admin', 'client', 'system'] },
    refund_all: { by: ['admin', 'worker', 'system'] },
    split: { by: ['admin', 'client', 'worker', 'system'] },
  },
  transitions: {
    proposed: { accept: 'agreed', cancel: 'cancelled' },
    agreed: { fund: 'payment_pending', cancel: 'cancelled', payment_confirmed: 'funded' },
    // A payment that arrives after the checkout lapsed is still the client's money in escrow.
    payment_pending: { payment_confirmed: 'funded', payment_expired: 'agreed', cancel: 'cancelled' },
    funded: { submit: 'submitted', cancel: 'refunded', dispute: 'disputed' },
    submitted: { approve: 'released', auto_approve: 'released', request_changes: 'changes_requested', dispute: 'disputed' },
    changes_requested: { submit: 'submitted', dispute: 'disputed' },
    disputed: { release_all: 'released', refund_all: 'refunded', split: 'split' },
    released: {},
    refunded: {},
    split: {},
    cancelled: {},
  },
  guards: {
    otherSideAccepts: ({ proposedBy, actingAs }) => proposedBy !== null && proposedBy !== actingAs,
    reasonGiven: ({ reason }) => reason !== undefined && reason.trim().length > 0,
  },
} as const satisfies MachineTable<MilestoneState, MilestoneEvent, MilestoneGuard, MilestoneContext>;

export function milestoneRejection(verdict: Verdict<MilestoneState, MilestoneGuard>): RejectionCode | null {
  if (verdict.ok) return null;
  if (verdict.why === 'guard_failed') return verdict.guard === 'reasonGiven' ? 'reason_required' : 'forbidden';
  if (verdict.why === 'not_permitted') return 'forbidden';
  return 'invalid_state';
}
