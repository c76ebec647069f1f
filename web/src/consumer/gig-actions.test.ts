// Which actions the gig page offers, as the gig machine answers for each state and viewer.
import { describe, expect, it } from 'vitest';
import { GIG_STATES } from '@shared/gig-machine';
import { gigActions } from './gig-actions';

const CLIENT = { id: 'client-1', roles: ['consumer'] as const };
const OTHER = { id: 'other-1', roles: ['consumer', 'operator'] as const };
const NOW = Date.parse('2030-01-01T00:00:00Z');
const gig = (status: (typeof GIG_STATES)[number], expiresAt: string | null = null) => ({
  clientId: CLIENT.id,
  status,
  skills: { plumbing: 1 as const },
  location: { lat: 37.7, lng: -122.4 },
  expiresAt,
});

describe('gigActions', () => {
  it('offers the client publish on drafts, edit and cancel while draft or open, nothing after', () => {
    const offered = Object.fromEntries(GIG_STATES.map((s) => [s, gigActions(gig(s), CLIENT, NOW)]));
    expect(offered).toEqual({
      draft: { publish: true, update: true, cancel: true },
      open: { publish: false, update: true, cancel: true },
      assigned: { publish: false, update: false, cancel: false },
      closed: { publish: false, update: false, cancel: false },
      cancelled: { publish: false, update: false, cancel: false },
      expired: { publish: false, update: false, cancel: false },
    });
  });

  it('does not offer publishing a draft whose expiry has passed', () => {
    expect(gigActions(gig('draft', '2029-12-31T00:00:00Z'), CLIENT, NOW).publish).toBe(false);
  });

  it('offers nothing to someone who is not the gig’s client', () => {
    expect(gigActions(gig('open'), OTHER, NOW)).toEqual({ publish: false, update: false, cancel: false });
  });
});
