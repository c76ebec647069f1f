// The feed's filter and order: my skills, my radius, not mine, not expired; nearest first; what was left out.
import { describe, expect, it } from 'vitest';
import { distanceKm } from '@shared/geo';
import { buildFeed, type FeedGig, type FeedOperator } from './feed';

const HOME = { lat: 37.7599, lng: -122.4148 };
/** A point `km` north of home (a degree of latitude is ~111.2 km). */
const north = (km: number) => ({ lat: HOME.lat + km / 111.195, lng: HOME.lng });

const me: FeedOperator = { id: 'me', skills: { plumbing: 3, handyman: 2 }, home: HOME, serviceRadiusKm: 10 };
const NOW = Date.parse('2030-01-01T12:00:00Z');

let n = 0;
const gig = (over: Partial<FeedGig> = {}): FeedGig => ({
  id: `g${n++}`,
  clientId: 'someone',
  skills: { plumbing: 2 },
  location: north(1),
  exactLocation: true,
  ...over,
});

describe('buildFeed', () => {
  it('keeps gigs that fit my skills within my radius, nearest first, with their distance', () => {
    const far = gig({ id: 'far', location: north(8) });
    const near = gig({ id: 'near', location: north(0.5) });
    const mid = gig({ id: 'mid', location: north(3), skills: { plumbing: 3, handyman: 1 } });
    const feed = buildFeed([far, near, mid], me, NOW);
    expect(feed.items.map((i) => i.gig.id)).toEqual(['near', 'mid', 'far']);
    expect(feed.items[0]!.distanceKm).toBeCloseTo(0.5, 1);
    expect(feed.items[2]!.distanceKm).toBeCloseTo(8, 1);
    expect(feed).toMatchObject({ hiddenForSkills: 0, hiddenForRange: 0, needsHome: false });
  });

  it('leaves out and counts gigs needing a skill I lack or a higher level than mine', () => {
    const feed = buildFeed([gig({ skills: { electrical: 1 } }), gig({ skills: { plumbing: 4 } }), gig({ id: 'ok' })], me, NOW);
    expect(feed.items.map((i) => i.gig.id)).toEqual(['ok']);
    expect(feed.hiddenForSkills).toBe(2);
    expect(feed.hiddenForRange).toBe(0);
  });

  it('leaves out and counts gigs beyond my radius; the edge itself is inside', () => {
    // Points on the 0.01° grid, as the server sends other people's gigs.
    const edge = gig({ id: 'edge', location: { lat: 37.84, lng: -122.41 } });
    const beyond = gig({ id: 'beyond', location: { lat: 37.85, lng: -122.41 } });
    const feed = buildFeed([edge, beyond], { ...me, serviceRadiusKm: distanceKm(HOME, edge.location) }, NOW);
    expect(feed.items.map((i) => i.gig.id)).toEqual(['edge']);
    expect(feed.hiddenForRange).toBe(1);
  });

  it('counts a gig failing both tests under skills, since a wider radius would not help', () => {
    const feed = buildFeed([gig({ skills: { painting: 1 }, location: north(50) })], me, NOW);
    expect(feed).toMatchObject({ hiddenForSkills: 1, hiddenForRange: 0, items: [] });
  });

  it('judges my radius on a gig’s public point (0.01°), as the server does, whatever point it holds', () => {
    const home = { lat: 37.76, lng: -122.41 }; // on the grid
    const at = (deg: number) => ({ lat: home.lat + deg, lng: home.lng });
    // 9.23 km away, its public point (0.08° north) 8.90 km.
    const roundsIn = gig({ id: 'rounds-in', location: at(0.083) });
    // 9.47 km away, its public point (0.09° north) 10.01 km.
    const roundsOut = gig({ id: 'rounds-out', location: at(0.0852) });
    const shown = (radiusKm: number) => buildFeed([roundsIn, roundsOut], { ...me, home, serviceRadiusKm: radiusKm }, NOW).items.map((i) => i.gig.id);
    expect(shown(9)).toEqual(['rounds-in']);
    expect(shown(9.5)).toEqual(['rounds-in']);
    expect(shown(10.1)).toEqual(['rounds-in', 'rounds-out']);
  });

  it('never shows my own gigs or expired ones, and does not count them as hidden', () => {
    const feed = buildFeed(
      [
        gig({ id: 'mine', clientId: 'me' }),
        gig({ id: 'expired', expiresAt: new Date(NOW - 1000).toISOString() }),
        gig({ id: 'expires-later', expiresAt: new Date(NOW + 60_000).toISOString() }),
      ],
      me,
      NOW,
    );
    expect(feed.items.map((i) => i.gig.id)).toEqual(['expires-later']);
    expect(feed.hiddenForSkills + feed.hiddenForRange).toBe(0);
  });

  it('shows nothing without a home location and says so', () => {
    const feed = buildFeed([gig(), gig({ skills: { cooking: 1 } })], { ...me, home: null }, NOW);
    expect(feed.items).toEqual([]);
    expect(feed).toMatchObject({ needsHome: true, hiddenForSkills: 1, hiddenForRange: 1 });
  });

  it('treats a missing radius as zero, as the server does for a profile without one', () => {
    const feed = buildFeed([gig({ location: north(0.2) })], { ...me, serviceRadiusKm: undefined }, NOW);
    expect(feed.items).toEqual([]);
    expect(feed.hiddenForRange).toBe(1);
  });

  it('orders equal distances by the sooner start, gigs without a start last, then by id', () => {
    const at = north(2);
    const feed = buildFeed(
      [
        gig({ id: 'b-none', location: at }),
        gig({ id: 'late', location: at, startsAt: '2030-01-03T09:00:00Z' }),
        gig({ id: 'a-none', location: at }),
        gig({ id: 'soon', location: at, startsAt: '2030-01-02T09:00:00Z' }),
      ],
      me,
      NOW,
    );
    expect(feed.items.map((i) => i.gig.id)).toEqual(['soon', 'late', 'a-none', 'b-none']);
    expect(distanceKm(HOME, at)).toBeCloseTo(2, 2);
  });
});
