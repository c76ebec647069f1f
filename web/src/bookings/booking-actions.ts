// Which booking actions the viewer may take on the booking page: asked of the shared booking machine.
import { bookingMachine, BOOKING_GUARD_REJECTIONS, type BookingGuard, type BookingState } from '@shared/booking-machine';
import { can, type Verdict } from '@shared/machine';
import { bookingParties } from '@shared/parties';
import type { RejectionCode } from '@shared/rejections';
import type { Actor, Party } from '@shared/roles';

/** Events a client or worker fires from this page, in the order the buttons appear. */
export const BOOKING_ACTIONS = ['start', 'deliver', 'approve', 'request_changes', 'cancel', 'give_back'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/**
 * Booking steps that move a milestone's money (the server applies them to the current milestone). The booking
 * panel never offers them: the money panel does, per milestone, online only.
 */
export const MILESTONE_STEPS: readonly BookingAction[] = ['deliver', 'approve', 'request_changes'];

export interface BookingForActions {
  clientId: string;
  workerId: string;
  status: BookingState;
  changeRounds: number;
}

export interface OfferedAction {
  event: BookingAction;
  /** A guard that already says no (too many rounds of changes): shown as a sentence instead of a button. */
  blockedBy: RejectionCode | null;
}

/**
 * What the viewer is to this booking, for this page. Admins mediate from the admin area, so here an admin
 * acts only as the client or worker they may also be; an admin who is neither reads.
 */
export function pageParties(actor: Actor, booking: Pick<BookingForActions, 'clientId' | 'workerId'>): Party[] {
  return bookingParties(actor, booking).filter((p) => p !== 'admin');
}

export type Viewer = 'client' | 'worker' | 'admin' | 'none';

/** Whose side the page takes: which name is "the other party", and whether the chat is writable. */
export function viewerOf(actor: Actor, booking: Pick<BookingForActions, 'clientId' | 'workerId'>): Viewer {
  const parties = bookingParties(actor, booking);
  if (parties.includes('client')) return 'client';
  if (parties.includes('worker')) return 'worker';
  if (parties.includes('admin')) return 'admin';
  return 'none';
}

/** The machine's answer for one action; `reason` is what the person typed (changes, cancellation, note). */
export function checkAction(booking: BookingForActions, actor: Actor, event: BookingAction, reason: string | undefined, now: number = Date.now()): Verdict<BookingState, BookingGuard> {
  return can(bookingMachine, booking.status, event, pageParties(actor, booking), { now, changeRounds: booking.changeRounds, reason });
}

/**
 * The actions to offer. The reason is typed in the form after the button appears, so offering checks the
 * other guards as if one were given; submitting asks the machine again with the real text.
 */
export function offeredActions(booking: BookingForActions, actor: Actor, now: number = Date.now()): OfferedAction[] {
  return BOOKING_ACTIONS.flatMap((event): OfferedAction[] => {
    const verdict = checkAction(booking, actor, event, 'reason typed in the form', now);
    if (verdict.ok) return [{ event, blockedBy: null }];
    if (verdict.why === 'guard_failed') return [{ event, blockedBy: BOOKING_GUARD_REJECTIONS[verdict.guard] }];
    return [];
  });
}
