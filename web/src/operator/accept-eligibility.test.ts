// Accept eligibility: the shared gig machine's answer, with the facts the server builds, as a reason code.
import { describe, expect, it } from 'vitest';
import { GIG_STATES } from '@shared/gig-machine';
import type { Actor } from '@shared/roles';
import { acceptEligibility, operatorFactsOf, type EligibilityGig, type EligibilityProfile } from './accept-eligibility';
import { missingForAvailability } from './readiness';

const HOME = { lat: 37.7599, lng: -122.4148 };
const north = (km: number) => ({ lat: HOME.lat + km / 111.195, lng: HOME.lng });
const NOW = Date.parse('2030-01-01T12:00:00Z');

const operator: Actor = { id: 'op', roles: ['consumer', 'operator'] };
const profile: EligibilityProfile = { skills: { plumbing: 3 }, home: HOME, serviceRadiusKm: 10, available: true };
const gig = (over: Partial<EligibilityGig> = {}): EligibilityGig => ({
  clientId: 'client',
  status: 'open',
  skills: { plumbing: 2 },
  location: north(2),
  exactLocation: false,
  ...over,
});

describe('acceptEligibility', () => {
  it('allows an open gig that fits an available operator', () => {
    expect(acceptEligibility(gig(), operator, profile, NOW)).toEqual({ ok: true });
  });

  it('refuses my own gig first, even when other guards fail too', () => {
    const own = gig({ clientId: 'op', skills: { electrical: 5 } });
    expect(acceptEligibility(own, operator, { ...profile, available: false }, NOW)).toMatchObject({ ok: false, code: 'own_gig' });
  });

  it('refuses an expired gig by the given clock', () => {
    const g = gig({ expiresAt: new Date(NOW - 1).toISOString() });
    expect(acceptEligibility(g, operator, profile, NOW)).toMatchObject({ ok: false, code: 'gig_expired' });
    expect(acceptEligibility(g, operator, profile, NOW - 10)).toEqual({ ok: true });
  });

  it('asks an unavailable operator to switch availability on before anything about skills or area', () => {
    const g = gig({ skills: { electrical: 5 }, location: north(500) });
    expect(acceptEligibility(g, operator, { ...profile, available: false }, NOW)).toMatchObject({ ok: false, code: 'operator_unavailable' });
  });

  it('names the skills I lack or hold below the level', () => {
    const g = gig({ skills: { plumbing: 4, handyman: 1 } });
    expect(acceptEligibility(g, operator, profile, NOW)).toEqual({ ok: false, code: 'skills_mismatch', missing: ['plumbing', 'handyman'] });
  });

  it('refuses a gig outside my service area, and any gig when I have no home', () => {
    expect(acceptEligibility(gig({ location: north(15) }), operator, profile, NOW)).toMatchObject({ ok: false, code: 'out_of_area' });
    expect(acceptEligibility(gig(), operator, { ...profile, home: undefined }, NOW)).toMatchObject({ ok: false, code: 'out_of_area' });
  });

  it('judges the area on the gig’s public point (0.01°), as the server does', () => {
    const home = { lat: 37.76, lng: -122.41 }; // on the grid
    const at = (deg: number) => ({ lat: home.lat + deg, lng: home.lng });
    // 9.23 km away, its public point 8.90 km; 9.47 km away, its public point 10.01 km.
    expect(acceptEligibility(gig({ location: at(0.083) }), operator, { ...profile, home, serviceRadiusKm: 9 }, NOW)).toEqual({ ok: true });
    expect(acceptEligibility(gig({ location: at(0.0852) }), operator, { ...profile, home, serviceRadiusKm: 9.5 }, NOW)).toMatchObject({ code: 'out_of_area' });
  });

  it('treats a missing profile as the server treats a missing profile row: unavailable', () => {
    expect(acceptEligibility(gig(), operator, undefined, NOW)).toMatchObject({ ok: false, code: 'operator_unavailable' });
    expect(operatorFactsOf('op', undefined)).toEqual({ id: 'op', skills: {}, home: null, serviceRadiusKm: 0, available: false });
  });

  it('refuses a user without the operator role', () => {
    expect(acceptEligibility(gig(), { id: 'op', roles: ['consumer'] }, profile, NOW)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('says a taken gig is taken, a cancelled one cancelled, and any other non-open gig is no longer acceptable', () => {
    const codes = Object.fromEntries(GIG_STATES.map((s) => [s, acceptEligibility(gig({ status: s }), operator, profile, NOW)]));
    expect(codes).toMatchObject({
      open: { ok: true },
      assigned: { ok: false, code: 'gig_taken' },
      closed: { ok: false, code: 'gig_taken' },
      expired: { ok: false, code: 'gig_expired' },
      cancelled: { ok: false, code: 'gig_cancelled' },
      draft: { ok: false, code: 'invalid_state' },
    });
  });
});

describe('missingForAvailability', () => {
  it('needs at least one skill and a home, as the server does', () => {
    expect(missingForAvailability({ skills: {}, home: undefined })).toEqual(['skills', 'home']);
    expect(missingForAvailability({ skills: { cooking: 1 } })).toEqual(['home']);
    expect(missingForAvailability({ skills: {}, home: HOME })).toEqual(['skills']);
    expect(missingForAvailability({ skills: { cooking: 1 }, home: HOME })).toEqual([]);
  });
});
