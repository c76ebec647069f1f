// The operator's feed: open gigs that fit my skills within my service radius, nearest first, plus what was left out.
import { distanceKm, publicPoint, type LatLng } from '@shared/geo';
import { skillsFit, type SkillLevels } from '@shared/skills';

export interface FeedGig {
  id: string;
  clientId: string;
  skills: SkillLevels;
  location: LatLng;
  exactLocation: boolean;
  expiresAt?: string;
  startsAt?: string;
}

export interface FeedOperator {
  id: string;
  skills: SkillLevels;
  home?: LatLng | null;
  serviceRadiusKm?: number | null;
}

export interface FeedItem<G> {
  gig: G;
  distanceKm: number;
}

export interface Feed<G> {
  items: FeedItem<G>[];
  /** Open gigs left out because they need skills (or levels) my profile does not list. */
  hiddenForSkills: number;
  /** Open gigs my skills fit but that lie outside my service radius. */
  hiddenForRange: number;
  /** Without a home location no distance can be judged, so nothing is shown. */
  needsHome: boolean;
}

/**
 * `gigs` are the open gigs on the device (the caller queries status "open"). Leaves out my own gigs and
 * those past their expiry by the device clock (the server expires them soon); a gig failing both the
 * skills and the range test counts under skills, since a wider radius would not make it takeable.
 */
export function buildFeed<G extends FeedGig>(gigs: readonly G[], me: FeedOperator, now: number): Feed<G> {
  const home = me.home ?? null;
  const radius = me.serviceRadiusKm ?? 0;
  const items: FeedItem<G>[] = [];
  let hiddenForSkills = 0;
  let hiddenForRange = 0;
  for (const gig of gigs) {
    if (gig.clientId === me.id) continue;
    if (gig.expiresAt && Date.parse(gig.expiresAt) <= now) continue;
    if (!skillsFit(me.skills, gig.skills)) {
      hiddenForSkills++;
      continue;
    }
    if (!home) {
      hiddenForRange++;
      continue;
    }
    // The area is judged on the public point, as the server judges it; the device holds no other for gigs not its own.
    if (distanceKm(home, publicPoint(gig.location)) > radius) {
      hiddenForRange++;
      continue;
    }
    items.push({ gig, distanceKm: distanceKm(home, gig.location) });
  }
  items.sort(nearestFirst);
  return { items, hiddenForSkills, hiddenForRange, needsHome: home === null };
}

/** Nearest first; equal distances by the sooner start (gigs without a start last), then by id for a stable list. */
function nearestFirst<G extends FeedGig>(a: FeedItem<G>, b: FeedItem<G>): number {
  if (a.distanceKm !== b.distanceKm) return a.distanceKm - b.distanceKm;
  const sa = a.gig.startsAt ? Date.parse(a.gig.startsAt) : Infinity;
  const sb = b.gig.startsAt ? Date.parse(b.gig.startsAt) : Infinity;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.gig.id < b.gig.id ? -1 : a.gig.id > b.gig.id ? 1 : 0;
}
