// Which gig actions to offer on the gig's page: asked of the shared gig machine, never of status strings.
import { gigMachine, type GigState } from '@shared/gig-machine';
import type { LatLng } from '@shared/geo';
import { can } from '@shared/machine';
import { gigParties } from '@shared/parties';
import type { Actor } from '@shared/roles';
import type { SkillLevels } from '@shared/skills';

export interface GigForActions {
  clientId: string;
  status: GigState;
  skills: SkillLevels;
  location: LatLng;
  expiresAt?: string | null;
}

export interface GigActions {
  publish: boolean;
  update: boolean;
  cancel: boolean;
}

/** `now` is the device clock: good enough to predict; the server decides with its own. */
export function gigActions(gig: GigForActions, actor: Actor, now: number = Date.now()): GigActions {
  const parties = gigParties(actor, gig);
  const ctx = {
    now,
    gig: { clientId: gig.clientId, skills: gig.skills, location: gig.location, expiresAt: gig.expiresAt ? Date.parse(gig.expiresAt) : null },
  };
  const ok = (event: 'publish' | 'update' | 'cancel') => can(gigMachine, gig.status, event, parties, ctx).ok;
  return { publish: ok('publish'), update: ok('update'), cancel: ok('cancel') };
}
