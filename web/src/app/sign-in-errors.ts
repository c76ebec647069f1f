// What the sign-in screen says when a step fails: the server's reason in the person's language, or its own
// sentence for anything the app has no words for.
import { signInRefusalOf, type SignInRefusal } from '@shared/sign-in';
import type { Translate } from '../i18n/i18n';
import { AuthError } from './auth-api';
import type { appMessages } from './messages';

type Key = keyof typeof appMessages.en;

const PLAIN: Partial<Record<SignInRefusal, Key>> = {
  invalid_phone: 'signInInvalidPhone',
  code_format: 'signInCodeFormat',
  too_many_attempts: 'signInTooManyAttempts',
  expired_or_used: 'signInExpired',
  account_closed: 'signInAccountClosed',
  sms_failed: 'signInSmsFailed',
};

const WAIT: Partial<Record<SignInRefusal, Key>> = {
  codes_from_network: 'signInCodesFromNetwork',
  codes_to_number: 'signInCodesToNumber',
  tries_from_network: 'signInTriesFromNetwork',
  tries_for_number: 'signInTriesForNumber',
};

/** Six digits, as people type or paste them ("123 456", "123-456"): the server reads the code the same way. */
export const isCodeShaped = (code: string) => /^\d{6}$/.test(code.replace(/[\s-]/g, ''));

/**
 * Whether only a new code can get the person in now: the one they have is used, expired or out of tries. The
 * screen then offers "Send a new code" beside the sentence rather than leaving them to find it.
 */
export function needsNewCode(err: unknown): boolean {
  const refusal = err instanceof AuthError ? signInRefusalOf(err.details) : undefined;
  switch (refusal?.reason) {
    case 'expired_or_used':
    case 'too_many_attempts':
      return true;
    case 'wrong_code':
      return (refusal.attemptsLeft ?? 0) === 0;
    default:
      return false;
  }
}

export function signInErrorText(err: unknown, t: Translate<Key>): string {
  if (err instanceof AuthError && err.code === 'network') return t('offlineSignIn');
  if (err instanceof AuthError && err.code === 'timeout') return t('signInNoAnswer');
  const refusal = err instanceof AuthError ? signInRefusalOf(err.details) : undefined;
  if (refusal) {
    const { reason, attemptsLeft = 0, retryAfterSeconds = 60 } = refusal;
    if (reason === 'wrong_code')
      return attemptsLeft === 0 ? t('signInWrongCodeLast') : attemptsLeft === 1 ? t('signInWrongCodeOne') : t('signInWrongCode', { n: attemptsLeft });
    const plain = PLAIN[reason];
    if (plain) return t(plain);
    const wait = WAIT[reason];
    if (wait) return t(wait, { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
  }
  return err instanceof Error ? err.message : String(err);
}
