// /pay/payouts: a worker's connected account at the payment provider, set up through the provider's hosted
// onboarding (Stripe's account links; the demo rail's own page). Operators only.
//
// GET  /pay/payouts/account     Where the worker's payouts stand (none | pending | active), as last recorded.
// POST /pay/payouts/onboarding  {country?}: makes the worker's Express account once, and returns a fresh
//                               onboarding link. Links are single-use and short-lived: ask again for another.
// POST /pay/payouts/refresh     Reads the account again from the provider and records it: what the app calls
//                               when the worker comes back from onboarding (account.updated does it too).
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { hasRole } from '@shared/roles';
import type { Onboarding, PayoutAccount } from '@shared/money-api';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { readJson } from '../http/read-json';
import { PaymentProviderError, type PaymentProvider } from '../payments/provider';
import { getPayoutAccount, payoutStatus, recordPayoutAccount, refreshPayoutAccount, type PayoutAccountRow } from './accounts';

/** Where the provider's onboarding sends the worker back to: the app's payouts screen. */
export const PAYOUTS_SCREEN = '/o/payouts';

const onboardingRequest = z.strictObject({
  /** ISO 3166-1 alpha-2: where the worker and their bank account are. Fixed once the account exists. */
  country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as "US"').default('US'),
});

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
    .get('/account', signedIn, operator, async (c) => c.json(view(provider, await getPayoutAccount(deps.sql, c.get('actor').id))))
    .post('/onboarding', signedIn, operator, async (c) => {
      const raw = (await c.req.text()).trim();
      const body = onboardingRequest.safeParse(raw ? await readJson(c) : {});
      if (!body.success) throw new HttpError('invalid_request', 'Send {} or {"country": "US"}.', body.error.issues);
      const userId = c.get('actor').id;
      try {
        let row = await getPayoutAccount(deps.sql, userId);
        if (!row) {
          // One account per worker, however often this is asked: the provider's idempotency covers a lost
          // answer within its 24 hours, and our row (first writer wins) covers everything after.
          const account = await provider.createConnectedAccount({ userId, country: body.data.country, idempotencyKey: `account:${userId}` });
          row = await recordPayoutAccount(deps.sql, { userId, provider: provider.name, accountId: account.id });
        }
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
