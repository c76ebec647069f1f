// The gig and operator facts the shared gig machine decides with, built from what the device holds. The
// server builds the same facts from its rows (sync-server handlers/gig.ts); this is the device's copy.
import type { GigFacts, OperatorFacts } from '@shared/gig-machine';
import type { LatLng } from '@shared/geo';
import type { SkillLevels } from '@shared/skills';

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
export function operatorFactsOf(id: string, profile: FactsProfile | undefined): OperatorFacts {
  return {
    id,
    skills: profile?.skills ?? {},
    home: profile?.home ?? null,
    serviceRadiusKm: profile?.serviceRadiusKm ?? 0,
    available: profile?.available ?? false,
  };
}
