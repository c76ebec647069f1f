// The demo rail's pages: its checkout (view, pay), its connected-account onboarding (view, finish) and the payer's
// bank (view a payment, dispute it, decide the dispute). Mounted at DEMO_BASE_PATH only when
// PAYMENTS_PROVIDER=demo, which loadConfig refuses in production. Each page speaks the language of the person it is
// for (localeFor).
import { Hono, type Context } from 'hono';
import type { Locale } from '@shared/locales';
import type { Sql } from '../db/sql';
import { deviceLocale } from '../http/device-locale';
import type { Logger } from '../log';
import { getUserLocale } from '../store/users';
import type { DeliverWebhook, DemoRail } from './demo';
import { PaymentProviderError } from './provider';
import { bankPage, checkoutPage, confirmationPendingPage, expiredPage, messagePage, onboardingPage, onboardingPendingPage, paidPage } from './demo-pages';

export interface DemoRoutesDeps {
  rail: DemoRail;
  /** The webhook handler, called with each event's raw body and Stripe-Signature header as Stripe would send them. */
  deliver: DeliverWebhook;
  log: Logger;
  /** Where the pages find their reader's language (users.locale). */
  sql: Sql;
}

/**
 * `raw` as an absolute URL on our own site (PUBLIC_BASE_URL's origin), or null: a relative path resolves
 * against the base URL; anything landing on another origin ('//evil.example', '/\evil.example',
 * 'javascript:…') is refused, so the onboarding link is no open redirect.
 */
export function sameSiteUrl(raw: string | undefined, publicBaseUrl: string): string | null {
  if (!raw) return null;
  try {
    const base = new URL(`${publicBaseUrl}/`);
    const url = new URL(raw, base);
    return url.origin === base.origin ? url.href : null;
  } catch {
    return null;
  }
}

