// What the acting user is to a gig or a booking; state machines decide with these parties.
import { hasRole, type Actor, type Party } from '@shared/roles';
import type { GigRow } from '../store/gigs';
import type { BookingRow } from '../store/bookings';

export function gigParties(actor: Actor, gig: Pick<GigRow, 'clientId'>): Party[] {
  const parties: Party[] = [];
  if (gig.clientId === actor.id) parties.push('client');
  if (hasRole(actor, 'operator')) parties.push('operator');
  if (hasRole(actor, 'admin')) parties.push('admin');
  return parties;
}

export function bookingParties(actor: Actor, booking: Pick<BookingRow, 'clientId' | 'workerId'>): Party[] {
  const parties: Party[] = [];
  if (booking.clientId === actor.id) parties.push('client');
  if (booking.workerId === actor.id) parties.push('worker');
  if (hasRole(actor, 'admin')) parties.push('admin');
  return parties;
}
