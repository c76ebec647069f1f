// A booking's status as its pages and lists say it: "Delivered" only when nothing is left to do but reviewing, and a
// cancelled booking by how it ended when that was not a cancellation.
import type { BookingState } from '@shared/booking-machine';
import { replacedByPlan } from '@shared/milestone-machine';
import { bookingStateName } from '../i18n/domain-names';
import { useLocale, useT } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { bookingMessages } from './messages';

type StatusWord = 'statusPartInReview' | 'statusPartInReviewMore' | 'statusGivenBack' | 'statusChargedBack';

/** What the words need of a booking: its status, and its history for how it ended. */
type Said = { status: BookingState; timeline: readonly { event: string }[] };

/** A paid part still to be worked on beside one in review (changes asked for on it, or not handed in yet). */
const workGoesOn = (status: BookingState, parts: readonly ViewDoc<'milestones'>[]) =>
  status === 'delivered' && parts.some((m) => m.status === 'changes_requested' || m.status === 'funded');

/** How a cancelled booking ended, by its last step: the worker stopped and gave the money back, or the client's bank took it. */
const ENDED_BY: Partial<Record<string, StatusWord>> = { give_back: 'statusGivenBack', charged_back: 'statusChargedBack' };

/** The words for the booking's status beyond its state's own name (bookingMessages' keys), or null for that name. */
export function statusWords(booking: Said, parts: readonly ViewDoc<'milestones'>[]): StatusWord | null {
  if (booking.status === 'cancelled') return ENDED_BY[booking.timeline.at(-1)?.event ?? ''] ?? null;
  if (workGoesOn(booking.status, parts)) return 'statusPartInReview';
  // The parts handed in wait for review, and parts agreed but not paid yet are still to be done after them.
  if (booking.status === 'delivered' && parts.some((m) => replacedByPlan(m.status))) return 'statusPartInReviewMore';
  return null;
}

/** The booking's status in words, as statusWords says it, for pages that do not show its parts (lists of gigs). */
export function useStatusName(): (booking: Said, parts?: readonly ViewDoc<'milestones'>[]) => string {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  return (booking, parts = []) => {
    const word = statusWords(booking, parts);
    return word ? t(word) : bookingStateName(booking.status, locale);
  };
}
