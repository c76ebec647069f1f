// My jobs: the worker's bookings grouped for the day, and the quick actions the booking machine allows.
import { bookingMachine, type BookingState } from '@shared/booking-machine';
import type { MilestoneState } from '@shared/milestone-machine';
import { can } from '@shared/machine';
import { bookingParties } from '@shared/parties';
import type { Actor } from '@shared/roles';

export interface JobBooking {
  id: string;
  clientId: string;
  workerId: string;
  status: BookingState;
  changeRounds: number;
  updatedAt: string;
}

export const JOB_GROUPS = ['today', 'upcoming', 'delivered', 'finished'] as const;
export type JobGroup = (typeof JOB_GROUPS)[number];

export interface Job<B> {
  booking: B;
  /** The gig's start time, when the booking came from a gig that has one. */
  startsAt: string | null;
}

/**
 * Display grouping only (actions come from the machine, below). Finished is the machine's terminal states;
 * Delivered is work handed over and waiting on the client (or a mediator); the rest is live work, under
 * Today when it is under way, asked to be redone, or starts before the end of the device's day.
 */
export function jobGroup(booking: JobBooking, startsAt: string | null, endOfToday: number): JobGroup {
  if ((bookingMachine.terminal as readonly BookingState[]).includes(booking.status)) return 'finished';
  if (booking.status === 'delivered' || booking.status === 'disputed') return 'delivered';
  if (booking.status === 'in_progress' || booking.status === 'changes_requested') return 'today';
  if (startsAt !== null && Date.parse(startsAt) < endOfToday) return 'today';
  return 'upcoming';
}

/** Live groups soonest first (no start time last); settled groups most recently changed first. */
export function groupJobs<B extends JobBooking>(jobs: readonly Job<B>[], endOfToday: number): Record<JobGroup, Job<B>[]> {
  const out: Record<JobGroup, Job<B>[]> = { today: [], upcoming: [], delivered: [], finished: [] };
  for (const job of jobs) out[jobGroup(job.booking, job.startsAt, endOfToday)].push(job);
  const byRecent = (a: Job<B>, b: Job<B>) => (a.booking.updatedAt < b.booking.updatedAt ? 1 : a.booking.updatedAt > b.booking.updatedAt ? -1 : 0);
  const soonest = (a: Job<B>, b: Job<B>) => start(a) - start(b) || byRecent(a, b);
  out.today.sort(soonest);
  out.upcoming.sort(soonest);
  out.delivered.sort(byRecent);
  out.finished.sort(byRecent);
  return out;
}

const start = (j: Job<unknown>) => (j.startsAt ? Date.parse(j.startsAt) : Number.MAX_SAFE_INTEGER);

export const QUICK_ACTIONS = ['start', 'deliver'] as const;
export type QuickAction = (typeof QUICK_ACTIONS)[number];

/** The parts of a booking's price a delivery hands in (the server's booking.deliver: funded, or sent back). */
const DELIVERABLE: readonly MilestoneState[] = ['funded', 'changes_requested'];

/**
 * The quick actions the booking machine lets me fire now; the full booking page offers the rest. `parts`, the
 * booking's milestones as far as the device has them: Mark delivered hands in the first part that is paid for
 * (or sent back), so with none such (the next part still waiting for the client's payment) the server refuses it
 * (not_funded) and it is not offered. Without them (none synced yet) the machine alone decides.
 */
export function quickActions(booking: JobBooking, me: Actor, now: number, parts: readonly { status: MilestoneState }[] = []): QuickAction[] {
  const parties = bookingParties(me, booking);
  return QUICK_ACTIONS.filter(
    (event) =>
      can(bookingMachine, booking.status, event, parties, { now, changeRounds: booking.changeRounds }).ok &&
      (event !== 'deliver' || parts.length === 0 || parts.some((m) => DELIVERABLE.includes(m.status))),
  );
}

/** Local midnight after `now`: where "today" ends on this device. */
export function endOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}
