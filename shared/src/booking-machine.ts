// The booking lifecycle as a table: the agreement between one client and one worker.
import type { MachineTable, Verdict } from './machine';
import type { RejectionCode } from './rejections';

export const BOOKING_STATES = [
  'awaiting_payment',
  'funded',
  'in_progress',
  'delivered',
  'changes_requested',
  'completed',
  'cancelled',
  'disputed',
  'resolved',
] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

/** Where every booking starts: created when a worker accepts a gig or a client books a service. */
export const BOOKING_INITIAL: BookingState = 'awaiting_payment';

export const BOOKING_EVENTS = [
  'payment_confirmed',
  'start',
  'deliver',
  'approve',
  'approve_part',
  'request_changes',
  'cancel',
  'give_back',
  'dispute',
  'resolve',
  'resolve_part',
  'resolve_to_review',
  'charged_back',
  'part_charged_back',
  'finish',
] as const;
export type BookingEvent = (typeof BOOKING_EVENTS)[number];

/** After this many rounds of changes the client must approve or open a dispute. */
export const MAX_CHANGE_ROUNDS = 3;

export interface BookingContext {
  readonly now: number;
  readonly changeRounds: number;
  readonly reason?: string;
}

export const BOOKING_GUARDS = ['reasonGiven', 'changeRoundsLeft'] as const;
export type BookingGuard = (typeof BOOKING_GUARDS)[number];

export const bookingMachine = {
  name: 'booking',
  states: BOOKING_STATES,
  terminal: ['completed', 'cancelled', 'resolved'],
  events: {
    // Server-only: the booking's first milestone was funded (the provider confirmed the payment).
    payment_confirmed: { by: ['system'] },
    start: { by: ['worker'] },
    deliver: { by: ['worker'] },
    // The client approves the last open milestone, or the system does when the approval window runs out.
    approve: { by: ['client', 'system'] },
    // A milestone approved with more to come: work goes on. It follows the milestone's approval, so only
    // the server fires it; the client's button is the milestone's (or the booking's) approve.
    approve_part: { by: ['system'] },
    request_changes: { by: ['client'], guards: ['reasonGiven', 'changeRoundsLeft'] },
    // Before work starts either side may walk away; money rules for a funded booking come with escrow.
    cancel: { by: ['client', 'worker', 'admin'] },
    // Once work has started only the worker may end the booking: by giving back all the money still held for it (every
    // part paid for and not yet released goes back to the client; what was released stays theirs), with a reason the
    // client hears. The client's way out after that is a dispute on a part.
    give_back: { by: ['worker'], guards: ['reasonGiven'] },
    dispute: { by: ['client', 'worker'], guards: ['reasonGiven'] },
    // A dispute decided: by an admin, by the other side accepting the claim, or by silence (system).
    resolve: { by: ['admin', 'client', 'worker', 'system'] },
    // A milestone's dispute decided with other milestones still to do: work goes on. Like approve_part, it
    // follows the milestone's settlement, so only the server fires it.
    resolve_part: { by: ['system'] },
    // The same, when another milestone was submitted during the dispute: it is back with the client to review.
    resolve_to_review: { by: ['system'] },
    // The client's bank took back the money of the booking's last open part for good (a chargeback decided
    // for the client): nothing is left to work for. A part in dispute ends by the dispute's own steps instead.
    charged_back: { by: ['system'] },
    // The part waiting for review ended so, while others are still to be worked on: back to work.
    part_charged_back: { by: ['system'] },
    // Work under way with nothing left to do: its last open part, not paid for, was dropped (milestone.withdraw).
    // Like approve_part, it follows the milestone's step, so only the server fires it.
    finish: { by: ['system'] },
  },
  transitions: {
    awaiting_payment: { payment_confirmed: 'funded', cancel: 'cancelled' },
    funded: { start: 'in_progress', cancel: 'cancelled', dispute: 'disputed', charged_back: 'cancelled' },
    in_progress: { deliver: 'delivered', dispute: 'disputed', charged_back: 'cancelled', finish: 'completed', give_back: 'cancelled' },
    delivered: {
      approve: 'completed', approve_part: 'in_progress', request_changes: 'changes_requested', dispute: 'disputed', charged_back: 'cancelled',
      part_charged_back: 'in_progress', finish: 'completed', give_back: 'cancelled',
    },
    changes_requested: { deliver: 'delivered', dispute: 'disputed', charged_back: 'cancelled', finish: 'completed', give_back: 'cancelled' },
    disputed: { resolve: 'resolved', resolve_part: 'in_progress', resolve_to_review: 'delivered' },
    completed: {},
    cancelled: {},
    resolved: {},
  },
  guards: {
    reasonGiven: ({ reason }) => reason !== undefined && reason.trim().length > 0,
    changeRoundsLeft: ({ changeRounds }) => changeRounds < MAX_CHANGE_ROUNDS,
  },
} as const satisfies MachineTable<BookingState, BookingEvent, BookingGuard, BookingContext>;

export const BOOKING_GUARD_REJECTIONS = {
  reasonGiven: 'reason_required',
  changeRoundsLeft: 'change_rounds_exhausted',
} as const satisfies Record<BookingGuard, RejectionCode>;

export function bookingRejection(verdict: Verdict<BookingState, BookingGuard>, from?: BookingState): RejectionCode | null {
  if (verdict.ok) return null;
  if (verdict.why === 'guard_failed') return BOOKING_GUARD_REJECTIONS[verdict.guard];
  if (verdict.why === 'not_permitted') return 'forbidden';
  // A step sent while the other side cancelled (offline, say): said as what happened, not as a state.
  if (from === 'cancelled') return 'booking_cancelled';
  return 'invalid_state';
}

/**
 * Whether the booking's chat takes new messages: not once it was cancelled. A worker may accept a gig and
 * cancel it before payment at no cost, and must not keep a way to write to the client afterwards.
 */
export const chatOpen = (status: BookingState): boolean => status !== 'cancelled';

/**
 * Whether the booking takes a new payment plan (milestone.propose and milestone.accept): not once it has
 * ended, nor while a dispute holds it (the mediator decides on the parts as they stand).
 */
export const planOpen = (status: BookingState): boolean => status !== 'disputed' && !bookingEnded(status);

/**
 * Work has started and goes on: neither ended nor in dispute. The states `finish` leaves, and where a part not paid
 * for may be dropped (milestone.withdraw) while the booking can no longer be cancelled outright.
 */
export const workUnderWay = (status: BookingState): boolean => 'finish' in bookingMachine.transitions[status];

/** The booking's end states (the machine's terminal ones): nothing happens to it after them. */
export const bookingEnded = (status: BookingState): boolean => (bookingMachine.terminal as readonly BookingState[]).includes(status);
