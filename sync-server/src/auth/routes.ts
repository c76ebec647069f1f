// /auth: phone + one-time code sign-in, refresh-token rotation in an HttpOnly cookie, logout.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { text } from '@shared/commands';
import type { Locale } from '@shared/locales';
import type { SignInRefusal, SignInRefusalDetails } from '@shared/sign-in';
import type { Deps } from '../deps';
import { HttpError } from '../errors';
import { clientAddressKey } from '../http/client-address';
import { deviceLocale } from '../http/device-locale';
import { readJson } from '../http/read-json';
import { enforce } from '../ops/rate-limit';
import { generateCode, hasLiveCode, storeCode } from './codes';
import { checkPhone } from './phone';
import { refreshClient, revokeSessionByToken, rotateRefreshToken, signInWithCode, type IssuedSession } from './sessions';
import { signAccessToken } from './tokens';
import { knownTimeZone, setUserTimeZone } from '../store/users';

export const REFRESH_COOKIE = 'fw_refresh';
/** The device's IANA time zone, on sign-in and refresh (web/src/app/auth-api.ts). */
export const TIME_ZONE_HEADER = 'x-time-zone';
const COOKIE_PATH = '/auth';
/** Verify tries per phone per 15 minutes, across all its codes: 1e6 codes cannot be walked at this pace. */
const VERIFY_PER_PHONE = 10;
/**
 * Verify tries per client address per 15 minutes, across all phones: one client cannot spread guesses over
 * many numbers it asked codes for, nor lock chosen people out by spending their tries. Room for a shared NAT.
 */
const VERIFY_PER_IP = 60;

const codeRequest = z.strictObject({ phone: z.string().max(64) });

