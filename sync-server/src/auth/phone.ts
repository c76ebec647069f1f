// Phone numbers as identities: whatever a person typed, normalized to E.164, or null when it is not a real number.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Longer input is not a phone number; refuse it before the parser sees it. */
const MAX_INPUT = 40;

export function normalizePhone(input: string, defaultCountry: string): string | null {
  const trimmed = input.trim();
  if (!trimmed || trimmed.length > MAX_INPUT) return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry.toUpperCase() as CountryCode);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}
