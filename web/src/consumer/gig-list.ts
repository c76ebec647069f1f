// The client's gigs as "My gigs" shows them: newest first, counted and filtered by state.
import { GIG_STATES, type GigState } from '@shared/gig-machine';

export type GigFilter = 'all' | GigState;

interface ListedGig {
  id: string;
  status: GigState;
  createdAt: string;
}

/** Newest first; ids (UUID v7, time-ordered) break ties so the order never flickers. */
export function newestFirst<G extends ListedGig>(gigs: readonly G[]): G[] {
  return [...gigs].sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** How many gigs are in each state, in the lifecycle's order; states with none are left out. */
export function stateCounts(gigs: readonly ListedGig[]): { state: GigState; count: number }[] {
  const counts = new Map<GigState, number>();
  for (const g of gigs) counts.set(g.status, (counts.get(g.status) ?? 0) + 1);
  return GIG_STATES.filter((s) => counts.has(s)).map((state) => ({ state, count: counts.get(state)! }));
}

export function filterGigs<G extends ListedGig>(gigs: readonly G[], filter: GigFilter): G[] {
  return filter === 'all' ? [...gigs] : gigs.filter((g) => g.status === filter);
}
