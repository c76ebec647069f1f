// /pay/payouts: a worker's connected account (onboarding through the provider's account links). (Being built.)
import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { AuthEnv } from '../auth/middleware';
import type { PaymentProvider } from '../payments/provider';

export function payoutRoutes(_deps: Deps, _provider: PaymentProvider) {
  return new Hono<AuthEnv>();
}
