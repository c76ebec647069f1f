// What the sign-in screen says when the server refuses a step: each reason in the person's language, the
// waits in minutes, and the server's own sentence for anything the app has no words for.
import { describe, expect, it } from 'vitest';
import type { Locale } from '@shared/locales';
import { SIGN_IN_REFUSALS } from '@shared/sign-in';
import { interpolate, type Vars } from '../i18n/i18n';
import { AuthError } from './auth-api';
import { appMessages } from './messages';
import { isCodeShaped, needsNewCode, signInErrorText } from './sign-in-errors';

type Key = keyof typeof appMessages.en;

const SERVER_SENTENCE = 'An English sentence from the server.';
function shown(details: unknown, locale: Locale = 'es', code = 'invalid_code'): string {
  const t = (key: Key, vars?: Vars) => interpolate(appMessages[locale][key], vars);
  return signInErrorText(new AuthError(code, SERVER_SENTENCE, 400, details), t);
}

describe('a refused sign-in step', () => {
  it('is worded in the person’s language, whatever the reason', () => {
    for (const reason of SIGN_IN_REFUSALS) {
      const text = shown({ reason, attemptsLeft: 2, retryAfterSeconds: 120 });
      expect(text, reason).not.toBe(SERVER_SENTENCE);
      expect(text, reason).not.toMatch(/\{\w+\}/);
    }
    expect(shown({ reason: 'expired_or_used' })).toBe('Este código caducó o ya se usó. Pide un código nuevo.');
    expect(shown({ reason: 'invalid_phone' }, 'en', 'invalid_request')).toMatch(/^That is not a mobile number we can text/);
  });

  it('counts the tries left on a wrong code, and says when that was the last', () => {
    expect(shown({ reason: 'wrong_code', attemptsLeft: 4 }, 'en')).toBe('That code is wrong. 4 tries left.');
    expect(shown({ reason: 'wrong_code', attemptsLeft: 1 }, 'en')).toBe('That code is wrong. 1 try left.');
    expect(shown({ reason: 'wrong_code', attemptsLeft: 0 }, 'es')).toBe('Ese código no es correcto y era el último intento. Pide un código nuevo.');
  });

  it('turns a rate limit’s wait into whole minutes, at least one', () => {
    expect(shown({ reason: 'codes_to_number', retryAfterSeconds: 601 }, 'en', 'rate_limited')).toBe('Too many codes were sent to this number. Try again in 11 min.');
    expect(shown({ reason: 'tries_from_network', retryAfterSeconds: 5 }, 'es', 'rate_limited')).toBe('Demasiados intentos de entrar desde esta red. Inténtalo de nuevo en 1 min.');
  });

  it('falls back to the server’s sentence for a reason it does not know, or none', () => {
    expect(shown({ reason: 'something_new' })).toBe(SERVER_SENTENCE);
    expect(shown(undefined, 'es', 'internal')).toBe(SERVER_SENTENCE);
    expect(shown([{ path: ['phone'], message: 'Required' }], 'es', 'invalid_request')).toBe(SERVER_SENTENCE);
  });

  it('says a lost connection plainly', () => {
    const t = (key: Key) => appMessages.es[key];
    expect(signInErrorText(new AuthError('network', 'No connection to the server.', 0), t)).toBe(appMessages.es.offlineSignIn);
    expect(signInErrorText(new AuthError('timeout', 'The server did not answer within 20 s.', 0), t)).toBe(appMessages.es.signInNoAnswer);
  });
});

describe('a refusal only a new code answers', () => {
  const refusal = (details: unknown, code = 'invalid_code') => new AuthError(code, SERVER_SENTENCE, 400, details);
  it('is a code used, expired or out of tries', () => {
    expect(needsNewCode(refusal({ reason: 'expired_or_used' }))).toBe(true);
    expect(needsNewCode(refusal({ reason: 'too_many_attempts' }))).toBe(true);
    expect(needsNewCode(refusal({ reason: 'wrong_code', attemptsLeft: 0 }))).toBe(true);
  });

  it('is not a code that may still be typed again, a wait, or a lost connection', () => {
    expect(needsNewCode(refusal({ reason: 'wrong_code', attemptsLeft: 2 }))).toBe(false);
    // A new code would meet the same limit on tries for the number until the wait is over.
    expect(needsNewCode(refusal({ reason: 'tries_for_number', retryAfterSeconds: 300 }, 'rate_limited'))).toBe(false);
    expect(needsNewCode(refusal({ reason: 'codes_to_number', retryAfterSeconds: 300 }, 'rate_limited'))).toBe(false);
    expect(needsNewCode(new AuthError('network', 'No connection to the server.', 0))).toBe(false);
    expect(needsNewCode(new Error('boom'))).toBe(false);
  });
});

describe('a typed code', () => {
  it('is six digits, with the spaces or dashes people type ignored', () => {
    expect(['123456', '123 456', '123-456'].every(isCodeShaped)).toBe(true);
    expect(['12345', '1234567', '12345a', ''].some(isCodeShaped)).toBe(false);
  });
});
