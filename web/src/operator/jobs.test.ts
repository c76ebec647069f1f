// My jobs: grouping by state and start time, ordering, and the quick actions the booking machine offers.
import { describe, expect, it } from 'vitest';
import { BOOKING_STATES, type BookingState } from '@shared/booking-machine';
import type { MilestoneState } from '@shared/milestone-machine';
import type { Actor } from '@shared/roles';
import { endOfDay, groupJobs, jobGroup, quickActions, type JobBooking } from './jobs';

const NOW = new Date(2030, 0, 15, 10, 0).getTime();
const EOD = endOfDay(NOW);
const worker: Actor = { id: 'w', roles: ['operator'] };
const booking = (status: BookingState, over: Partial<JobBooking> = {}): JobBooking => ({
  id: `b-${status}`,
  clientId: 'c',
  workerId: 'w',
  status,
  changeRounds: 0,
  updatedAt: '2030-01-10T00:00:00Z',
  ...over,
});
const at = (h: number, day = 15) => new Date(2030, 0, day, h, 0).toISOString();

describe('endOfDay', () => {
  it('is the next local midnight', () => {
    expect(EOD).toBe(new Date(2030, 0, 16, 0, 0).getTime());
  });
});

describe('jobGroup', () => {
  it('puts terminal states under finished and handed-over work under delivered', () => {
    for (const s of ['completed', 'cancelled', 'resolved'] as const) expect(jobGroup(booking(s), at(9), EOD)).toBe('finished');
    for (const s of ['delivered', 'disputed'] as const) expect(jobGroup(booking(s), at(9), EOD)).toBe('delivered');
  });

  it('puts work under way or sent back under today whatever its start', () => {
    expect(jobGroup(booking('in_progress'), at(9, 20), EOD)).toBe('today');
    expect(jobGroup(booking('changes_requested'), null, EOD)).toBe('today');
  });

  it('splits waiting work by its start: before midnight (or overdue) today, later or unknown upcoming', () => {
    expect(jobGroup(booking('funded'), at(23), EOD)).toBe('today');
    expect(jobGroup(booking('funded'), at(9, 14), EOD)).toBe('today');
    expect(jobGroup(booking('awaiting_payment'), at(0, 16), EOD)).toBe('upcoming');
    expect(jobGroup(booking('awaiting_payment'), null, EOD)).toBe('upcoming');
  });

  it('places every booking state somewhere', () => {
    for (const s of BOOKING_STATES) expect(['today', 'upcoming', 'delivered', 'finished']).toContain(jobGroup(booking(s), null, EOD));
  });
});

describe('groupJobs', () => {
  it('orders live work soonest first (no start last) and settled work most recent first', () => {
    const groups = groupJobs(
      [
        { booking: booking('funded', { id: 'later' }), startsAt: at(12, 18) },
        { booking: booking('funded', { id: 'none' }), startsAt: null },
        { booking: booking('funded', { id: 'sooner' }), startsAt: at(12, 17) },
        { booking: booking('completed', { id: 'old', updatedAt: '2030-01-01T00:00:00Z' }), startsAt: null },
        { booking: booking('cancelled', { id: 'new', updatedAt: '2030-01-12T00:00:00Z' }), startsAt: null },
      ],
      EOD,
    );
    expect(groups.upcoming.map((j) => j.booking.id)).toEqual(['sooner', 'later', 'none']);
    expect(groups.finished.map((j) => j.booking.id)).toEqual(['new', 'old']);
    expect(groups.today).toEqual([]);
  });
});

describe('quickActions', () => {
  it('offers Start on a paid booking and Mark delivered on work under way or sent back, to its worker only', () => {
    const offered = Object.fromEntries(BOOKING_STATES.map((s) => [s, quickActions(booking(s), worker, NOW)]));
    expect(offered).toEqual({
      awaiting_payment: [],
      funded: ['start'],
      in_progress: ['deliver'],
      delivered: [],
      changes_requested: ['deliver'],
      completed: [],
      cancelled: [],
      disputed: [],
      resolved: [],
    });
    expect(quickActions(booking('funded', { workerId: 'someone-else' }), worker, NOW)).toEqual([]);
  });

  it('offers Mark delivered only when a part is paid for (or sent back): the next part waiting for payment is refused', () => {
    const part = (status: MilestoneState) => ({ status });
    expect(quickActions(booking('in_progress'), worker, NOW, [part('released'), part('agreed')])).toEqual([]);
    expect(quickActions(booking('in_progress'), worker, NOW, [part('released'), part('payment_pending')])).toEqual([]);
    expect(quickActions(booking('in_progress'), worker, NOW, [part('released'), part('funded')])).toEqual(['deliver']);
    expect(quickActions(booking('changes_requested'), worker, NOW, [part('changes_requested'), part('agreed')])).toEqual(['deliver']);
    // Parts not synced yet: the booking machine alone decides, as before.
    expect(quickActions(booking('in_progress'), worker, NOW, [])).toEqual(['deliver']);
    expect(quickActions(booking('funded'), worker, NOW, [part('funded')])).toEqual(['start']);
  });
});
