// Why the server refused a step of signing in. The reason travels as `details.reason` of the error, beside
// an English sentence for people using the API by hand; the app words each reason in the person's language.

export const SIGN_IN_REFUSALS = [
  /** The number is not a phone number libphonenumber can place. */
  'invalid_phone',
  /** The code sent is not six digits. */
  'code_format',
  /** The code does not match; `attemptsLeft` more tries on it (0: it is dead now). */
  'wrong_code',
  'too_many_attempts',
  'expired_or_used',
  'account_closed',
  /** The SMS provider failed; nothing was sent. */
  'sms_failed',
  /** Rate limits, each with `retryAfterSeconds`. */
  'codes_from_network',
  'codes_to_number',
  'tries_from_network',
  'tries_for_number',
] as const;
export type SignInRefusal = (typeof SIGN_IN_REFUSALS)[number];

export interface SignInRefusalDetails {
  reason: SignInRefusal;
  attemptsLeft?: number;
  retryAfterSeconds?: number;
}

/** The refusal in an error's `details`, when it names one of ours. */
export function signInRefusalOf(details: unknown): SignInRefusalDetails | undefined {
  if (!details || typeof details !== 'object') return undefined;
  const { reason, attemptsLeft, retryAfterSeconds } = details as Record<string, unknown>;
  if (!(SIGN_IN_REFUSALS as readonly unknown[]).includes(reason)) return undefined;
  const count = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined);
  return { reason: reason as SignInRefusal, attemptsLeft: count(attemptsLeft), retryAfterSeconds: count(retryAfterSeconds) };
}
