// The booking's history as the page lists it, and which of its steps still wait for the server.
import type { TimelineEntryDoc } from '@shared/replication';
import { BOOKING_ACTIONS, type BookingAction } from './booking-actions';

export interface PendingCommandRef {
  type: string;
  issuedAt: string;
}

export type TimelineRow = TimelineEntryDoc & { pending: boolean };

/**
 * Marks the entries this device added through commands the server has not decided: the optimistic view
 * writes them with the command's issue time and the user as actor, which no server entry carries.
 */
export function timelineRows(timeline: readonly TimelineEntryDoc[], pending: readonly PendingCommandRef[], meId: string): TimelineRow[] {
  const issued = new Set(pending.filter((c) => c.type.startsWith('booking.')).map((c) => c.issuedAt));
  return timeline.map((e) => ({ ...e, pending: e.actorId === meId && issued.has(e.at) }));
}

/** Booking actions with a command still on its way: their buttons wait instead of sending twice. */
export function pendingActions(pending: readonly PendingCommandRef[]): Set<BookingAction> {
  const out = new Set<BookingAction>();
  for (const c of pending) {
    const event = c.type.slice('booking.'.length);
    if (c.type.startsWith('booking.') && (BOOKING_ACTIONS as readonly string[]).includes(event)) out.add(event as BookingAction);
  }
  return out;
}
