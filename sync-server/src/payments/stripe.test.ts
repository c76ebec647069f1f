import { createServer } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { PaymentProviderError, WebhookSignatureError, type CheckoutInput } from './provider';
import { createStripeProvider, type StripeProviderOptions } from './stripe';

// The real stripe-node SDK against a local stand-in for Stripe's REST API.
let standin: StripeStandin;

beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => standin.reset());

const provider = (over: Partial<StripeProviderOptions> = {}) =>
  createStripeProvider({
    secretKey: standin.secretKey,
    webhookSecret: standin.webhookSecret,
    host: standin.host,
    port: standin.port,
    protocol: standin.protocol,
    ...over,
  });

const HOUR = 3600_000;

function checkoutInput(over: Partial<CheckoutInput> = {}): CheckoutInput {
  return {
    milestoneId: '7c0c7a43-0d8f-4a3e-9a52-5f2d0a0e7a01',
    bookingId: 'b6a4e0f2-1c55-4d21-9a8e-0e4f8c3b2d11',
    clientId: '0d2a6f4e-9b8c-4e1a-8f3d-2c5b7a9e1f22',
    amount: 12_550,
    currency: 'USD',
    description: 'Milestone 1: fence repair',
    successUrl: 'http://localhost:8787/bookings/b6a4/paid',
    cancelUrl: 'http://localhost:8787/bookings/b6a4',
    expiresAt: new Date(Date.now() + 2 * HOUR),
    idempotencyKey: 'checkout:7c0c7a43:1',
    ...over,
  };
}

/** The error a promise rejects with, asserting it is a PaymentProviderError. */
async function providerError(p: Promise<unknown>): Promise<PaymentProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PaymentProviderError);
  return e as PaymentProviderError;
}

function posts(path: string) {
  return standin.requests().filter((r) => r.method === 'POST' && r.path === path);
}

/** A paid checkout: the charge a release transfer names as its source. */
async function paidCheckout(stripe = provider()) {
  const session = await stripe.createCheckout(checkoutInput());
  const paid = standin.completeCheckout(session.id);
  return { session, paymentIntentId: paid.event.data.object.id as string, chargeId: paid.event.data.object.latest_charge as string };
}

async function activeAccount(stripe = provider()) {
  const { id } = await stripe.createConnectedAccount({ userId: 'worker-1', country: 'US', idempotencyKey: 'acct:worker-1' });
  standin.activateAccount(id);
  return id;
}

describe('Stripe provider: checkout', () => {
  it('creates a payment-mode session with one price_data line, the booking as transfer group and metadata everywhere', async () => {
    const input = checkoutInput();
    const session = await provider().createCheckout(input);
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`http://127.0.0.1:${standin.port}/c/pay/${session.id}`);

    const [req] = posts('/v1/checkout/sessions');
    const metadata = { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId };
    expect(req!.idempotencyKey).toBe('checkout:7c0c7a43:1');
    expect(req!.body).toEqual({
      mode: 'payment',
      // Cards only: a delayed method would complete the checkout unpaid, to settle after the payment window.
      allowed_payment_method_types: ['card'],
      line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '12550', product_data: { name: 'Milestone 1: fence repair' } } }],
      payment_intent_data: { transfer_group: input.bookingId, metadata },
      metadata,
      client_reference_id: input.milestoneId,
      expires_at: String(Math.floor(input.expiresAt.getTime() / 1000)),
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    });
  });

  it("clamps expires_at into Stripe's 30 minutes..24 hours window", async () => {
    const stripe = provider();
    const t0 = Math.floor(Date.now() / 1000);
    await stripe.createCheckout(checkoutInput({ expiresAt: new Date(Date.now() + 5 * 60_000), idempotencyKey: 'soon' }));
    await stripe.createCheckout(checkoutInput({ expiresAt: new Date(Date.now() + 48 * HOUR), idempotencyKey: 'late' }));
    const [soon, late] = posts('/v1/checkout/sessions').map((r) => Number(r.body.expires_at) - t0);
    expect(soon).toBeGreaterThanOrEqual(30 * 60);
    expect(soon).toBeLessThanOrEqual(35 * 60);
    expect(late).toBeLessThanOrEqual(24 * 3600);
    expect(late).toBeGreaterThanOrEqual(23 * 3600);
    // The stand-in refuses what Stripe refuses, so both sessions exist only because of the clamp.
    expect(standin.requests().length).toBe(2);
  });

  it('returns the same session for a retry with the same idempotency key, and refuses the key with other parameters', async () => {
    const stripe = provider();
    const input = checkoutInput();
    const first = await stripe.createCheckout(input);
    const again = await stripe.createCheckout(input);
    expect(again).toEqual(first);
    expect(posts('/v1/checkout/sessions').map((r) => r.idempotencyKey)).toEqual([input.idempotencyKey, input.idempotencyKey]);

    const e = await providerError(stripe.createCheckout({ ...input, amount: input.amount + 1 }));
    expect(e).toMatchObject({ code: 'idempotency_conflict', retryable: false, statusCode: 400 });
  });

  it('refuses bad input before calling Stripe', async () => {
    const stripe = provider();
    expect((await providerError(stripe.createCheckout(checkoutInput({ amount: 10.5 })))).code).toBe('invalid_request');
    expect((await providerError(stripe.createCheckout(checkoutInput({ currency: 'usd' })))).code).toBe('invalid_request');
    expect((await providerError(stripe.createCheckout(checkoutInput({ cancelUrl: 'javascript:alert(1)' })))).message).toMatch(/cancelUrl/);
    expect((await providerError(stripe.createCheckout(checkoutInput({ idempotencyKey: '' })))).message).toMatch(/idempotency key/);
    expect(standin.requests()).toEqual([]);
  });
});

