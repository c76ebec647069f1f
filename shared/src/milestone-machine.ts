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
  'give_back',
  'dispute',
  'release_all',
  'refund_all',
  'split',
  'charged_back',
] as const;
export type MilestoneEvent = (typeof MILESTONE_EVENTS)[number];

/** How a dispute ends: each outcome is the milestone event that settles it. */
export const DISPUTE_OUTCOMES = ['release_all', 'refund_all', 'split'] as const satisfies readonly MilestoneEvent[];
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];
/** The outcome, as a milestone event, that gives the client `refund` of the milestone's `amount` back. */
export function outcomeOf(amount: number, refund: number): DisputeOutcome {
  return refund === amount ? 'refund_all' : refund === 0 ? 'release_all' : 'split';
}
/**
 * Who ended it: the other side accepting the claim, silence past the response window, an admin, or the client's
 * bank deciding a chargeback of the milestone's payment for the client (all of it back to the client).
 */
export type ResolvedHow = 'accepted' | 'default' | 'admin' | 'bank';

/** States in which the milestone's money is in escrow. */
export const HELD_STATES: readonly MilestoneState[] = ['funded', 'submitted', 'changes_requested', 'disputed'];
/** A part agreed but not paid for (a checkout may be open): what milestone.withdraw may drop. */
export const unpaidPart = (status: MilestoneState): boolean => status === 'agreed' || status === 'payment_pending';
/** States a newly accepted payment plan replaces: the unpaid parts. */
export const replacedByPlan = unpaidPart;
/** States with no way out: the money, if any, has gone where it belongs. */
export const SETTLED_STATES: readonly MilestoneState[] = ['released', 'refunded', 'split', 'cancelled'];

export interface MilestoneContext {
  /** Who proposed the milestone's current terms: the other side accepts them. */
  readonly proposedBy: 'client' | 'worker' | null;
  /** The side the actor acts for in this booking. */
  readonly actingAs: 'client' | 'worker' | 'admin' | 'system';
  readonly reason?: string;
  /**
   * The client's bank is disputing the payment (a chargeback) and has taken its money back from the platform
   * until it decides: nothing may move what is left of the milestone's money meanwhile. See heldByBank.
   */
  readonly heldByBank?: boolean;
}

export const MILESTONE_GUARDS = ['otherSideAccepts', 'reasonGiven', 'notHeldByBank'] as const;
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
    approve: { by: ['client'], guards: ['notHeldByBank'] },
    // The client's time to look at the work ran out (category policy, 72 h by default).
    auto_approve: { by: ['system'], guards: ['notHeldByBank'] },
    request_changes: { by: ['client'], guards: ['reasonGiven'] },
    // Before funding, free for either side; after funding, the money goes back to the client.
    cancel: { by: ['client', 'worker', 'admin'], guards: ['notHeldByBank'] },
    // The worker gives the part's money back to the client, all of it, at any point before it is released (the
    // booking's give_back, once work has started): the worker's own way to stop.
    give_back: { by: ['worker'], guards: ['notHeldByBank'] },
    dispute: { by: ['client', 'worker'], guards: ['reasonGiven'] },
    // Dispute outcomes: an admin's decision, the other side accepting the claim, or silence (system).
    // Only the side that gives money up may accept: the client releases, the worker refunds, either
    // accepts a split the other claimed.
    release_all: { by: ['admin', 'client', 'system'], guards: ['notHeldByBank'] },
    refund_all: { by: ['admin', 'worker', 'system'], guards: ['notHeldByBank'] },
    split: { by: ['admin', 'client', 'worker', 'system'], guards: ['notHeldByBank'] },
    // Server-only: the client's bank decided a chargeback for the client. The bank has given them the money
    // it took back; whatever the milestone still held goes back to them too, and the part ends unpaid.
    charged_back: { by: ['system'] },
  },
  transitions: {
    proposed: { accept: 'agreed', cancel: 'cancelled' },
    agreed: { fund: 'payment_pending', cancel: 'cancelled', payment_confirmed: 'funded' },
    // A payment that arrives after the checkout lapsed is still the client's money in escrow.
    payment_pending: { payment_confirmed: 'funded', payment_expired: 'agreed', cancel: 'cancelled' },
    funded: { submit: 'submitted', cancel: 'refunded', dispute: 'disputed', charged_back: 'refunded', give_back: 'refunded' },
    submitted: {
      approve: 'released', auto_approve: 'released', request_changes: 'changes_requested', dispute: 'disputed', charged_back: 'refunded', give_back: 'refunded',
    },
    changes_requested: { submit: 'submitted', dispute: 'disputed', charged_back: 'refunded', give_back: 'refunded' },
    disputed: { release_all: 'released', refund_all: 'refunded', split: 'split', charged_back: 'refunded' },
    released: {},
    refunded: {},
    split: {},
    cancelled: {},
  },
  guards: {
    otherSideAccepts: ({ proposedBy, actingAs }) => proposedBy !== null && proposedBy !== actingAs,
    reasonGiven: ({ reason }) => reason !== undefined && reason.trim().length > 0,
    notHeldByBank: ({ heldByBank }) => heldByBank !== true,
  },
} as const satisfies MachineTable<MilestoneState, MilestoneEvent, MilestoneGuard, MilestoneContext>;

