// Chooses the payment provider named by PAYMENTS_PROVIDER: real Stripe, or the demo rail.
import type { Config } from '../config';
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import { createDemoRail, DEMO_BASE_PATH, type DemoRail } from './demo';
import { createStripeProvider, type StripePaymentProvider } from './stripe';

export type { PaymentProvider, PaymentEvent, PaymentInfo, CheckoutInput, CheckoutSession, PaymentErrorCode } from './provider';
export { PaymentProviderError, WebhookSignatureError } from './provider';
export type { DemoRail, DeliverWebhook } from './demo';
export { createDemoRail, DEMO_BASE_PATH } from './demo';
export { createStripeProvider, type StripePaymentProvider } from './stripe';
export { demoRoutes, type DemoRoutesDeps } from './demo-routes';

/** Narrow with `payments.name === 'demo'` to reach the demo rail (and mount demoRoutes). */
export type Payments = StripePaymentProvider | DemoRail;

export function createPaymentProvider(config: Config, sql: Sql, log: Logger, now: () => Date = () => new Date()): Payments {
  switch (config.PAYMENTS_PROVIDER) {
    case 'stripe':
      // loadConfig already insists on both secrets when PAYMENTS_PROVIDER=stripe.
      return createStripeProvider({
        secretKey: config.STRIPE_SECRET_KEY!,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
        connectWebhookSecret: config.STRIPE_CONNECT_WEBHOOK_SECRET,
        host: config.STRIPE_API_HOST,
        port: config.STRIPE_API_PORT,
        protocol: config.STRIPE_API_PROTOCOL,
        now,
      });
    case 'demo':
      log.warn(`Demo payment rail: no real money moves. Checkout pages are at ${config.PUBLIC_BASE_URL}${DEMO_BASE_PATH}/checkout/…`);
      return createDemoRail({ sql, publicBaseUrl: config.PUBLIC_BASE_URL, now });
  }
}
