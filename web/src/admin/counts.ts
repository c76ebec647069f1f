// Counting the marketplace from local data: gigs and bookings by state, people by role, operators available now.
import { ROLES, type Role } from '@shared/roles';

/** How many documents are in each state; every state is present, zero included, so the overview keeps its shape. */
export function countByState<S extends string>(states: readonly S[], docs: readonly { status: S }[]): Record<S, number> {
  const counts = Object.fromEntries(states.map((s) => [s, 0])) as Record<S, number>;
  for (const d of docs) if (d.status in counts) counts[d.status] += 1;
  return counts;
}

/** How many people hold each role; a person with two roles counts under both. */
export function countByRole(profiles: readonly { roles: readonly Role[] }[]): Record<Role, number> {
  const counts = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
  for (const p of profiles) for (const r of new Set(p.roles)) if (r in counts) counts[r] += 1;
  return counts;
}

/** An operator who has switched availability on: who could take a gig right now. */
export const isAvailableOperator = (p: { roles: readonly Role[]; available: boolean }): boolean => p.roles.includes('operator') && p.available;