export function milestoneRejection(verdict: Verdict<MilestoneState, MilestoneGuard>): RejectionCode | null {
  if (verdict.ok) return null;
  if (verdict.why === 'guard_failed')
    return verdict.guard === 'reasonGiven' ? 'reason_required' : verdict.guard === 'notHeldByBank' ? 'bank_dispute_open' : 'forbidden';
  if (verdict.why === 'not_permitted') return 'forbidden';
  return 'invalid_state';
}

/**
 * Steps of a chargeback that the milestone's history records without changing its status: the client's bank
 * opened a dispute about the payment and took the money back from the platform (`bank_dispute_opened`), or
 * decided for the platform and returned it (`bank_dispute_won`). A bank that decides for the client ends the
 * milestone by the machine's `charged_back`.
 */
export const BANK_DISPUTE_STEPS = ['bank_dispute_opened', 'bank_dispute_won'] as const;
export type BankDisputeStep = (typeof BANK_DISPUTE_STEPS)[number];

/**
 * The same for a payment whose milestone had already settled (released to the worker, refunded, split) when
 * the client's bank disputed it: the bank takes the money from the platform, not from the milestone, which
 * nothing holds or changes. Its history still says that the bank disputed the payment, and how the bank
 * decided: for the platform (`late_bank_dispute_won`) or for the client (`late_bank_dispute_lost`).
 */
export const LATE_BANK_DISPUTE_STEPS = ['late_bank_dispute_opened', 'late_bank_dispute_won', 'late_bank_dispute_lost'] as const;
export type LateBankDisputeStep = (typeof LATE_BANK_DISPUTE_STEPS)[number];

/**
 * Whether the client's bank holds the milestone's money, read from its history (what a device has): a bank
 * dispute opened and not yet decided. The server keeps the same fact on the row (milestones.bank_dispute_id).
 */
/**
 * The step that dropped a part one side no longer wanted done (milestone.withdraw), if that is how it ended: its
 * history names it 'withdraw', where a part replaced by a new plan or cancelled with its booking says 'cancel'.
 */
export function droppedStep<E extends { event: string }>(m: { status: MilestoneState; timeline: readonly E[] }): E | undefined {
  const last = m.timeline.at(-1);
  return m.status === 'cancelled' && last?.event === 'withdraw' ? last : undefined;
}

export function heldByBank(timeline: readonly { event: string }[]): boolean {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i]!.event;
    if (e === 'bank_dispute_opened') return true;
    if (e === 'bank_dispute_won' || e === 'charged_back') return false;
  }
  return false;
}
