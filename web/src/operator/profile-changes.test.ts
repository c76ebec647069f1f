// The profile form's edits to a profile.update payload: only real changes, validated like the shared schema.
import { describe, expect, it } from 'vitest';
import { commandPayloads } from '@shared/commands';
import { moneyInputText } from '../i18n/format';
import { draftValue, profileChanges, type EditableProfile } from './profile-changes';

const profile: EditableProfile = {
  displayName: 'Omar Operator',
  bio: 'Plumber',
  skills: { plumbing: 4, handyman: 3 },
  home: { lat: 37.7599, lng: -122.4148 },
  serviceRadiusKm: 15,
  hourlyRate: { amount: 4500, currency: 'USD' },
};
const changes = (edits: Parameters<typeof profileChanges>[1]) => profileChanges(profile, edits, 'USD');

describe('profileChanges', () => {
  it('sends nothing for untouched fields or fields edited back to their value', () => {
    expect(changes({})).toEqual({ update: {}, errors: {} });
    expect(changes({ displayName: ' Omar Operator ', skills: { handyman: 3, plumbing: 4 }, lat: '37.7599', serviceRadiusKm: '15', hourlyRate: '45.00' })).toEqual({
      update: {},
      errors: {},
    });
  });

  it('sends only the changed fields, parsed, and the payload passes the shared schema', () => {
    const { update, errors } = changes({ displayName: 'Omar O.', serviceRadiusKm: '22,5', hourlyRate: '50', bio: 'Plumber' });
    expect(errors).toEqual({});
    expect(update).toEqual({ displayName: 'Omar O.', serviceRadiusKm: 22.5, hourlyRate: { amount: 5000, currency: 'USD' } });
    expect(commandPayloads['profile.update'].safeParse(update).success).toBe(true);
  });

  it('sends skills whole when one is added, removed or re-levelled', () => {
    expect(changes({ skills: { plumbing: 4 } }).update).toEqual({ skills: { plumbing: 4 } });
    expect(changes({ skills: { plumbing: 5, handyman: 3 } }).update).toEqual({ skills: { plumbing: 5, handyman: 3 } });
  });

  it('sends a new home from either coordinate, and null when both are cleared', () => {
    expect(changes({ lng: '-122.5' }).update).toEqual({ home: { lat: 37.7599, lng: -122.5 } });
    expect(changes({ lat: '', lng: '' }).update).toEqual({ home: null });
    expect(changes({ lat: '' }).errors).toEqual({ lat: 'homeIncomplete' });
    expect(changes({ lat: '91' }).errors).toEqual({ lat: 'latRange' });
    expect(changes({ lng: '-181' }).errors).toEqual({ lng: 'lngRange' });
  });

  it('checks the radius (1–200 km), the name and the rate before anything is issued', () => {
    expect(changes({ serviceRadiusKm: '0' }).errors).toEqual({ serviceRadiusKm: 'radiusRange' });
    expect(changes({ serviceRadiusKm: '201' }).errors).toEqual({ serviceRadiusKm: 'radiusRange' });
    expect(changes({ serviceRadiusKm: 'far' }).errors).toEqual({ serviceRadiusKm: 'radiusRange' });
    expect(changes({ displayName: '  ' }).errors).toEqual({ displayName: 'nameRequired' });
    expect(changes({ hourlyRate: '12.345' }).errors).toEqual({ hourlyRate: 'rateInvalid' });
    expect(changes({ hourlyRate: '0' }).errors).toEqual({ hourlyRate: 'rateInvalid' });
    // Refused by the shared schema as any amount: more than one charge, or off the currency's step (KWD in 0.010).
    expect(changes({ hourlyRate: '1000000' }).errors).toEqual({ hourlyRate: 'rateTooBig' });
    expect(profileChanges(profile, { hourlyRate: '12.345' }, 'KWD').errors).toEqual({ hourlyRate: 'rateOffStep' });
    const fils = profileChanges(profile, { hourlyRate: '12.34' }, 'KWD');
    expect(fils).toEqual({ update: { hourlyRate: { amount: 12_340, currency: 'KWD' } }, errors: {} });
    expect(commandPayloads['profile.update'].safeParse(fils.update).success).toBe(true);
    const mixed = changes({ displayName: 'New', serviceRadiusKm: '0' });
    expect(mixed.update).toEqual({ displayName: 'New' });
    expect(mixed.errors).toEqual({ serviceRadiusKm: 'radiusRange' });
  });

  it('clears the rate with an empty field, and only when there was one', () => {
    expect(changes({ hourlyRate: ' ' }).update).toEqual({ hourlyRate: null });
    expect(profileChanges({ ...profile, hourlyRate: undefined }, { hourlyRate: '' }, 'USD').update).toEqual({});
  });
});

describe('draft values', () => {
  it('shows amounts as typed, with the locale decimal mark and no float', () => {
    expect(moneyInputText({ amount: 4505, currency: 'USD' }, 'en')).toBe('45.05');
    expect(moneyInputText({ amount: 5, currency: 'USD' }, 'es')).toBe('0,05');
    expect(moneyInputText({ amount: 1200, currency: 'JPY' }, 'en')).toBe('1200');
    expect(moneyInputText({ amount: 1500050, currency: 'KWD' }, 'es')).toBe('1500,050');
    expect(draftValue(profile, 'hourlyRate', 'es')).toBe('45,00');
    expect(draftValue({ ...profile, home: undefined }, 'lat')).toBe('');
    // Coordinates too, as the forms' examples write them.
    expect(draftValue({ ...profile, home: { lat: 37.7485, lng: -122.418 } }, 'lat', 'es')).toBe('37,7485');
    expect(draftValue({ ...profile, home: { lat: 37.7485, lng: -122.418 } }, 'lng', 'en')).toBe('-122.418');
    expect(draftValue(profile, 'serviceRadiusKm')).toBe('15');
  });
});
