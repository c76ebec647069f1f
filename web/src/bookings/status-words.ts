// A booking's status as its pages and lists say it: "Delivered" only when nothing is left to do but reviewing.
import type { BookingState } from '@shared/booking-machine';
import { replacedByPlan } from '@shared/milestone-machine';
import type { ViewDoc } from '../sync/optimistic';

/** A paid part still to be worked on beside one in review (changes asked for on it, or not handed in yet). */
const workGoesOn = (status: BookingState, parts: readonly ViewDoc<'milestones'>[]) =>
  status === 'delivered' && parts.some((m) => m.status === 'changes_requested' || m.status === 'funded');

/** The words for a delivered booking with more to do than reviewing (bookingMessages' keys), or null for its state's own name. */
export function statusWords(status: BookingState, parts: readonly ViewDoc<'milestones'>[]): 'statusPartInReview' | 'statusPartInReviewMore' | null {
  if (workGoesOn(status, parts)) return 'statusPartInReview';
  // The parts handed in wait for review, and parts agreed but not paid yet are still to be done after them.
  if (status === 'delivered' && parts.some((m) => replacedByPlan(m.status))) return 'statusPartInReviewMore';
  return null;
}