export function demoRoutes({ rail, deliver, log, sql }: DemoRoutesDeps) {
  /**
   * The one rule for every page's language: the stored language of the person the checkout, payment or account
   * is for (a browser opening these pages carries no sign-in, but the rail knows whose they are); else the
   * browser's (Accept-Language); else English.
   */
  async function localeFor(c: Context, objectId: string): Promise<Locale> {
    const userId = await rail.userOf(objectId);
    return (userId && (await getUserLocale(sql, userId))) || deviceLocale(c);
  }

  /** Events owed for a session or an account go to the webhook handler; false when it refused one (it stays owed). */
  async function deliverFor(parentId: string): Promise<boolean> {
    const { delivered, failure } = await rail.deliverPending(parentId, deliver);
    if (delivered.length) log.info({ parentId, events: delivered }, 'demo rail: events delivered to the webhook handler');
    if (failure) log.error({ err: failure.error, parentId }, 'demo rail: the webhook handler refused an event; it stays owed');
    return !failure;
  }

  /** Back to the bank's page once its events reached the webhook handler; a page to try again when they did not. */
  async function bankDelivered(c: Context, paymentIntentId: string, locale: Locale): Promise<Response> {
    if (!(await deliverFor(paymentIntentId))) return c.html(messagePage('bankPending', { locale }), 502);
    return c.redirect(c.req.path.replace(/\/(dispute|decide)$/, ''), 303);
  }

  return new Hono()
    .use(async (c, next) => {
      await next();
      // Payment pages are never cached, by browsers or by the service worker (DESIGN, "Money").
      c.header('cache-control', 'no-store');
    })
    .get('/checkout/:sessionId', async (c) => {
      const sessionId = c.req.param('sessionId');
      const locale = await localeFor(c, sessionId);
      const checkout = await rail.checkout(sessionId);
      if (!checkout) return c.html(messagePage('noSuchCheckout', { locale }), 404);
      if (checkout.status === 'expired') return c.html(expiredPage(checkout, { locale }), 410);
      if (checkout.status === 'complete') {
        // Paid earlier, and perhaps never confirmed: this page is what "Continue to payment" opens again, and
        // the rail has no background redelivery, so whatever is still owed goes to the webhook handler now.
        if (!(await deliverFor(checkout.id))) return c.html(confirmationPendingPage({ payAction: `${c.req.path}/pay`, locale }), 502);
        return c.html(paidPage(checkout, { locale }));
      }
      return c.html(checkoutPage(checkout, { payAction: `${c.req.path}/pay`, locale }));
    })
    .post('/checkout/:sessionId/pay', async (c) => {
      const sessionId = c.req.param('sessionId');
      const locale = await localeFor(c, sessionId);
      const { outcome, checkout } = await rail.pay(sessionId);
      if (outcome === 'not_found' || !checkout) return c.html(messagePage('noSuchCheckout', { locale }), 404);
      if (outcome === 'expired') return c.html(expiredPage(checkout, { locale }), 410);
      if (outcome === 'paid') log.info({ sessionId, paymentIntent: checkout.paymentIntentId }, 'demo rail: checkout paid (no real money)');
      // Paid now or before: deliver whatever is still owed (nothing, after a delivered payment).
      if (!(await deliverFor(sessionId))) return c.html(confirmationPendingPage({ payAction: c.req.path, locale }), 502);
      return c.redirect(checkout.successUrl, 303);
    })
    .get('/bank/:paymentIntentId', async (c) => {
      const paymentIntentId = c.req.param('paymentIntentId');
      const locale = await localeFor(c, paymentIntentId);
      const view = await rail.bank(paymentIntentId);
      if (!view) return c.html(messagePage('noSuchPayment', { locale }), 404);
      // The rail has no background redelivery: a step whose news Fieldwork refused before is delivered now.
      if (!(await deliverFor(paymentIntentId))) return c.html(messagePage('bankPending', { locale }), 502);
      return c.html(bankPage(view, { action: c.req.path, locale, backUrl: `${rail.publicBaseUrl}/c/payments` }));
    })
    .post('/bank/:paymentIntentId/dispute', async (c) => {
      const paymentIntentId = c.req.param('paymentIntentId');
      const locale = await localeFor(c, paymentIntentId);
      // A second press, or one after a refused delivery, opens nothing more and delivers what is still owed.
      const opened = await rail.openDispute(paymentIntentId);
      if (opened === 'not_found') return c.html(messagePage('noSuchPayment', { locale }), 404);
      if (opened === 'refunded') return c.html(messagePage('nothingToDispute', { locale }), 409);
      log.info({ paymentIntentId }, 'demo rail: payment disputed at the demo bank (no real money)');
      return bankDelivered(c, paymentIntentId, locale);
    })
    .post('/bank/:paymentIntentId/decide', async (c) => {
      const paymentIntentId = c.req.param('paymentIntentId');
      const locale = await localeFor(c, paymentIntentId);
      const outcome = (await c.req.parseBody()).outcome;
      if (outcome !== 'won' && outcome !== 'lost') return c.html(messagePage('notADecision', { locale }), 400);
      // Nothing open (decided already, or never disputed): what is owed is still delivered, and the page says how it stands.
      if (await rail.decideDispute(paymentIntentId, outcome)) log.info({ paymentIntentId, outcome }, 'demo rail: the demo bank decided a dispute');
      return bankDelivered(c, paymentIntentId, locale);
    })
    .get('/onboard/:accountId', async (c) => {
      // Showing the page changes nothing: only its button (a POST) finishes the setup.
      const accountId = c.req.param('accountId');
      const locale = await localeFor(c, accountId);
      const returnTo = sameSiteUrl(c.req.query('return'), rail.publicBaseUrl);
      if (!returnTo) return c.html(messagePage('badOnboardingLink', { locale }), 400);
      if (!(await rail.retrieveAccount(accountId).catch(notFoundAsNull))) return c.html(messagePage('noSuchAccount', { locale }), 404);
      // Leaving without finishing goes back as Stripe's does, to the return address, where the app reads the account
      // again and offers to continue; the refresh address is for a link that expired, which this one has not.
      return c.html(onboardingPage({ action: `${c.req.path}${new URL(c.req.url).search}`, cancelUrl: returnTo, locale }));
    })
    .post('/onboard/:accountId', async (c) => {
      const accountId = c.req.param('accountId');
      const locale = await localeFor(c, accountId);
      // Checked before anything changes: a link with a foreign return address does nothing at all.
      const returnTo = sameSiteUrl(c.req.query('return'), rail.publicBaseUrl);
      if (!returnTo) return c.html(messagePage('badOnboardingLink', { locale }), 400);
      if (!(await rail.activateAccount(accountId))) return c.html(messagePage('noSuchAccount', { locale }), 404);
      log.info({ accountId }, 'demo rail: connected account onboarded (no real account)');
      // Its account.updated event goes to the webhook handler, which records the account as active.
      if (!(await deliverFor(accountId))) return c.html(onboardingPendingPage({ action: `${c.req.path}${new URL(c.req.url).search}`, locale }), 502);
      return c.redirect(returnTo, 303);
    });
}

const notFoundAsNull = (e: unknown) => {
  if (e instanceof PaymentProviderError && e.code === 'not_found') return null;
  throw e;
};