describe('Stripe provider: payments, transfers, refunds', () => {
  it('reads a paid PaymentIntent: status, amounts, upper-case currency, charge and metadata', async () => {
    const { paymentIntentId, chargeId } = await paidCheckout();
    const info = await provider().retrievePayment(paymentIntentId);
    expect(info).toEqual({
      id: paymentIntentId,
      status: 'succeeded',
      amount: 12_550,
      amountReceived: 12_550,
      currency: 'USD',
      chargeId,
      metadata: { milestoneId: checkoutInput().milestoneId, bookingId: checkoutInput().bookingId, clientId: checkoutInput().clientId },
    });
    expect(chargeId).toMatch(/^ch_/);
  });

  it('transfers with source_transaction and transfer_group, and cannot exceed the source charge', async () => {
    const stripe = provider();
    const { chargeId } = await paidCheckout(stripe);
    const destination = await activeAccount(stripe);
    const transfer = await stripe.createTransfer({
      amount: 11_000,
      currency: 'USD',
      destination,
      sourceTransaction: chargeId,
      transferGroup: checkoutInput().bookingId,
      metadata: { milestoneId: 'm1', kind: 'release' },
      idempotencyKey: 'release:m1',
    });
    expect(transfer.id).toMatch(/^tr_/);
    expect(posts('/v1/transfers')[0]).toMatchObject({
      idempotencyKey: 'release:m1',
      body: {
        amount: '11000',
        currency: 'usd',
        destination,
        source_transaction: chargeId,
        transfer_group: checkoutInput().bookingId,
        metadata: { milestoneId: 'm1', kind: 'release' },
      },
    });

    const over = { amount: 1551, currency: 'USD', destination, sourceTransaction: chargeId, transferGroup: 'g', metadata: {}, idempotencyKey: 'release:m1:extra' };
    expect(await providerError(stripe.createTransfer(over))).toMatchObject({ code: 'invalid_request', retryable: false });
  });

  it('omits source_transaction when there is none', async () => {
    const stripe = provider();
    const destination = await activeAccount(stripe);
    await stripe.createTransfer({ amount: 100, currency: 'USD', destination, sourceTransaction: null, transferGroup: 'g', metadata: {}, idempotencyKey: 't-none' });
    expect(posts('/v1/transfers')[0]!.body).not.toHaveProperty('source_transaction');
  });

  it('refunds part of a payment with its key and metadata', async () => {
    const stripe = provider();
    const { paymentIntentId } = await paidCheckout(stripe);
    const refund = await stripe.createRefund({ paymentIntentId, amount: 1550, metadata: { milestoneId: 'm1' }, idempotencyKey: 'refund:m1' });
    expect(refund).toEqual({ id: expect.stringMatching(/^re_/), status: 'succeeded' });
    expect(posts('/v1/refunds')[0]).toMatchObject({
      idempotencyKey: 'refund:m1',
      body: { payment_intent: paymentIntentId, amount: '1550', metadata: { milestoneId: 'm1' } },
    });
    // Only 11 000 left to refund.
    const e = await providerError(stripe.createRefund({ paymentIntentId, amount: 11_001, metadata: {}, idempotencyKey: 'refund:m1:2' }));
    expect(e).toMatchObject({ code: 'invalid_request', providerCode: 'charge_already_refunded' });
  });

  it('refuses a transfer to an account whose onboarding has not activated transfers', async () => {
    const stripe = provider();
    const { id } = await stripe.createConnectedAccount({ userId: 'worker-2', country: 'US', idempotencyKey: 'acct:worker-2' });
    const e = await providerError(stripe.createTransfer({ amount: 100, currency: 'USD', destination: id, sourceTransaction: null, transferGroup: 'g', metadata: {}, idempotencyKey: 't-inactive' }));
    expect(e).toMatchObject({ code: 'invalid_request', retryable: false, providerCode: 'insufficient_capabilities_for_transfer' });
  });

  it('reads back transfers and refunds for reconciliation, and not_found for what does not exist', async () => {
    const stripe = provider();
    const { chargeId, paymentIntentId } = await paidCheckout(stripe);
    const destination = await activeAccount(stripe);
    const t = await stripe.createTransfer({ amount: 900, currency: 'USD', destination, sourceTransaction: chargeId, transferGroup: 'g', metadata: { milestoneId: 'm1' }, idempotencyKey: 'look:t' });
    const transfer = { id: t.id, amount: 900, currency: 'USD', destination, sourceTransaction: chargeId, reversed: false, metadata: { milestoneId: 'm1' } };
    expect(await stripe.retrieveTransfer(t.id)).toEqual(transfer);
    // A booking's transfers, for finding the one an earlier attempt made (escrow.transfer).
    expect(await stripe.listTransfers('g')).toEqual([transfer]);
    expect(await stripe.listTransfers('another-booking')).toEqual([]);
    const r = await stripe.createRefund({ paymentIntentId, amount: 400, metadata: { clientRefundId: 'r-1' }, idempotencyKey: 'look:r' });
    const made = { id: r.id, amount: 400, currency: 'USD', paymentIntentId, status: 'succeeded', metadata: { clientRefundId: 'r-1' } };
    expect(await stripe.retrieveRefund(r.id)).toEqual(made);
    // A payment's refunds, for finding the one an earlier attempt made (escrow.refund).
    expect(await stripe.listRefunds(paymentIntentId)).toEqual([made]);
    expect(await providerError(stripe.retrieveTransfer('tr_missing'))).toMatchObject({ code: 'not_found' });
    expect(await providerError(stripe.retrieveRefund('re_missing'))).toMatchObject({ code: 'not_found' });
  });
});

