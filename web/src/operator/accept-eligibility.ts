// Can I accept this gig? The shared gig machine asked with the facts the server decides with (gig.ts `accept`).
import { gigMachine, gigRejection, type GigState } from '@shared/gig-machine';
import type { LatLng } from '@shared/geo';
import { can } from '@shared/machine';
import { gigParties } from '@shared/parties';
import type { RejectionCode } from '@shared/rejections';
import type { Actor } from '@shared/roles';
import { missingSkills, type Skill, type SkillLevels } from '@shared/skills';
import { gigFactsOf, operatorFactsOf } from '../sync/device-facts';

export { gigFactsOf, operatorFactsOf };

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

/**
 * The machine's answer as a rejection code, in the order the machine checks (gig state, who may act, then
 * the guards: own gig, expiry, availability, skills, area). A prediction by the device clock and the
 * device's copy of the gig; the server decides on its own.
 */
export function acceptEligibility(gig: EligibilityGig, me: Actor, profile: EligibilityProfile | undefined, now: number): Eligibility {
  const operator = operatorFactsOf(me.id, profile);
  const verdict = can(gigMachine, gig.status, 'accept', gigParties(me, gig), { now, gig: gigFactsOf(gig), operator });
  const code = gigRejection(gig.status, 'accept', verdict);
  if (code === null) return { ok: true };
  return { ok: false, code, missing: code === 'skills_mismatch' ? missingSkills(operator.skills, gig.skills) : [] };
}
