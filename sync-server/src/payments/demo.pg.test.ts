import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { createDemoRail, DEMO_BASE_PATH, type DemoRail } from './demo';
import { demoRoutes } from './demo-routes';
import { createPaymentProvider } from './index';
import { PaymentProviderError, WebhookSignatureError, type CheckoutInput } from './provider';
import { verifySignedEvent } from './webhook-signature';
import { escapeHtml } from './demo-pages';

// The demo rail against a real database, paid through its Hono routes as a browser would.
const BASE = 'http://localhost:8787';
const HOUR = 3600_000;
const log = createLogger('silent');

let db: TestDb;
let offset = 0;
const now = () => new Date(Date.now() + offset);
let rail: DemoRail;
let app: Hono;
/** What the webhook handler received, in order. */
let deliveries: { rawBody: string; header: string }[];
/** Make the webhook handler fail this many times. */
let failDeliveries = 0;

beforeAll(async () => {
  db = await createTestDb();
  rail = createDemoRail({ sql: db.sql, publicBaseUrl: BASE, now });
  app = new Hono().route(
    DEMO_BASE_PATH,
    demoRoutes({
      rail,
      log,
      sql: db.sql,
      deliver: async (rawBody, header) => {
        if (failDeliveries > 0) {
          failDeliveries--;
          throw new Error('webhook handler down');
        }
        deliveries.push({ rawBody, header });
      },
    }),
  );
});
afterAll(async () => {
  await db.drop();
});
beforeEach(() => {
  offset = 0;
  deliveries = [];
  failDeliveries = 0;
});

let seq = 0;
function checkoutInput(over: Partial<CheckoutInput> = {}): CheckoutInput {
  seq++;
  return {
    milestoneId: `milestone-${seq}`,
    bookingId: `booking-${seq}`,
    clientId: 'client-1',
    amount: 12_550,
    currency: 'USD',
    description: 'Milestone 1: fence repair',
    successUrl: `${BASE}/bookings/${seq}/paid`,
    cancelUrl: `${BASE}/bookings/${seq}`,
    expiresAt: new Date(now().getTime() + 2 * HOUR),
    idempotencyKey: `checkout-${seq}`,
    ...over,
  };
}

const path = (url: string) => url.slice(BASE.length);
const pay = (sessionId: string) => app.request(`${DEMO_BASE_PATH}/checkout/${sessionId}/pay`, { method: 'POST' });

async function providerError(p: Promise<unknown>): Promise<PaymentProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PaymentProviderError);
  return e as PaymentProviderError;
}

async function paidSession(over: Partial<CheckoutInput> = {}) {
  const input = checkoutInput(over);
  const session = await rail.createCheckout(input);
  expect((await pay(session.id)).status).toBe(303);
  const pi = rail.verifyWebhook(deliveries[0]!.rawBody, deliveries[0]!.header).data.object;
  return { input, session, paymentIntentId: pi.id as string, chargeId: pi.latest_charge as string };
}

async function onboardedAccount(userId = 'worker-1') {
  const { id } = await rail.createConnectedAccount({ userId, country: 'US', idempotencyKey: `acct-${userId}-${++seq}` });
  expect(await rail.activateAccount(id)).toBe(true);
  return id;
}

