// Account roles and the parties an actor can be to one object. Both sides ask these, never strings.

export const ROLES = ['consumer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A party is what an actor is *to a particular object*: the gig's client, the booking's worker, any
 * operator looking at an open gig, an admin, or the server itself (timers, payment events). State
 * machines list which parties may fire each event.
 */
export const PARTIES = ['client', 'worker', 'operator', 'admin', 'system'] as const;
export type Party = (typeof PARTIES)[number];

export interface Actor {
  readonly id: string;
  readonly roles: readonly Role[];
}

export function hasRole(actor: Actor, role: Role): boolean {
  return actor.roles.includes(role);
}
