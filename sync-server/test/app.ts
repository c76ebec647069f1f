// A real app over a test database, with a movable clock, for tests that go through HTTP.
import { loadConfig, type Config } from '../src/config';
import { createApp } from '../src/app';
import type { Deps } from '../src/deps';
import { createLogger } from '../src/log';
import { createSms } from '../src/sms';
import { createPaymentProvider } from '../src/payments';
import { createWebPushSender } from '../src/push/sender';
import webpush from 'web-push';
import type { Sql } from '../src/db/sql';
import { signAccessToken } from '../src/auth/tokens';
import { acceptedBooking, createOperator, openSession, setPayoutAccount, uuidv7 } from './fixtures';
import type { SignedEvent, StripeStandin } from './stripe-standin';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** One key pair for the test process, as a server has one. */
export const TEST_VAPID = webpush.generateVAPIDKeys();

/** Everything production requires, with stand-in values. */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'x', TWILIO_FROM: '+15005550006',
  PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_c',
  PUBLIC_BASE_URL: 'https://fieldwork.example', VAPID_PUBLIC_KEY: TEST_VAPID.publicKey, VAPID_PRIVATE_KEY: TEST_VAPID.privateKey, VAPID_SUBJECT: 'mailto:ops@fieldwork.example',
};

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  /** Moves the server clock forward. */
  advance(ms: number): void;
}

export function createTestApp(sql: Sql, env: Record<string, string> = {}): TestApp {
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  let offset = 0;
  const log = createLogger(config.LOG_LEVEL);
  const now = () => new Date(Date.now() + offset);
  const deps: Deps = { config, sql, log, sms: createSms(config, sql, log), payments: createPaymentProvider(config, sql, log, now), push: createWebPushSender(TEST_VAPID, config.VAPID_SUBJECT), secret: TEST_SECRET, now };
  return { app: createApp(deps), deps, advance: (ms) => (offset += ms) };
}

/** A response body as loosely typed JSON, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = async (res: Response): Promise<any> => res.json();

/** "Bearer <token>" for a user with their roles from the database, in a live session of theirs. */
export async function bearerFor(t: TestApp, userId: string, roles?: string[]): Promise<string> {
  const [u] = await t.deps.sql<{ roles: string[] }[]>`select roles from users where id = ${userId}`;
  return `Bearer ${await signAccessToken(t.deps.secret, { id: userId, roles: (roles ?? u!.roles) as never, sessionId: await openSession(t.deps.sql, userId) }, 900)}`;
}

/** A provider event delivered to the webhook as the provider sends it; answers the handler's outcome. */
export async function deliverWebhook(t: TestApp, e: SignedEvent): Promise<string> {
  const res = await t.app.request('/pay/webhook', { method: 'POST', body: e.rawBody, headers: { 'stripe-signature': e.header } });
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  return (await json(res)).outcome as string;
}

/** A worker whose connected account at the stand-in has finished onboarding, recorded as ours. */
export async function onboardedWorker(t: TestApp, standin: StripeStandin): Promise<{ worker: string; accountId: string }> {
  const worker = await createOperator(t.deps.sql);
  const { id: accountId } = await t.deps.payments.createConnectedAccount({ userId: worker, country: 'US', idempotencyKey: `account:${worker}` });
  standin.activateAccount(accountId);
  await setPayoutAccount(t.deps.sql, worker, { provider: 'stripe', accountId, transfersActive: true });
  return { worker, accountId };
}

/**
 * A client's gig accepted by the worker, its one milestone's checkout opened through POST /pay/checkout (at the
 * Stripe stand-in when the app points there): the booking, its gig, the milestone and the checkout session.
 */
export async function openCheckout(t: TestApp, client: string, worker: string) {
  const { bookingId, gigId } = await acceptedBooking(t.deps.sql, client, worker);
  const [{ id: milestoneId }] = (await t.deps.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`) as unknown as [{ id: string }];
  const res = await t.app.request('/pay/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearerFor(t, client) },
    body: JSON.stringify({ milestoneId, commandId: uuidv7() }),
  });
  if (res.status !== 200) throw new Error(`POST /pay/checkout answered ${res.status}: ${await res.text()}`);
  const [{ checkoutSessionId }] = (await t.deps.sql`select checkout_session_id from milestones where id = ${milestoneId}`) as unknown as [{ checkoutSessionId: string }];
  return { bookingId, gigId, milestoneId, checkoutSessionId };
}
