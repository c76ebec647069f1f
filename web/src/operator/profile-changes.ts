// The profile form's edits turned into one profile.update payload: only the fields that really changed.
import type { CommandInput } from '@shared/commands';
import type { LatLng } from '@shared/geo';
import type { Locale } from '@shared/locales';
import { amountRefusal, type CurrencyCode, type Money } from '@shared/money';
import type { SkillLevels } from '@shared/skills';
import { coordinateInputText, moneyInputText, parseMoneyInput } from '../i18n/format';

/** What the form holds for each field while the person edits it (text as typed). */
export interface ProfileDraft {
  displayName: string;
  bio: string;
  skills: SkillLevels;
  lat: string;
  lng: string;
  serviceRadiusKm: string;
  hourlyRate: string;
}
export type DraftField = keyof ProfileDraft;

/** The profile as the device shows it (the optimistic view). */
export interface EditableProfile {
  displayName: string;
  bio: string;
  skills: SkillLevels;
  home?: LatLng;
  serviceRadiusKm?: number;
  hourlyRate?: Money;
}

export type ProfileError = 'nameRequired' | 'nameTooLong' | 'bioTooLong' | 'homeIncomplete' | 'latRange' | 'lngRange' | 'radiusRange' | 'rateInvalid' | 'rateTooBig' | 'rateOffStep';
export type ProfileUpdate = CommandInput<'profile.update'>;

/** Same limits as the shared schema (commands.ts `profile.update`), checked before issuing so nothing is refused for a typo. */
const NAME_MAX = 80;
const BIO_MAX = 1000;
export const RADIUS_MIN = 1;
export const RADIUS_MAX = 200;

/** The form's starting text for a field, from the profile as shown. */
export function draftValue<F extends DraftField>(profile: EditableProfile, field: F, locale: Locale = 'en'): ProfileDraft[F] {
  const values: ProfileDraft = {
    displayName: profile.displayName,
    bio: profile.bio,
    skills: profile.skills,
    lat: profile.home ? coordinateInputText(profile.home.lat, locale) : '',
    lng: profile.home ? coordinateInputText(profile.home.lng, locale) : '',
    serviceRadiusKm: profile.serviceRadiusKm === undefined ? '' : String(profile.serviceRadiusKm),
    hourlyRate: profile.hourlyRate ? moneyInputText(profile.hourlyRate, locale) : '',
  };
  return values[field];
}

const parseNumber = (s: string) => (s.trim() === '' ? NaN : Number(s.trim().replace(',', '.')));

const sameSkills = (a: SkillLevels, b: SkillLevels) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k as keyof SkillLevels] === b[k as keyof SkillLevels]);
};

/**
 * Reads only the edited fields; untouched fields are left to the server's value, so a change made on
 * another device is not overwritten. A field edited back to what it was is not a change.
 */
export function profileChanges(
  profile: EditableProfile,
  edits: Partial<ProfileDraft>,
  currency: CurrencyCode,
): { update: Partial<ProfileUpdate>; errors: Partial<Record<DraftField, ProfileError>> } {
  const update: Partial<ProfileUpdate> = {};
  const errors: Partial<Record<DraftField, ProfileError>> = {};

  if (edits.displayName !== undefined) {
    const name = edits.displayName.trim();
    if (name.length === 0) errors.displayName = 'nameRequired';
    else if (name.length > NAME_MAX) errors.displayName = 'nameTooLong';
    else if (name !== profile.displayName) update.displayName = name;
  }

  if (edits.bio !== undefined) {
    const bio = edits.bio.trim();
    if (bio.length > BIO_MAX) errors.bio = 'bioTooLong';
    else if (bio !== profile.bio) update.bio = bio;
  }

  if (edits.skills !== undefined && !sameSkills(edits.skills, profile.skills)) update.skills = edits.skills;

  if (edits.lat !== undefined || edits.lng !== undefined) {
    const latText = (edits.lat ?? draftValue(profile, 'lat')).trim();
    const lngText = (edits.lng ?? draftValue(profile, 'lng')).trim();
    if (latText === '' && lngText === '') {
      if (profile.home) update.home = null;
    } else {
      const lat = parseNumber(latText);
      const lng = parseNumber(lngText);
      if (latText === '' || lngText === '') errors[latText === '' ? 'lat' : 'lng'] = 'homeIncomplete';
      else if (!(lat >= -90 && lat <= 90)) errors.lat = 'latRange';
      else if (!(lng >= -180 && lng <= 180)) errors.lng = 'lngRange';
      else if (profile.home?.lat !== lat || profile.home?.lng !== lng) update.home = { lat, lng };
    }
  }

  if (edits.serviceRadiusKm !== undefined) {
    const km = parseNumber(edits.serviceRadiusKm);
    if (!(km >= RADIUS_MIN && km <= RADIUS_MAX)) errors.serviceRadiusKm = 'radiusRange';
    else if (km !== profile.serviceRadiusKm) update.serviceRadiusKm = km;
  }

  if (edits.hourlyRate !== undefined) {
    const text = edits.hourlyRate.trim();
    if (text === '') {
      if (profile.hourlyRate) update.hourlyRate = null;
    } else {
      const rate = parseMoneyInput(text, currency);
      const refusal = rate && amountRefusal(rate);
      // The schema wants a positive amount: a rate of zero is "no rate", which is an empty field.
      if (!rate || rate.amount <= 0) errors.hourlyRate = 'rateInvalid';
      // A rate is money like any other: the shared schema holds it to the cap of one charge and the currency's step.
      else if (refusal) errors.hourlyRate = refusal === 'tooBig' ? 'rateTooBig' : 'rateOffStep';
      else if (rate.amount !== profile.hourlyRate?.amount || rate.currency !== profile.hourlyRate.currency) update.hourlyRate = rate;
    }
  }

  return { update, errors };
}