describe('demo rail: checkout', () => {
  it('creates a demo-marked session at our own checkout page, once per idempotency key', async () => {
    const input = checkoutInput();
    const first = await rail.createCheckout(input);
    expect(first.id).toMatch(/^cs_demo_[A-Za-z0-9]{24}$/);
    expect(first.url).toBe(`${BASE}/pay/demo/checkout/${first.id}`);
    // The same request in another key order is the same request.
    const reordered = Object.fromEntries(Object.entries(input).reverse()) as unknown as CheckoutInput;
    expect(await rail.createCheckout(reordered)).toEqual(first);
    const [{ count }] = (await db.sql`select count(*)::int as count from demo_rail_objects where idempotency_key = ${input.idempotencyKey}`) as unknown as [{ count: number }];
    expect(count).toBe(1);

    const e = await providerError(rail.createCheckout({ ...input, amount: 1 }));
    expect(e.code).toBe('idempotency_conflict');
  });

  it('shows an accessible, labelled page with the amount, "Pay (demo)" and a cancel link', async () => {
    const input = checkoutInput();
    const { id } = await rail.createCheckout(input);
    const res = await app.request(`/pay/demo/checkout/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<title>Demo payment · Fieldwork</title>');
    expect(html).toContain('Demo payment — no real money moves');
    expect(html).toContain('<h1>Demo payment</h1>');
    expect(html).toContain('$125.50');
    expect(html).toContain('Milestone 1: fence repair');
    expect(html).toContain(`<form method="post" action="/pay/demo/checkout/${id}/pay">`);
    expect(html).toContain('<button type="submit">Pay (demo)</button>');
    expect(html).toContain(`href="${input.cancelUrl}">Cancel</a>`);
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  it('formats amounts in the currency’s own minor units', async () => {
    const { id } = await rail.createCheckout(checkoutInput({ amount: 1500, currency: 'JPY' }));
    expect(await (await app.request(`/pay/demo/checkout/${id}`)).text()).toContain('¥1,500');
    const kwd = await rail.createCheckout(checkoutInput({ amount: 12_345, currency: 'KWD' }));
    expect(await (await app.request(`/pay/demo/checkout/${kwd.id}`)).text()).toContain('12.345');
  });

  it('escapes a description that carries markup', async () => {
    const { id } = await rail.createCheckout(checkoutInput({ description: '<script>alert("x")</script> & <b>bold</b>' }));
    const html = await (await app.request(`/pay/demo/checkout/${id}`)).text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;b&#62;bold&#60;/b&#62;');
  });

  it('answers 404 for an unknown session, page and payment alike', async () => {
    expect((await app.request('/pay/demo/checkout/cs_demo_nope')).status).toBe(404);
    expect((await pay('cs_demo_nope')).status).toBe(404);
    expect(deliveries).toEqual([]);
  });
});

describe('demo rail: paying', () => {
  it('delivers payment_intent.succeeded then checkout.session.completed, correctly signed, and redirects to success', async () => {
    const input = checkoutInput();
    const session = await rail.createCheckout(input);
    const res = await pay(session.id);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(input.successUrl);

    expect(deliveries).toHaveLength(2);
    const [pi, completed] = deliveries.map((d) => rail.verifyWebhook(d.rawBody, d.header));
    expect(pi!.type).toBe('payment_intent.succeeded');
    expect(pi!.id).toMatch(/^evt_demo_/);
    expect(pi!.data.object).toMatchObject({
      id: expect.stringMatching(/^pi_demo_/),
      object: 'payment_intent',
      amount: 12_550,
      amount_received: 12_550,
      currency: 'usd',
      status: 'succeeded',
      latest_charge: expect.stringMatching(/^ch_demo_/),
      metadata: { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId },
      transfer_group: input.bookingId,
    });
    expect(completed!.type).toBe('checkout.session.completed');
    expect(completed!.data.object).toMatchObject({
      id: session.id,
      object: 'checkout.session',
      status: 'complete',
      payment_status: 'paid',
      payment_intent: pi!.data.object.id,
      client_reference_id: input.milestoneId,
      metadata: { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId },
    });

    // Real signatures: another secret, or a touched body, is refused.
    const d = deliveries[0]!;
    expect(() => verifySignedEvent(d.rawBody, d.header, 'whsec_someone_else')).toThrow(WebhookSignatureError);
    expect(() => rail.verifyWebhook(d.rawBody.replace('12550', '12551'), d.header)).toThrow(WebhookSignatureError);

    expect(await rail.retrievePayment(pi!.data.object.id as string)).toEqual({
      id: pi!.data.object.id,
      status: 'succeeded',
      amount: 12_550,
      amountReceived: 12_550,
      currency: 'USD',
      chargeId: pi!.data.object.latest_charge,
      metadata: { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId },
    });
    // The demo rail keeps no fee: the charge's balance transaction costs nothing.
    expect(await rail.retrievePaymentFee(pi!.data.object.id as string)).toEqual({
      balanceTransactionId: `txn_${pi!.data.object.latest_charge as string}`, amount: 0, currency: 'USD',
    });
  });

  it('does nothing more when paid twice, and shows the done page afterwards', async () => {
    const input = checkoutInput();
    const { id } = await rail.createCheckout(input);
    await pay(id);
    const again = await pay(id);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(input.successUrl);
    expect(deliveries).toHaveLength(2);
    const [{ count }] = (await db.sql`select count(*)::int as count from demo_rail_objects where parent_id = ${id} and kind = 'payment_intent'`) as unknown as [
      { count: number },
    ];
    expect(count).toBe(1);
    const html = await (await app.request(`/pay/demo/checkout/${id}`)).text();
    expect(html).toContain('This demo payment is done');
    expect(html).not.toContain('Pay (demo)');
  });

  it('pays once when two payments race', async () => {
    const { id } = await rail.createCheckout(checkoutInput());
    // Open the connections first, so the three payments really overlap instead of queueing behind connects.
    await Promise.all([1, 2, 3, 4].map(() => db.sql`select pg_sleep(0.02)`));
    const results = await Promise.all([rail.pay(id), rail.pay(id), rail.pay(id)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already_paid', 'already_paid', 'paid']);
    const rows = await db.sql`select id from demo_rail_objects where parent_id = ${id} and kind in ('payment_intent', 'event')`;
    expect(rows).toHaveLength(3);
  });

  it('keeps events owed when the webhook handler fails, and redelivers the same events on the next try', async () => {
    const input = checkoutInput();
    const { id } = await rail.createCheckout(input);
    failDeliveries = 1;
    const first = await pay(id);
    expect(first.status).toBe(502);
    expect(await first.text()).toContain('Payment made, confirmation pending');
    expect(deliveries).toHaveLength(0);

    const retry = await pay(id);
    expect(retry.status).toBe(303);
    const types = deliveries.map((d) => rail.verifyWebhook(d.rawBody, d.header).type);
    expect(types).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    // Still one payment; the events are the ones first written (same ids), so the handler can dedupe.
    const events = await db.sql<{ id: string }[]>`select id from demo_rail_objects where parent_id = ${id} and kind = 'event' order by created_at`;
    expect(deliveries.map((d) => rail.verifyWebhook(d.rawBody, d.header).id)).toEqual(events.map((e) => e.id));
  });

  it('refuses an expired session: page and payment', async () => {
    const input = checkoutInput({ expiresAt: new Date(now().getTime() + HOUR) });
    const { id } = await rail.createCheckout(input);
    offset = 2 * HOUR;
    const page = await app.request(`/pay/demo/checkout/${id}`);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('This demo checkout has expired');
    expect(html).not.toContain('Pay (demo)');

    const res = await pay(id);
    expect(res.status).toBe(410);
    expect(deliveries).toEqual([]);
    expect((await rail.checkout(id))!.status).toBe('expired');
    const rows = await db.sql`select id from demo_rail_objects where parent_id = ${id}`;
    expect(rows).toEqual([]);
  });

  it("clamps expiry into Stripe's window, as Stripe would", async () => {
    const { id } = await rail.createCheckout(checkoutInput({ expiresAt: new Date(now().getTime() + 60_000) }));
    const c = await rail.checkout(id);
    expect(c!.expiresAt.getTime() - now().getTime()).toBeGreaterThanOrEqual(30 * 60_000);
    offset = 10 * 60_000; // ten minutes on, a one-minute expiry would have passed; the clamped one has not
    expect((await rail.checkout(id))!.status).toBe('open');
  });
});

describe('demo rail: transfers and refunds', () => {
  it('transfers from a charge to an onboarded account, once per key, never beyond the charge', async () => {
    const { chargeId, input } = await paidSession();
    const destination = await onboardedAccount();
    const t = { amount: 11_000, currency: 'USD', destination, sourceTransaction: chargeId, transferGroup: input.bookingId, metadata: { m: '1' }, idempotencyKey: `rel-${seq}` };
    const first = await rail.createTransfer(t);
    expect(first.id).toMatch(/^tr_demo_/);
    expect(await rail.createTransfer(t)).toEqual(first);
    expect(await providerError(rail.createTransfer({ ...t, amount: 1551, idempotencyKey: `rel-more-${seq}` }))).toMatchObject({ code: 'invalid_request' });
    expect((await rail.createTransfer({ ...t, amount: 1550, idempotencyKey: `rel-rest-${seq}` })).id).toMatch(/^tr_demo_/);
    expect(await providerError(rail.createTransfer({ ...t, currency: 'EUR', amount: 1, idempotencyKey: `rel-eur-${seq}` }))).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a transfer to an account that has not finished onboarding, or to none', async () => {
    const { chargeId } = await paidSession();
    const { id } = await rail.createConnectedAccount({ userId: 'w-new', country: 'US', idempotencyKey: `acct-new-${seq}` });
    const t = { amount: 100, currency: 'USD', destination: id, sourceTransaction: chargeId, transferGroup: 'g', metadata: {}, idempotencyKey: `t-${seq}` };
    expect((await providerError(rail.createTransfer(t))).message).toMatch(/onboarding/);
    expect(await providerError(rail.createTransfer({ ...t, destination: 'acct_demo_none', idempotencyKey: `t2-${seq}` }))).toMatchObject({ code: 'not_found' });
  });

  it('refunds up to what is left of the charge', async () => {
    const { paymentIntentId } = await paidSession();
    const r = await rail.createRefund({ paymentIntentId, amount: 2550, metadata: {}, idempotencyKey: `ref-${seq}` });
    expect(r).toEqual({ id: expect.stringMatching(/^re_demo_/), status: 'succeeded' });
    const e = await providerError(rail.createRefund({ paymentIntentId, amount: 10_001, metadata: {}, idempotencyKey: `ref2-${seq}` }));
    expect(e).toMatchObject({ code: 'invalid_request', providerCode: 'charge_already_refunded' });
    expect((await rail.createRefund({ paymentIntentId, amount: 10_000, metadata: {}, idempotencyKey: `ref3-${seq}` })).status).toBe('succeeded');
    expect(await providerError(rail.createRefund({ paymentIntentId: 'pi_demo_none', amount: 1, metadata: {}, idempotencyKey: `ref4-${seq}` }))).toMatchObject({
      code: 'not_found',
    });
  });
});

describe('demo rail: onboarding', () => {
  const finish = (url: string) => app.request(path(url), { method: 'POST' });

  it('shows a labelled page whose button, not the visit, activates the account and returns to our page', async () => {
    const { id } = await rail.createConnectedAccount({ userId: 'w-9', country: 'US', idempotencyKey: `acct-w9-${seq}` });
    expect(id).toMatch(/^acct_demo_/);
    expect(await rail.retrieveAccount(id)).toEqual({ id, country: 'US', transfersActive: false, detailsSubmitted: false });
    const link = await rail.createAccountLink({ accountId: id, refreshUrl: `${BASE}/payouts/refresh`, returnUrl: `${BASE}/payouts/done?x=1` });
    expect(link.url.startsWith(`${BASE}/pay/demo/onboard/${id}?`)).toBe(true);

    // A visit (or a link preview) only shows the page.
    const page = await app.request(path(link.url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/no real money/i);
    expect(html).toContain(`action="${escapeHtml(path(link.url))}"`);
    expect(html).toContain('method="post"');
    expect(await rail.retrieveAccount(id)).toEqual({ id, country: 'US', transfersActive: false, detailsSubmitted: false });
    expect(deliveries).toHaveLength(0);

    const res = await finish(link.url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${BASE}/payouts/done?x=1`);
    expect(await rail.retrieveAccount(id)).toEqual({ id, country: 'US', transfersActive: true, detailsSubmitted: true });
    // As Stripe does, the rail tells the webhook handler: one signed account.updated.
    expect(deliveries.map((d) => rail.verifyWebhook(d.rawBody, d.header)).map((e) => [e.type, e.data.object.id])).toEqual([['account.updated', id]]);

    // Pressing again changes nothing and owes nothing more.
    expect((await finish(link.url)).status).toBe(303);
    expect(deliveries).toHaveLength(1);
  });

  it('keeps the news owed when the webhook handler is down, and delivers it when the button is pressed again', async () => {
    const { id } = await rail.createConnectedAccount({ userId: 'w-12', country: 'US', idempotencyKey: `acct-w12-${seq}` });
    const url = `${BASE}/pay/demo/onboard/${id}?return=${encodeURIComponent('/payouts/done')}`;
    failDeliveries = 1;
    const first = await finish(url);
    expect(first.status).toBe(502);
    expect(await first.text()).toMatch(/confirmation pending/i);
    expect(deliveries).toHaveLength(0);
    expect((await finish(url)).status).toBe(303);
    expect(deliveries).toHaveLength(1);
  });

  it('takes a relative return path on our site', async () => {
    const { id } = await rail.createConnectedAccount({ userId: 'w-10', country: 'US', idempotencyKey: `acct-w10-${seq}` });
    const res = await finish(`${BASE}/pay/demo/onboard/${id}?return=${encodeURIComponent('/payouts/done')}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${BASE}/payouts/done`);
  });

  it('refuses an off-site return address and leaves the account as it was', async () => {
    const { id } = await rail.createConnectedAccount({ userId: 'w-11', country: 'US', idempotencyKey: `acct-w11-${seq}` });
    for (const ret of ['https://evil.example/x', '//evil.example/x', '/\\evil.example/x', 'javascript:alert(1)', 'http://localhost:9999/x', '']) {
      for (const method of ['GET', 'POST']) {
        const res = await app.request(`/pay/demo/onboard/${id}?return=${encodeURIComponent(ret)}`, { method });
        expect(res.status, `${method} ${ret}`).toBe(400);
        expect(res.headers.get('location')).toBeNull();
      }
    }
    expect((await app.request(`/pay/demo/onboard/${id}`, { method: 'POST' })).status).toBe(400);
    expect((await rail.retrieveAccount(id)).transfersActive).toBe(false);
    expect(deliveries).toHaveLength(0);
  });

  it('answers 404 for an unknown account', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await app.request(`/pay/demo/onboard/acct_demo_none?return=${encodeURIComponent('/payouts')}`, { method });
      expect(res.status).toBe(404);
    }
    expect(await providerError(rail.createAccountLink({ accountId: 'acct_demo_none', refreshUrl: BASE, returnUrl: BASE }))).toMatchObject({ code: 'not_found' });
  });
});

