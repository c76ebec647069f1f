// The gig lifecycle as a table: draft → open → assigned → closed, with cancel and expiry.
import type { MachineTable, Verdict } from './machine';
import type { RejectionCode } from './rejections';
import { publicPoint, withinRadius, type LatLng } from './geo';
import { skillsFit, type SkillLevels } from './skills';

export const GIG_STATES = ['draft', 'open', 'assigned', 'closed', 'cancelled', 'expired'] as const;
export type GigState = (typeof GIG_STATES)[number];

export const GIG_EVENTS = ['publish', 'update', 'accept', 'cancel', 'expire', 'reopen', 'close'] as const;
export type GigEvent = (typeof GIG_EVENTS)[number];

export interface GigFacts {
  readonly clientId: string;
  readonly skills: SkillLevels;
  readonly location: LatLng;
  /** Epoch ms; null means the gig stays open until filled or cancelled. */
  readonly expiresAt: number | null;
}

export interface OperatorFacts {
  readonly id: string;
  readonly skills: SkillLevels;
  readonly home: LatLng | null;
  readonly serviceRadiusKm: number;
  readonly available: boolean;
}

/** What the guards look at. `now` comes from the server when deciding, from the device when predicting. */
export interface GigContext {
  readonly now: number;
  readonly gig: GigFacts;
  readonly operator?: OperatorFacts;
}

export const GIG_GUARDS = ['notExpired', 'notOwnGig', 'operatorAvailable', 'skillsFit', 'withinServiceArea'] as const;
export type GigGuard = (typeof GIG_GUARDS)[number];

export const gigMachine = {
  name: 'gig',
  states: GIG_STATES,
  terminal: ['closed', 'cancelled', 'expired'],
  events: {
    publish: { by: ['client'], guards: ['notExpired'] },
    update: { by: ['client'] },
    // Guard order is the order a worker would want to hear about problems.
    accept: { by: ['operator'], guards: ['notOwnGig', 'notExpired', 'operatorAvailable', 'skillsFit', 'withinServiceArea'] },
    cancel: { by: ['client', 'admin'] },
    expire: { by: ['system'] },
    // Fired by the server when the gig's booking is cancelled (a past-due gig then expires as usual) or finishes.
    reopen: { by: ['system'] },
    close: { by: ['system'] },
  },
  transitions: {
    draft: { publish: 'open', update: 'draft', cancel: 'cancelled', expire: 'expired' },
    open: { update: 'open', accept: 'assigned', cancel: 'cancelled', expire: 'expired' },
    assigned: { reopen: 'open', close: 'closed' },
    closed: {},
    cancelled: {},
    expired: {},
  },
  guards: {
    notExpired: ({ now, gig }) => gig.expiresAt === null || now < gig.expiresAt,
    notOwnGig: ({ gig, operator }) => operator !== undefined && operator.id !== gig.clientId,
    operatorAvailable: ({ operator }) => operator?.available === true,
    skillsFit: ({ gig, operator }) => operator !== undefined && skillsFit(operator.skills, gig.skills),
    withinServiceArea: ({ gig, operator }) =>
      operator?.home != null && withinRadius(operator.home, operator.serviceRadiusKm, publicPoint(gig.location)),
  },
} as const satisfies MachineTable<GigState, GigEvent, GigGuard, GigContext>;

/** What a failed guard means to the person who tried. */
export const GIG_GUARD_REJECTIONS = {
  notExpired: 'gig_expired',
  notOwnGig: 'own_gig',
  operatorAvailable: 'operator_unavailable',
  skillsFit: 'skills_mismatch',
  withinServiceArea: 'out_of_area',
} as const satisfies Record<GigGuard, RejectionCode>;

/** The rejection code for a refused gig event, the same on the device (predicting) and the server (deciding). */
export function gigRejection(state: GigState, event: GigEvent, verdict: Verdict<GigState, GigGuard>): RejectionCode | null {
  if (verdict.ok) return null;
  if (verdict.why === 'guard_failed') return GIG_GUARD_REJECTIONS[verdict.guard];
  if (verdict.why === 'not_permitted') return 'forbidden';
  if (state === 'expired') return 'gig_expired';
  if (event === 'accept' && (state === 'assigned' || state === 'closed')) return 'gig_taken';
  if (event === 'accept' && state === 'cancelled') return 'gig_cancelled';
  // The client's change or cancel that lost to an operator's accept (sent offline, say): the booking stands.
  if ((event === 'update' || event === 'cancel') && state === 'assigned') return 'gig_booked';
  return 'invalid_state';
}
