// Why a command was rejected: a closed set of codes, each with a sentence a person can act on.

export const REJECTION_CODES = [
  'invalid_command',
  'unknown_command',
  'id_reused',
  'not_found',
  'forbidden',
  'invalid_state',
  'gig_taken',
  'gig_cancelled',
  'booking_cancelled',
  'cancelled_before_start',
  'gig_changed',
  'gig_booked',
  'gig_expired',
  'own_gig',
  'operator_unavailable',
  'skills_mismatch',
  'out_of_area',
  'reason_required',
  'change_rounds_exhausted',
  'duplicate_id',
  'last_admin',
  'profile_incomplete',
  'not_funded',
  'nothing_to_approve',
  'work_resubmitted',
  'held_changed',
  'plan_invalid',
  'plan_stale',
  'payment_unavailable',
  'payment_refused',
  'chat_closed',
  'dispute_open',
  'claim_invalid',
  'evidence_limit',
  'deadline_passed',
  'payouts_not_set_up',
  'nothing_to_pay_out',
  'bank_dispute_open',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}

/** Default wording; handlers may say something more specific (naming the skill that is missing, …). */
export const REJECTION_MESSAGES: Record<RejectionCode, string> = {
  invalid_command: 'This action was not understood. Update the app and try again.',
  unknown_command: 'This app version sent an action the server does not know. Update the app and try again.',
  id_reused: 'This action clashes with an earlier one. Try it again as a new action.',
  not_found: 'That item no longer exists or you cannot see it.',
  forbidden: 'You are not allowed to do this.',
  invalid_state: 'This can no longer be done: the item has moved on. Refresh to see where it stands.',
  gig_taken: 'This gig was just taken by another worker.',
  gig_cancelled: 'The client cancelled this gig.',
  booking_cancelled: 'This booking was cancelled, so there is nothing more to do on it.',
  cancelled_before_start:
    'This booking was cancelled before your start reached Fieldwork, so the work is not booked and no money is held for it: do not begin it.',
  gig_changed: 'The client changed this gig after you looked at it. Look at it again before you accept.',
  gig_booked: 'A worker accepted this gig before your change arrived, so the booking stands as the gig was then. Agree any change on the booking: the work or the price with a new payment plan, where and when in its chat; or cancel the booking.',
  gig_expired: 'This gig has expired.',
  own_gig: 'You cannot accept your own gig.',
  operator_unavailable: 'Switch your availability on to accept gigs.',
  skills_mismatch: 'This gig needs skills your profile does not list at the required level.',
  out_of_area: 'This gig is outside your service area.',
  reason_required: 'Please say what needs to change.',
  change_rounds_exhausted: 'Changes have been requested too many times. Approve the work or open a dispute.',
  duplicate_id: 'This item already exists. Try again as a new action.',
  last_admin: 'You cannot remove the last admin role.',
  profile_incomplete: 'Add your skills and home location before going available.',
  not_funded: 'The client has not paid for this part of the work yet. Wait for the payment before submitting.',
  nothing_to_approve: 'There is no submitted work waiting for you here.',
  work_resubmitted: 'This work was handed in again after you looked at it, so nothing was approved or sent back. Look at what was handed in now and review that.',
  held_changed: 'What is held for this booking changed after you looked (a part was paid, approved or refunded meanwhile), so nothing was given back and work was not stopped. Look at the booking again.',
  plan_invalid: 'This payment plan cannot be used. Check the amounts and try again.',
  plan_stale: 'This payment plan is no longer open: it was accepted or replaced, or a part it would replace has been paid since. Look at the booking again and propose a new plan if one is needed.',
  payment_unavailable: 'Payments are not available right now. Nothing was charged; try again in a few minutes.',
  payment_refused: 'The payment provider will not take a payment of this amount. Nothing was charged; agree a new plan with the worker.',
  chat_closed: 'This booking was cancelled, so its chat takes no new messages.',
  dispute_open: 'A dispute is already open on this part of the work.',
  claim_invalid: 'The amount claimed must be between nothing and the full amount of this part of the work.',
  evidence_limit: 'You have added as much evidence to this dispute as it takes from one side; what you added counts for the decision.',
  deadline_passed: 'The time for this ran out, and what was agreed for that case now applies. Refresh in a minute to see where it stands.',
  payouts_not_set_up: 'Set up payouts before taking paid work, so that you can be paid when the client approves.',
  nothing_to_pay_out: 'Nothing is available to pay out now: what was released to you has been paid out or is on its way. Money becomes available when a client approves your work.',
  bank_dispute_open:
    'A bank is disputing the card payment for this part (a chargeback) and holds its money until it decides, so the money cannot be released or refunded now. Fieldwork answers the bank; both sides will hear how it decides.',
};

export function rejection(code: RejectionCode, message?: string): Rejection {
  return { code, message: message ?? REJECTION_MESSAGES[code] };
}