describe('demo rail: looking up transfers and refunds', () => {
  it('returns them as made, and not_found for what it never made', async () => {
    const { chargeId, paymentIntentId, input } = await paidSession();
    const destination = await onboardedAccount();
    const t = await rail.createTransfer({ amount: 700, currency: 'USD', destination, sourceTransaction: chargeId, transferGroup: input.bookingId, metadata: { milestoneId: 'm-1' }, idempotencyKey: `look-t-${seq}` });
    const transfer = { id: t.id, amount: 700, currency: 'USD', destination, sourceTransaction: chargeId, reversed: false, metadata: { milestoneId: 'm-1' } };
    expect(await rail.retrieveTransfer(t.id)).toEqual(transfer);
    // A booking's transfers, for finding the one an earlier attempt made (escrow.transfer).
    expect(await rail.listTransfers(input.bookingId)).toEqual([transfer]);
    expect(await rail.listTransfers('another-booking')).toEqual([]);
    const r = await rail.createRefund({ paymentIntentId, amount: 300, metadata: { clientRefundId: 'r-1' }, idempotencyKey: `look-r-${seq}` });
    const made = { id: r.id, amount: 300, currency: 'USD', paymentIntentId, status: 'succeeded', metadata: { clientRefundId: 'r-1' } };
    expect(await rail.retrieveRefund(r.id)).toEqual(made);
    // A payment's refunds, for finding the one an earlier attempt made (escrow.refund).
    expect(await rail.listRefunds(paymentIntentId)).toEqual([made]);
    expect(await providerError(rail.retrieveTransfer('tr_demo_none'))).toMatchObject({ code: 'not_found' });
    expect(await providerError(rail.retrieveRefund(t.id))).toMatchObject({ code: 'not_found' });
  });
});

