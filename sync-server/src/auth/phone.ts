// Phone numbers as identities: whatever a person typed, normalized to E.164, or why it cannot sign anyone in.
// The full metadata ("max") knows each number's type, which the default metadata does not.
import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

/** Longer input is not a phone number; refuse it before the parser sees it. */
const MAX_INPUT = 40;

/**
 * Numbers that a sign-in code cannot reach by SMS, or should not: landlines, pagers and voicemail take no
 * texts, and premium-rate, shared-cost and toll-free numbers bill the sender (texting codes to numbers one
 * controls is a known way to run up a service's SMS bill). Mobile numbers pass, and so do the ranges a
 * country shares between landlines and mobiles (all of the US and Canada), VoIP and personal numbers.
 */
const NOT_TEXTABLE: ReadonlySet<NumberType> = new Set(['FIXED_LINE', 'PAGER', 'VOICEMAIL', 'UAN', 'PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE']);

export type PhoneCheck = { ok: true; phone: string } | { ok: false; reason: 'invalid' | 'not_textable' };

export function checkPhone(input: string, defaultCountry: string): PhoneCheck {
  const trimmed = input.trim();
  if (!trimmed || trimmed.length > MAX_INPUT) return { ok: false, reason: 'invalid' };
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry.toUpperCase() as CountryCode);
  if (!parsed?.isValid()) return { ok: false, reason: 'invalid' };
  const type = parsed.getType();
  if (type && NOT_TEXTABLE.has(type)) return { ok: false, reason: 'not_textable' };
  return { ok: true, phone: parsed.number };
}

/** The E.164 form of a number a code can be texted to, or null. */
export function normalizePhone(input: string, defaultCountry: string): string | null {
  const checked = checkPhone(input, defaultCountry);
  return checked.ok ? checked.phone : null;
}
