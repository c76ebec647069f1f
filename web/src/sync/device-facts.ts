// The gig and operator facts the shared gig machine decides with, built from what the device holds. The
// server builds the same facts from its rows (sync-server handlers/gig.ts); this is the device's copy.
import type { GigFacts, OperatorFacts } from '@shared/gig-machine';
import type { LatLng } from '@shared/geo';
import type { SkillLevels } from '@shared/skills';

/**
 * Operators see gig locations rounded to 0.01° (about a kilometre; pull.ts `round2`), while the server
 * judges the area on the exact spot. Within this margin only the server can tell, so the device keeps the
 * gig and lets the server decide rather than hiding or refusing work the operator could take.
 */
export const APPROX_LOCATION_MARGIN_KM = 0.75;

/** The radius a gig must fall within, widened by the rounding of locations the device cannot see exactly. */
export function effectiveRadiusKm(radiusKm: number, exactLocation: boolean): number {
  return exactLocation ? radiusKm : radiusKm + APPROX_LOCATION_MARGIN_KM;
}

export interface FactsGig {
  clientId: string;
  skills: SkillLevels;
  location: LatLng;
  exactLocation: boolean;
  expiresAt?: string | null;
}

export interface FactsProfile {
  skills?: SkillLevels;
  home?: LatLng | null;
  serviceRadiusKm?: number | null;
  available?: boolean;
}

export function gigFactsOf(gig: FactsGig): GigFacts {
  return { clientId: gig.clientId, skills: gig.skills, location: gig.location, expiresAt: gig.expiresAt ? Date.parse(gig.expiresAt) : null };
}

/** As the server builds it from the profile row; no profile: no skills, no home, radius 0, unavailable. */
export function operatorFactsOf(id: string, profile: FactsProfile | undefined, gig: Pick<FactsGig, 'exactLocation'>): OperatorFacts {
  return {
    id,
    skills: profile?.skills ?? {},
    home: profile?.home ?? null,
    serviceRadiusKm: effectiveRadiusKm(profile?.serviceRadiusKm ?? 0, gig.exactLocation),
    available: profile?.available ?? false,
  };
}
