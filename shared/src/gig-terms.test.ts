// The digest of a gig's terms: the same for the server's row and the device's document of one gig, and
// different as soon as any term an operator agrees to differs.
import { describe, expect, it } from 'vitest';
import { gigTermsDigest, type GigTerms } from './gig-terms';

const terms: GigTerms = {
  title: 'Fix the tap', description: 'Kitchen tap drips.', skills: { plumbing: 2, handyman: 1 },
  budget: { amount: 15000, currency: 'USD' }, location: { lat: 37.76941, lng: -122.48618 }, startsAt: new Date('2026-11-23T09:00:00Z'),
};

describe('gigTermsDigest', () => {
  it('is what the device computes from what it was sent: the public point, the time as text, skills in any order', () => {
    const device: GigTerms = { ...terms, skills: { handyman: 1, plumbing: 2 }, location: { lat: 37.77, lng: -122.49 }, startsAt: '2026-11-23T09:00:00.000Z' };
    expect(gigTermsDigest(device)).toBe(gigTermsDigest(terms));
    expect(gigTermsDigest(terms)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with every term an operator agrees to', () => {
    const changed: GigTerms[] = [
      { ...terms, title: 'Fix the tap AND re-tile the floor' },
      { ...terms, description: 'Kitchen tap drips. Bring tiles.' },
      { ...terms, skills: { plumbing: 3, handyman: 1 } },
      { ...terms, budget: { amount: 4000, currency: 'USD' } },
      { ...terms, budget: { amount: 15000, currency: 'EUR' } },
      { ...terms, location: { lat: 37.78, lng: -122.49 } },
      { ...terms, startsAt: null },
    ];
    const digests = new Set([terms, ...changed].map(gigTermsDigest));
    expect(digests.size).toBe(changed.length + 1);
  });
});
