// "My gigs" ordering and filtering.
import { describe, expect, it } from 'vitest';
import { filterGigs, newestFirst, stateCounts } from './gig-list';

const g = (id: string, status: 'open' | 'assigned' | 'cancelled' | 'draft', createdAt: string) => ({ id, status, createdAt });
const gigs = [g('a', 'open', '2030-01-01T10:00:00Z'), g('b', 'assigned', '2030-01-03T10:00:00Z'), g('c', 'open', '2030-01-02T10:00:00Z'), g('d', 'cancelled', '2030-01-02T10:00:00Z')];

describe('my gigs list', () => {
  it('puts the newest first, ids breaking ties', () => {
    expect(newestFirst(gigs).map((x) => x.id)).toEqual(['b', 'd', 'c', 'a']);
  });

  it('counts states in lifecycle order and filters by one', () => {
    expect(stateCounts(gigs)).toEqual([
      { state: 'open', count: 2 },
      { state: 'assigned', count: 1 },
      { state: 'cancelled', count: 1 },
    ]);
    expect(filterGigs(gigs, 'open').map((x) => x.id)).toEqual(['a', 'c']);
    expect(filterGigs(gigs, 'all')).toHaveLength(4);
    expect(filterGigs(gigs, 'draft')).toEqual([]);
  });
});