describe('demo rail: restarts and the factory', () => {
  it('keeps its objects across a restart (a new rail on the same database, with a new webhook secret)', async () => {
    const { session, paymentIntentId } = await paidSession();
    const restarted = createDemoRail({ sql: db.sql, publicBaseUrl: BASE, now });
    expect(restarted.webhookSecret).not.toBe(rail.webhookSecret);
    expect((await restarted.checkout(session.id))!.status).toBe('complete');
    expect((await restarted.retrievePayment(paymentIntentId)).status).toBe('succeeded');
  });

  it('is what createPaymentProvider gives by default; Stripe when configured', () => {
    expect(createPaymentProvider(loadConfig({ NODE_ENV: 'test' }), db.sql, log).name).toBe('demo');
    const stripe = createPaymentProvider(
      loadConfig({ NODE_ENV: 'test', PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x1', STRIPE_WEBHOOK_SECRET: 'whsec_x1', STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_c1' }),
      db.sql,
      log,
    );
    expect(stripe.name).toBe('stripe');
  });
});

describe('demo rail: the payer’s bank', () => {
  const bank = (pi: string, action = '', body?: Record<string, string>) =>
    app.request(`${DEMO_BASE_PATH}/bank/${pi}${action}`, body || action ? { method: 'POST', body: new URLSearchParams(body ?? {}) } : undefined);
  const types = () => deliveries.map((d) => rail.verifyWebhook(d.rawBody, d.header).type);

  it('disputes a payment once, takes it back, refuses its refund meanwhile, and decides it; every step a signed event', async () => {
    const { paymentIntentId } = await paidSession();
    deliveries = [];
    const before = await bank(paymentIntentId);
    expect(before.status).toBe(200);
    const html = await before.text();
    expect(html).toContain('Demo payment — no real money moves');
    expect(html).toContain(`action="${DEMO_BASE_PATH}/bank/${paymentIntentId}/dispute"`);

    const disputed = await bank(paymentIntentId, '/dispute');
    expect(disputed.status).toBe(303);
    expect(disputed.headers.get('location')).toBe(`${DEMO_BASE_PATH}/bank/${paymentIntentId}`);
    expect(types()).toEqual(['charge.dispute.created', 'charge.dispute.funds_withdrawn']);
    const disputeId = rail.verifyWebhook(deliveries[0]!.rawBody, deliveries[0]!.header).data.object.id as string;
    expect(await rail.retrieveDispute(disputeId)).toMatchObject({ id: disputeId, amount: 12_550, currency: 'USD', paymentIntentId, status: 'needs_response' });
    // Pressed again: the same dispute, nothing more sent.
    expect((await bank(paymentIntentId, '/dispute')).status).toBe(303);
    expect(types()).toHaveLength(2);
    // The bank has the money: it cannot be refunded as well, as Stripe refuses it.
    const refused = await providerError(rail.createRefund({ paymentIntentId, amount: 100, metadata: {}, idempotencyKey: `refund-${seq}` }));
    expect(refused).toMatchObject({ code: 'invalid_request', providerCode: 'charge_disputed' });
    expect(await (await bank(paymentIntentId)).text()).toContain('Disputed: your bank holds $125.50 while it decides.');

    expect((await bank(paymentIntentId, '/decide', { outcome: 'maybe' })).status).toBe(400);
    expect((await bank(paymentIntentId, '/decide', { outcome: 'won' })).status).toBe(303);
    expect(types().slice(2)).toEqual(['charge.dispute.funds_reinstated', 'charge.dispute.closed']);
    expect((await rail.retrieveDispute(disputeId)).status).toBe('won');
    expect(await (await bank(paymentIntentId)).text()).toContain('Decided for Fieldwork: the payment stands.');
    // Decided again: nothing open, nothing sent.
    expect((await bank(paymentIntentId, '/decide', { outcome: 'lost' })).status).toBe(303);
    expect(types()).toHaveLength(4);
    // Given back to the platform: refundable again.
    expect((await rail.createRefund({ paymentIntentId, amount: 100, metadata: {}, idempotencyKey: `refund-${seq}-b` })).status).toBe('succeeded');
    // One dispute per payment, as Stripe has one per charge: pressed again after the decision, nothing opens.
    expect((await bank(paymentIntentId, '/dispute')).status).toBe(303);
    expect(types()).toHaveLength(4);
    expect(await db.sql`select 1 from demo_rail_objects where parent_id = ${paymentIntentId} and kind = 'dispute'`).toHaveLength(1);
  });

  it('disputes only what Fieldwork has not refunded, and nothing of a payment refunded whole', async () => {
    const part = await paidSession();
    await rail.createRefund({ paymentIntentId: part.paymentIntentId, amount: 2_550, metadata: {}, idempotencyKey: `refund-${seq}-part` });
    deliveries = [];
    expect((await bank(part.paymentIntentId, '/dispute')).status).toBe(303);
    expect(rail.verifyWebhook(deliveries[0]!.rawBody, deliveries[0]!.header).data.object.amount).toBe(10_000);

    deliveries = [];
    const whole = await paidSession();
    await rail.createRefund({ paymentIntentId: whole.paymentIntentId, amount: 12_550, metadata: {}, idempotencyKey: `refund-${seq}-whole` });
    deliveries = [];
    expect(await (await bank(whole.paymentIntentId)).text()).toContain('there is nothing left to dispute');
    expect((await bank(whole.paymentIntentId, '/dispute')).status).toBe(409);
    expect(deliveries).toEqual([]);
  });

  it('sends the bank’s news again when the page is opened after the webhook handler refused it', async () => {
    const { paymentIntentId } = await paidSession();
    deliveries = [];
    failDeliveries = 1;
    expect((await bank(paymentIntentId, '/dispute')).status).toBe(502);
    expect(deliveries).toEqual([]);
    expect((await bank(paymentIntentId)).status).toBe(200);
    expect(types()).toEqual(['charge.dispute.created', 'charge.dispute.funds_withdrawn']);
  });

  it('knows no payment it never made, and no dispute it never opened', async () => {
    expect((await bank('pi_demo_nothing')).status).toBe(404);
    expect((await bank('pi_demo_nothing', '/dispute')).status).toBe(404);
    const e = await providerError(rail.retrieveDispute('du_demo_nothing'));
    expect(e.code).toBe('not_found');
  });
});
