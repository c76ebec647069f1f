// /pay/payouts: a worker's connected account at the payment provider, set up through the provider's hosted
// onboarding (Stripe's account links; the demo rail's own page). Operators only.
//
// GET  /pay/payouts/account     Where the worker's payouts stand (none | pending | active), as last recorded;
//                               while transfers are not active, read again from the provider first (at most
//                               once a minute per account).
// POST /pay/payouts/onboarding  {country?}: makes the worker's Express account in that country (by default the
//                               country of their phone number), and returns a fresh onboarding link. Links are
//                               single-use and short-lived: ask again for another. An account not finished yet
//                               is made again when asked for another country.
// POST /pay/payouts/refresh     Reads the account again from the provider and records it: what the app calls
//                               when the worker comes back from onboarding (account.updated does it too).
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { hasRole } from '@shared/roles';
import type { Onboarding, PayoutAccount } from '@shared/money-api';
import type { Deps } from '../deps';
import type { Sql } from '../db/sql';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { readJson } from '../http/read-json';
import { PaymentProviderError, type PaymentProvider } from '../payments/provider';
import { claimAccountRead, getPayoutAccount, onboardingAccount, payoutStatus, refreshPayoutAccount, type PayoutAccountRow } from './accounts';

/** Where the provider's onboarding sends the worker back to: the app's payouts screen. */
export const PAYOUTS_SCREEN = '/o/payouts';

const onboardingRequest = z.strictObject({
  /**
   * ISO 3166-1 alpha-2: where the worker and their bank account are; by default where their phone number is.
   * Fixed once the worker has finished onboarding. Checked against libphonenumber's regions (ISO 3166's
   * countries, and a few territories such as XK); a country the provider does not serve, it refuses in its words.
   */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "US"')
    .refine((c) => isSupportedCountry(c), 'not a country code')
    .optional(),
});

/** The country of the worker's phone number (E.164, as sign-in stored it); undefined for a number of no one country. */
async function phoneCountry(sql: Sql, userId: string): Promise<string | undefined> {
  const [user] = await sql<{ phone: string }[]>`select phone from users where id = ${userId}`;
  return user && parsePhoneNumberFromString(user.phone)?.country;
}

function view(provider: PaymentProvider, row: PayoutAccountRow | undefined): PayoutAccount {
  return {
    status: payoutStatus(row),
    provider: provider.name,
    detailsSubmitted: row?.detailsSubmitted ?? false,
    transfersActive: row?.transfersActive ?? false,
  };
}

/** The provider's passing trouble is a 503 the app can retry; its refusals a 409 with its sentence. */
function providerFailure(e: unknown): never {
  if (e instanceof PaymentProviderError) {
    if (e.retryable) throw new HttpError('unavailable', 'Payout setup is not available right now. Try again in a few minutes.');
    if (e.code === 'idempotency_conflict' || e.code === 'invalid_request' || e.code === 'not_found')
      throw new HttpError('conflict', 'The payment provider refused this payout setup. Contact support if it keeps happening.', { providerCode: e.providerCode });
  }
  throw e;
}

export function payoutRoutes(deps: Deps, provider: PaymentProvider) {
  const screen = (step: 'return' | 'refresh') => `${deps.config.PUBLIC_BASE_URL}${PAYOUTS_SCREEN}?onboarding=${step}`;

  const signedIn = requireActor(deps);
  // Per route rather than for the whole prefix, so that an unknown path under it is still a 404.
  const operator = createMiddleware<AuthEnv>(async (c, next) => {
    if (!hasRole(c.get('actor'), 'operator')) throw new HttpError('forbidden', 'Payouts are for operator accounts.');
    await next();
  });

  return new Hono<AuthEnv>()
    .get('/account', signedIn, operator, async (c) => {
      let row = await getPayoutAccount(deps.sql, c.get('actor').id);
      // Our copy follows account.updated, which can come late or not at all: while it says the account cannot
      // receive transfers, the provider's own record is read again, at most once a minute however many ask.
      if (row && !row.transfersActive && (await claimAccountRead(deps.sql, row.accountId))) {
        try {
          row = (await refreshPayoutAccount(deps.sql, provider, row.accountId)) ?? row;
        } catch (e) {
          if (!(e instanceof PaymentProviderError)) throw e;
          // The page still shows what we last knew; the next look, a minute on, asks again.
          deps.log.warn({ err: e, accountId: row.accountId }, 'payouts: could not read the account from the provider');
        }
      }
      return c.json(view(provider, row));
    })
    .post('/onboarding', signedIn, operator, async (c) => {
      const raw = (await c.req.text()).trim();
      const body = onboardingRequest.safeParse(raw ? await readJson(c) : {});
      if (!body.success) throw new HttpError('invalid_request', 'Send {} or {"country": "MX"} (ISO 3166 alpha-2).', body.error.issues);
      const userId = c.get('actor').id;
      try {
        // A number in no one country (a rare non-geographic one) falls back to the platform's own country.
        const country = body.data.country ?? (await phoneCountry(deps.sql, userId)) ?? (await provider.platformCountry());
        const { row, finishedIn } = await onboardingAccount(deps.sql, provider, userId, country);
        if (finishedIn && body.data.country)
          throw new HttpError('conflict', `Your payout account is set up in ${finishedIn}, and stays there. Contact support to be paid in another country.`);
        const link = await provider.createAccountLink({ accountId: row.accountId, refreshUrl: screen('refresh'), returnUrl: screen('return') });
        return c.json({ url: link.url, ...view(provider, row) } satisfies Onboarding);
      } catch (e) {
        return providerFailure(e);
      }
    })
    .post('/refresh', signedIn, operator, async (c) => {
      const row = await getPayoutAccount(deps.sql, c.get('actor').id);
      if (!row) return c.json(view(provider, undefined));
      try {
        return c.json(view(provider, await refreshPayoutAccount(deps.sql, provider, row.accountId)));
      } catch (e) {
        return providerFailure(e);
      }
    });
}