describe('Stripe provider: connected accounts', () => {
  it('creates an Express account asking for transfers, links onboarding, and sees it become active', async () => {
    const stripe = provider();
    const { id } = await stripe.createConnectedAccount({ userId: 'worker-7', country: 'MX', idempotencyKey: 'acct:worker-7' });
    expect(id).toMatch(/^acct_/);
    expect(posts('/v1/accounts')[0]).toMatchObject({
      idempotencyKey: 'acct:worker-7',
      body: { type: 'express', country: 'MX', capabilities: { transfers: { requested: 'true' } }, metadata: { userId: 'worker-7' } },
    });

    const link = await stripe.createAccountLink({ accountId: id, refreshUrl: 'http://localhost:8787/payouts/refresh', returnUrl: 'http://localhost:8787/payouts/done' });
    expect(link.url).toContain(id);
    expect(posts('/v1/account_links')[0]!.body).toEqual({
      account: id,
      refresh_url: 'http://localhost:8787/payouts/refresh',
      return_url: 'http://localhost:8787/payouts/done',
      type: 'account_onboarding',
    });

    expect(await stripe.retrieveAccount(id)).toEqual({ id, country: 'MX', transfersActive: false, detailsSubmitted: false });
    standin.activateAccount(id);
    expect(await stripe.retrieveAccount(id)).toEqual({ id, country: 'MX', transfersActive: true, detailsSubmitted: true });
  });

  it('sends an Idempotency-Key on every POST, our own key on every money or account mutation', async () => {
    const stripe = provider();
    const { chargeId, paymentIntentId } = await paidCheckout(stripe);
    const destination = await activeAccount(stripe);
    await stripe.createAccountLink({ accountId: destination, refreshUrl: 'http://localhost/r', returnUrl: 'http://localhost/d' });
    await stripe.createTransfer({ amount: 500, currency: 'USD', destination, sourceTransaction: chargeId, transferGroup: 'g', metadata: {}, idempotencyKey: 'k-transfer' });
    await stripe.createRefund({ paymentIntentId, amount: 500, metadata: {}, idempotencyKey: 'k-refund' });

    const all = standin.requests().filter((r) => r.method === 'POST');
    expect(all.map((r) => r.path).sort()).toEqual(['/v1/account_links', '/v1/accounts', '/v1/checkout/sessions', '/v1/refunds', '/v1/transfers']);
    for (const r of all) expect(r.idempotencyKey, r.path).toBeTruthy();
    const ours = Object.fromEntries(all.filter((r) => r.path !== '/v1/account_links').map((r) => [r.path, r.idempotencyKey]));
    expect(ours).toEqual({
      '/v1/checkout/sessions': 'checkout:7c0c7a43:1',
      '/v1/accounts': 'acct:worker-1',
      '/v1/transfers': 'k-transfer',
      '/v1/refunds': 'k-refund',
    });
  });
});

