// Counting the marketplace and ordering its lists: pure functions over plain documents.
import { describe, expect, it } from 'vitest';
import { BOOKING_STATES } from '@shared/booking-machine';
import { GIG_STATES } from '@shared/gig-machine';
import { countByRole, countByState, isAvailableOperator } from './counts';
import { newestFirst, pickState } from './state-list';

describe('countByState', () => {
  it('counts each state and lists the empty ones as zero', () => {
    const counts = countByState(GIG_STATES, [{ status: 'open' }, { status: 'open' }, { status: 'assigned' }]);
    expect(counts).toEqual({ draft: 0, open: 2, assigned: 1, closed: 0, cancelled: 0, expired: 0 });
  });

  it('ignores a state this app version does not know instead of inventing a key', () => {
    const counts = countByState(BOOKING_STATES, [{ status: 'funded' }, { status: 'refunded' as never }]);
    expect(counts.funded).toBe(1);
    expect(Object.keys(counts)).toEqual([...BOOKING_STATES]);
  });
});

describe('countByRole', () => {
  it('counts a person under each of their roles, once each', () => {
    const counts = countByRole([{ roles: ['consumer', 'admin'] }, { roles: ['consumer', 'operator'] }, { roles: ['operator', 'operator'] }]);
    expect(counts).toEqual({ consumer: 2, operator: 2, admin: 1 });
  });
});

describe('isAvailableOperator', () => {
  it('needs both the operator role and availability switched on', () => {
    expect(isAvailableOperator({ roles: ['operator'], available: true })).toBe(true);
    expect(isAvailableOperator({ roles: ['operator'], available: false })).toBe(false);
    // A former operator whose availability flag was left on is not available work capacity.
    expect(isAvailableOperator({ roles: ['consumer'], available: true })).toBe(false);
  });
});

describe('newestFirst', () => {
  it('orders by creation time, newest first, ties by id, without touching the input', () => {
    const docs = [
      { id: 'b', createdAt: '2026-11-19T10:00:00.000Z' },
      { id: 'c', createdAt: '2026-11-20T10:00:00.000Z' },
      { id: 'a', createdAt: '2026-11-19T10:00:00.000Z' },
    ];
    expect(newestFirst(docs).map((d) => d.id)).toEqual(['c', 'a', 'b']);
    expect(docs.map((d) => d.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('pickState', () => {
  it('accepts only a known state', () => {
    expect(pickState(GIG_STATES, 'open')).toBe('open');
    expect(pickState(GIG_STATES, 'OPEN')).toBeUndefined();
    expect(pickState(GIG_STATES, 'awaiting_payment')).toBeUndefined();
    expect(pickState(GIG_STATES, null)).toBeUndefined();
  });
});
