// What an actor is to a gig or a booking: the parties the state machines decide with, on both sides.
import { hasRole, type Actor, type Party } from './roles';

export function gigParties(actor: Actor, gig: { readonly clientId: string }): Party[] {
  const parties: Party[] = [];
  if (gig.clientId === actor.id) parties.push('client');
  if (hasRole(actor, 'operator')) parties.push('operator');
  if (hasRole(actor, 'admin')) parties.push('admin');
  return parties;
}

/** The side of a booking an actor with these parties takes: the client's first, null for neither (an admin alone). */
export function bookingSide(parties: readonly Party[]): 'client' | 'worker' | null {
  return parties.includes('client') ? 'client' : parties.includes('worker') ? 'worker' : null;
}

export function bookingParties(actor: Actor, booking: { readonly clientId: string; readonly workerId: string }): Party[] {
  const parties: Party[] = [];
  if (booking.clientId === actor.id) parties.push('client');
  if (booking.workerId === actor.id) parties.push('worker');
  if (hasRole(actor, 'admin')) parties.push('admin');
  return parties;
}
