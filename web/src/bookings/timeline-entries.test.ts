// Which history entries and actions still wait for the server.
import { describe, expect, it } from 'vitest';
import type { TimelineEntryDoc } from '@shared/replication';
import { pendingActions, timelineRows } from './timeline-entries';

const ME = 'me-1';
const timeline: TimelineEntryDoc[] = [
  { at: '2030-01-01T10:00:00.000Z', event: 'created', status: 'awaiting_payment', by: 'worker', actorId: ME },
  { at: '2030-01-01T11:00:00.000Z', event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
  { at: '2030-01-01T12:00:00.000Z', event: 'start', status: 'in_progress', by: 'worker', actorId: ME },
];

describe('timelineRows', () => {
  it('marks only my entries made by a pending booking command', () => {
    const pending = [
      { type: 'booking.start', issuedAt: '2030-01-01T12:00:00.000Z' },
      // A message issued at the same instant is not a step of the booking.
      { type: 'message.send', issuedAt: '2030-01-01T10:00:00.000Z' },
    ];
    expect(timelineRows(timeline, pending, ME).map((r) => r.pending)).toEqual([false, false, true]);
    expect(timelineRows(timeline, pending, 'someone-else').map((r) => r.pending)).toEqual([false, false, false]);
  });
});

describe('pendingActions', () => {
  it('collects the booking actions with commands on their way', () => {
    const set = pendingActions([{ type: 'booking.deliver', issuedAt: '' }, { type: 'message.send', issuedAt: '' }, { type: 'gig.post', issuedAt: '' }]);
    expect([...set]).toEqual(['deliver']);
  });
});
