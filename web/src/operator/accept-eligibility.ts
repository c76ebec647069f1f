// Can I accept this gig? The shared gig machine asked with the facts the server decides with (gig.ts `accept`).
import { gigMachine, gigRejection, type GigFacts, type GigState, type OperatorFacts } from '@shared/gig-machine';
import type { LatLng } from '@shared/geo';
import { can } from '@shared/machine';
import { gigParties } from '@shared/parties';
import type { RejectionCode } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { missingSkills, type Skill, type SkillLevels } from '@shared/skills';
import { effectiveRadiusKm } from './feed';

export interface EligibilityGig {
  clientId: string;
  status: GigState;
  skills: SkillLevels;
  location: LatLng;
  exactLocation: boolean;
  expiresAt?: string;
}

export interface EligibilityProfile {
  skills: SkillLevels;
  home?: LatLng;
  serviceRadiusKm?: number;
  available: boolean;
}

export type Eligibility =
  | { ok: true }
  | { ok: false; code: RejectionCode; /** For skills_mismatch: what the profile lacks. */ missing: Skill[] };

/** The gig as the server's `gigFacts` builds it. */
export function gigFactsOf(gig: EligibilityGig): GigFacts {
  return { clientId: gig.clientId, skills: gig.skills, location: gig.location, expiresAt: gig.expiresAt ? Date.parse(gig.expiresAt) : null };
}

/**
 * The operator as the server's `operatorFacts` builds it from their profile row (no row: no skills, no
 * home, radius 0, unavailable). The radius is widened only where the device sees a rounded location:
 * see APPROX_LOCATION_MARGIN_KM; at the true edge the server has the last word.
 */
export function operatorFactsOf(id: string, profile: EligibilityProfile | undefined, gig: Pick<EligibilityGig, 'exactLocation'>): OperatorFacts {
  return {
    id,
    skills: profile?.skills ?? {},
    home: profile?.home ?? null,
    serviceRadiusKm: effectiveRadiusKm(profile?.serviceRadiusKm ?? 0, gig.exactLocation),
    available: profile?.available ?? false,
  };
}

/**
 * The machine's answer as a rejection code, in the order the machine checks (gig state, who may act, then
 * the guards: own gig, expiry, availability, skills, area). A prediction by the device clock and the
 * device's copy of the gig; the server decides on its own.
 */
export function acceptEligibility(gig: EligibilityGig, me: Actor, profile: EligibilityProfile | undefined, now: number): Eligibility {
  const operator = operatorFactsOf(me.id, profile, gig);
  const verdict = can(gigMachine, gig.status, 'accept', gigParties(me, gig), { now, gig: gigFactsOf(gig), operator });
  const code = gigRejection(gig.status, 'accept', verdict);
  if (code === null) return { ok: true };
  return { ok: false, code, missing: code === 'skills_mismatch' ? missingSkills(operator.skills, gig.skills) : [] };
}