describe('Stripe provider: errors', () => {
  it('maps a 402 card error: not retryable, with Stripe code', async () => {
    standin.failNext('POST', '/v1/checkout/sessions', 402, { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
    const e = await providerError(provider().createCheckout(checkoutInput()));
    expect(e).toMatchObject({ code: 'card_error', retryable: false, statusCode: 402, providerCode: 'card_declined' });
    expect(e.message).toMatch(/declined/);
  });

  it('maps a 500 as retryable, and the SDK retries it with the same key when allowed to', async () => {
    standin.failNext('POST', '/v1/transfers', 500, { type: 'api_error' });
    const destination = await activeAccount(provider({ maxNetworkRetries: 0 }));
    const input = { amount: 100, currency: 'USD', destination, sourceTransaction: null, transferGroup: 'g', metadata: {}, idempotencyKey: 'k-500' };
    const e = await providerError(provider({ maxNetworkRetries: 0 }).createTransfer(input));
    expect(e).toMatchObject({ code: 'provider_error', retryable: true, statusCode: 500 });

    // One retry (after the SDK's 0.5 s backoff) gets through; both attempts carried our key.
    standin.failNext('POST', '/v1/transfers', 503, { type: 'api_error' });
    const t = await provider({ maxNetworkRetries: 1 }).createTransfer({ ...input, idempotencyKey: 'k-503' });
    expect(t.id).toMatch(/^tr_/);
    expect(posts('/v1/transfers').map((r) => r.idempotencyKey)).toEqual(['k-500', 'k-503', 'k-503']);
  });

  it('maps 409 (same key in flight) and 429 as retryable', async () => {
    const stripe = provider({ maxNetworkRetries: 0 });
    standin.failNext('GET', '/v1/payment_intents/', 429, { type: 'invalid_request_error', code: 'rate_limit' });
    expect(await providerError(stripe.retrievePayment('pi_x'))).toMatchObject({ code: 'rate_limited', retryable: true, statusCode: 429 });
    standin.failNext('POST', '/v1/refunds', 409, { type: 'invalid_request_error', code: 'idempotency_key_in_use' });
    expect(await providerError(stripe.createRefund({ paymentIntentId: 'pi_x', amount: 1, metadata: {}, idempotencyKey: 'k' }))).toMatchObject({
      code: 'provider_error',
      retryable: true,
      statusCode: 409,
    });
  });

  it('maps a missing object to not_found and a bad key to authentication, neither retryable', async () => {
    expect(await providerError(provider().retrievePayment('pi_missing'))).toMatchObject({ code: 'not_found', retryable: false, statusCode: 404, providerCode: 'resource_missing' });
    expect(await providerError(provider({ secretKey: 'sk_test_wrong' }).retrieveAccount('acct_1'))).toMatchObject({
      code: 'authentication',
      retryable: false,
      statusCode: 401,
    });
  });

  it('maps an unreachable API to a retryable connection error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const e = await providerError(provider({ port, maxNetworkRetries: 0 }).retrieveAccount('acct_1'));
    expect(e).toMatchObject({ code: 'connection', retryable: true, statusCode: null });
  });
});

describe('Stripe provider: webhook verification', () => {
  async function succeeded() {
    const { session } = await paidCheckout();
    return { session, ...standin.completeCheckout(session.id) };
  }

  it('accepts a correctly signed event and returns it', async () => {
    const { rawBody, header, event } = await succeeded();
    const verified = provider().verifyWebhook(rawBody, header);
    expect(verified).toMatchObject({ id: event.id, type: 'payment_intent.succeeded', created: expect.any(Number) });
    expect(verified.data.object).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount_received: 12_550, currency: 'usd' });
  });

  it('accepts checkout.session.completed signed the same way', async () => {
    const { session } = await succeeded();
    const { rawBody, header } = standin.checkoutCompletedEvent(session.id);
    const verified = provider().verifyWebhook(rawBody, header);
    expect(verified.type).toBe('checkout.session.completed');
    expect(verified.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid', client_reference_id: checkoutInput().milestoneId });
  });

  it('rejects a signature made with another secret', () => {
    const { rawBody, header } = standin.signEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' }, { secret: 'whsec_not_ours' });
    expect(() => provider().verifyWebhook(rawBody, header)).toThrow(WebhookSignatureError);
  });

  it("accepts an event of a connected account signed with the Connect endpoint's own secret, when configured", () => {
    const connectSecret = 'whsec_connect_endpoint';
    const { rawBody, header, event } = standin.signEvent('account.updated', { id: 'acct_1', object: 'account' }, { secret: connectSecret });
    expect(provider({ connectWebhookSecret: connectSecret }).verifyWebhook(rawBody, header).id).toBe(event.id);
    expect(() => provider().verifyWebhook(rawBody, header)).toThrow(WebhookSignatureError);
    // The account endpoint's secret still works beside it; a third secret does not.
    const own = standin.signEvent('payment_intent.succeeded', { id: 'pi_1' });
    expect(provider({ connectWebhookSecret: connectSecret }).verifyWebhook(own.rawBody, own.header).id).toBe(own.event.id);
    const other = standin.signEvent('account.updated', { id: 'acct_1' }, { secret: 'whsec_someone_else' });
    expect(() => provider({ connectWebhookSecret: connectSecret }).verifyWebhook(other.rawBody, other.header)).toThrow(WebhookSignatureError);
  });

  it('rejects a stale timestamp beyond the 5 minute tolerance, but not one within it', () => {
    const stripe = provider();
    const old = standin.signEvent('payment_intent.succeeded', { id: 'pi_1' }, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(() => stripe.verifyWebhook(old.rawBody, old.header)).toThrow(/tolerance/);
    const recent = standin.signEvent('payment_intent.succeeded', { id: 'pi_1' }, { timestamp: Math.floor(Date.now() / 1000) - 240 });
    expect(stripe.verifyWebhook(recent.rawBody, recent.header).id).toBe(recent.event.id);
  });

  it('rejects a missing or empty header', () => {
    const { rawBody } = standin.signEvent('payment_intent.succeeded', { id: 'pi_1' });
    const stripe = provider();
    expect(() => stripe.verifyWebhook(rawBody, undefined)).toThrow(WebhookSignatureError);
    expect(() => stripe.verifyWebhook(rawBody, '')).toThrow(WebhookSignatureError);
    expect(() => stripe.verifyWebhook(rawBody, 'garbage')).toThrow(WebhookSignatureError);
  });

  it('rejects a tampered body, even one that only changes whitespace', async () => {
    const { rawBody, header } = await succeeded();
    const stripe = provider();
    expect(() => stripe.verifyWebhook(rawBody.replace('"amount_received": 12550', '"amount_received": 99999'), header)).toThrow(WebhookSignatureError);
    // The body as a JSON re-serialization (what a parsed-then-stringified body would be) fails too.
    expect(() => stripe.verifyWebhook(JSON.stringify(JSON.parse(rawBody)), header)).toThrow(WebhookSignatureError);
    expect(stripe.verifyWebhook(rawBody, header).type).toBe('payment_intent.succeeded');
  });

  it('rejects a correctly signed body that is not an event', () => {
    const stripe = provider();
    const rawBody = JSON.stringify({ hello: 'world' });
    const header = Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret: standin.webhookSecret });
    expect(() => stripe.verifyWebhook(rawBody, header)).toThrow(/not an event/);
  });
});