const codeText = (locale: Locale, code: string, minutes: number) =>
  locale === 'es'
    ? `Tu código de Fieldwork es ${code}. Caduca en ${minutes} minuto${minutes === 1 ? '' : 's'}.`
    : `Your Fieldwork code is ${code}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
const verifyRequest = z.strictObject({
  phone: z.string().max(64),
  // People paste "123 456" or "123-456"; the separators carry nothing.
  code: z
    .string()
    .max(32)
    .transform((s) => s.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'the code is six digits')),
  // The shared free-text rule: trimmed, and no NUL, which Postgres text cannot hold.
  displayName: text(0, 80).optional(),
});

function parse<T extends z.ZodType>(schema: T, body: unknown, hint: string): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    // A code that is not six digits is a person's typo, which the app words; anything else is a program's.
    if (r.error.issues.some((i) => i.path[0] === 'code')) throw refused('invalid_request', hint, { reason: 'code_format' }, r.error.issues);
    throw new HttpError('invalid_request', hint, r.error.issues);
  }
  return r.data;
}

/** A refusal a person meets while signing in: the sentence for the API, the reason for the app to word. */
const refused = (code: 'invalid_request' | 'invalid_code' | 'forbidden' | 'unavailable', message: string, details: SignInRefusalDetails, issues?: unknown) =>
  new HttpError(code, message, issues ? { ...details, issues } : details);

/** A rate limit of sign-in, with its reason. */
const limitedBy = (reason: SignInRefusal, message: string) => ({ reason, message });

const expiredOrUsed = () => refused('invalid_code', 'This code has expired or was already used. Request a new code.', { reason: 'expired_or_used' });

function requirePhone(input: string, defaultCountry: string): string {
  const checked = checkPhone(input, defaultCountry);
  if (checked.ok) return checked.phone;
  throw refused(
    'invalid_request',
    checked.reason === 'not_textable'
      ? `"${input.slice(0, 40)}" cannot receive a sign-in code by text message (a landline, or a premium-rate, shared-cost or toll-free number). Use a mobile number.`
      : `"${input.slice(0, 40)}" is not a valid phone number. Include the country code (for example +1 201 555 0123); numbers without one are read as ${defaultCountry} numbers.`,
    { reason: 'invalid_phone' },
  );
}

export function authRoutes(deps: Deps) {
  const { config } = deps;
  const secure = config.NODE_ENV === 'production';

  function setRefreshCookie(c: Context, session: IssuedSession, now: Date) {
    setCookie(c, REFRESH_COOKIE, session.refreshToken, {
      httpOnly: true,
      sameSite: 'Strict',
      path: COOKIE_PATH,
      secure,
      maxAge: Math.max(0, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000)),
    });
  }

  function clearRefreshCookie(c: Context) {
    deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure, httpOnly: true, sameSite: 'Strict' });
  }

  async function signedIn(c: Context, session: IssuedSession, now: Date) {
    // The device's time zone, sent with every sign-in and refresh: texts write deadlines in it. A name this
    // server does not know is ignored, and a failure to keep it costs the person only UTC in a text.
    const timeZone = knownTimeZone(c.req.header(TIME_ZONE_HEADER));
    if (timeZone) await setUserTimeZone(deps.sql, session.user.id, timeZone).catch((err: unknown) => deps.log.warn({ err }, 'could not keep the time zone'));
    setRefreshCookie(c, session, now);
    const accessToken = await signAccessToken(
      deps.secret,
      { id: session.user.id, roles: session.user.roles, sessionId: session.sessionId },
      config.ACCESS_TOKEN_TTL_S,
      now.getTime(),
    );
    c.header('cache-control', 'no-store');
    return c.json({ accessToken, expiresIn: config.ACCESS_TOKEN_TTL_S, user: session.user });
  }

  return new Hono()
    // Sign-in is only ever asked for by our own pages. Browsers say where a request comes from; one from
    // another site (a form that signs the visitor in as someone else) is refused before anything is read.
    .use(async (c, next) => {
      if (c.req.header('sec-fetch-site') === 'cross-site') throw new HttpError('forbidden', 'Sign-in requests come from the Fieldwork app itself, not from another site.');
      await next();
    })
    .post('/code', async (c) => {
      const body = parse(codeRequest, await readJson(c), 'Send {"phone": "+12015550123"}.');
      const phone = requirePhone(body.phone, config.DEFAULT_COUNTRY);
      const now = deps.now();
      await enforce(
        deps.sql,
        { key: `code:ip:${clientAddressKey(c, config.TRUST_PROXY)}`, max: config.CODE_RATE_PER_IP, windowSeconds: 3600 },
        now,
        limitedBy('codes_from_network', 'Too many sign-in codes requested from this network. Try again later.'),
      );
      await enforce(
        deps.sql,
        { key: `code:phone:${phone}`, max: config.CODE_RATE_PER_PHONE, windowSeconds: 900 },
        now,
        limitedBy('codes_to_number', 'Too many codes sent to this number. Wait a few minutes, then ask for a new one.'),
      );
      const code = generateCode();
      // Committed before sending: the code can be verified as soon as the text arrives.
      await storeCode(deps.sql, { secret: deps.secret, phone, code, now, ttlSeconds: config.CODE_TTL_S });
      const minutes = Math.round(config.CODE_TTL_S / 60);
      // In the language of the account, or for a first sign-in, of the device asking.
      const [known] = await deps.sql<{ locale: Locale }[]>`select locale from users where phone = ${phone} and not deleted`;
      const locale = known?.locale ?? deviceLocale(c);
      try {
        await deps.sms.send(phone, codeText(locale, code, minutes));
      } catch (err) {
        deps.log.error({ err, provider: deps.sms.name }, 'sending a sign-in code failed');
        throw refused('unavailable', 'We could not send the text message just now. Try again in a minute.', { reason: 'sms_failed' });
      }
      // The same answer whether or not the number has an account.
      return c.json({ sent: true, expiresInSeconds: config.CODE_TTL_S }, 202);
    })
    .post('/verify', async (c) => {
      const body = parse(verifyRequest, await readJson(c), 'Send {"phone": "...", "code": "123456"} and optionally "displayName".');
      const phone = requirePhone(body.phone, config.DEFAULT_COUNTRY);
      const now = deps.now();
      await enforce(
        deps.sql,
        { key: `verify:ip:${clientAddressKey(c, config.TRUST_PROXY)}`, max: VERIFY_PER_IP, windowSeconds: 900 },
        now,
        limitedBy('tries_from_network', 'Too many sign-in tries from this network. Wait a few minutes, then try again.'),
      );
      // Tries count against a number only while it has a code to try: otherwise anyone could spend a chosen
      // person's tries with made-up codes and keep them from signing in, without a text ever reaching them.
      if (!(await hasLiveCode(deps.sql, { phone, now }))) throw expiredOrUsed();
      await enforce(
        deps.sql,
        { key: `verify:phone:${phone}`, max: VERIFY_PER_PHONE, windowSeconds: 900 },
        now,
        limitedBy('tries_for_number', 'Too many tries for this number. Wait a few minutes, then request a new code.'),
      );
      const outcome = await signInWithCode(deps.sql, {
        secret: deps.secret,
        phone,
        code: body.code,
        displayName: body.displayName ?? '',
        locale: deviceLocale(c),
        userAgent: (c.req.header('user-agent') ?? '').slice(0, 256),
        now,
        maxAttempts: config.CODE_MAX_ATTEMPTS,
        sessionTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
      });
      if (outcome.ok) {
        // The cookie this answer sets replaces any the device still carried: that session could never be
        // used from here again, so it ends now rather than lingering until it expires.
        const replaced = getCookie(c, REFRESH_COOKIE);
        if (replaced) await revokeSessionByToken(deps.sql, replaced, now, 'signed_in_again');
        return signedIn(c, outcome.session, now);
      }
      switch (outcome.reason) {
        case 'wrong':
          throw refused(
            'invalid_code',
            outcome.attemptsLeft > 0
              ? `That code is wrong. ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'try' : 'tries'} left.`
              : 'That code is wrong, and that was the last try for it. Request a new code.',
            { reason: 'wrong_code', attemptsLeft: outcome.attemptsLeft },
          );
        case 'exhausted':
          throw refused('invalid_code', 'Too many wrong tries for this code. Request a new code.', { reason: 'too_many_attempts' });
        case 'expired_or_used':
          throw expiredOrUsed();
        case 'account_closed':
          throw refused('forbidden', 'This account has been closed. Contact support if you want it back.', { reason: 'account_closed' });
      }
    })
    .post('/refresh', async (c) => {
      const token = getCookie(c, REFRESH_COOKIE);
      if (!token) throw new HttpError('unauthorized', 'Not signed in on this device: sign in with a code.');
      const now = deps.now();
      const client = refreshClient(clientAddressKey(c, config.TRUST_PROXY), c.req.header('user-agent') ?? '');
      const outcome = await rotateRefreshToken(deps.sql, token, now, client);
      if (outcome.ok) {
        if (outcome.retry) deps.log.info({ sessionId: outcome.session.sessionId }, 'refresh retried after a lost answer; the token it missed is retired');
        return signedIn(c, outcome.session, now);
      }
      clearRefreshCookie(c);
      switch (outcome.reason) {
        case 'unknown':
          throw new HttpError('unauthorized', 'Not signed in on this device: sign in with a code.');
        case 'reuse':
          deps.log.warn({ sessionId: outcome.sessionId }, 'refresh token presented twice; session revoked');
          throw new HttpError('session_expired', 'For your security this session was ended. Sign in again with a code.');
        case 'expired':
          throw new HttpError('session_expired', 'Your session has ended. Sign in again with a code.');
      }
    })
    .post('/logout', async (c) => {
      const token = getCookie(c, REFRESH_COOKIE);
      if (token) await revokeSessionByToken(deps.sql, token, deps.now(), 'logout');
      clearRefreshCookie(c);
      return c.body(null, 204);
    });
}
