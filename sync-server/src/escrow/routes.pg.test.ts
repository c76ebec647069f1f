// The payment routes through HTTP on the demo rail: checkout, the demo page, its signed events into the
// webhook handler, and the handler's refusals. The real Stripe provider is tested against the stand-in in
// sync-server/src/payments; the money effects in escrow.pg.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, json, type TestApp } from '../../test/app';
import { acceptedBooking, clearOfWindowEdge, createOperator, createUser, uuidv7 } from '../../test/fixtures';
import { startStripeStandin } from '../../test/stripe-standin';
import { rejection } from '@shared/rejections';
import { signPayload } from '../payments/webhook-signature';
import type { DemoRail } from '../payments';
import { keepCheckout } from '../store/milestones';

let db: TestDb;
let t: TestApp;
let client: string;
let worker: string;

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql);
  client = await createUser(db.sql);
  worker = await createOperator(db.sql);
});
afterAll(() => db.drop());

const bearer = (userId: string) => bearerFor(t, userId);
const post = async (path: string, body: unknown, auth?: string) =>
  t.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) });
const status = async (bookingId: string) => (await db.sql`select status from bookings where id = ${bookingId}`)[0]!.status as string;
const escrowed = async () => (await db.sql`select count(*)::int as n from ledger_postings where kind = 'funding'`)[0]!.n as number;

describe('funding on the demo rail', () => {
  it('sends the client to a labelled demo checkout whose payment funds the milestone through the webhook', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
    const commandId = uuidv7();
    const res = await post('/pay/checkout', { milestoneId: m!.id, commandId }, await bearer(client));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.provider).toBe('demo');
    // Asking again (a retry after a lost answer) gives the same checkout.
    expect((await json(await post('/pay/checkout', { milestoneId: m!.id, commandId }, await bearer(client)))).url).toBe(body.url);
    // So does "Continue to payment" (back from the checkout page), under a new command, which is applied, not
    // refused: the device would show a refusal as "Not done" beside a payment that went through.
    const continued = uuidv7();
    expect((await json(await post('/pay/checkout', { milestoneId: m!.id, commandId: continued }, await bearer(client)))).url).toBe(body.url);
    expect((await db.sql`select status from commands where id = ${continued}`)[0]!.status).toBe('applied');

    const path = new URL(body.url).pathname;
    const page = await t.app.request(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/no real money/i);
    expect(html).toContain('$80.00');

    const paid = await t.app.request(`${path}/pay`, { method: 'POST' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toContain(`/b/${bookingId}`);
    expect(await status(bookingId)).toBe('funded');
    const [after] = await db.sql`select status, payment_intent_id from milestones where id = ${m!.id}`;
    expect(after).toMatchObject({ status: 'funded' });
    expect(after!.paymentIntentId).toMatch(/^pi_demo_/);
    const events = await db.sql`select type, outcome from payment_events order by type`;
    expect(events.map((e) => `${e.type}:${e.outcome}`)).toEqual(['checkout.session.completed:already_funded', 'payment_intent.succeeded:funded']);
  });

  it('opens a new checkout for a new payment window, and keeps no link made for a window that lapsed meanwhile', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
    const first = await json(await post('/pay/checkout', { milestoneId: m!.id, commandId: uuidv7() }, await bearer(client)));
    const [pending] = await db.sql<{ paymentExpiresAt: Date }[]>`select payment_expires_at from milestones where id = ${m!.id}`;
    // The window lapses (as the sweep would do it) while a checkout for it is still being made.
    await db.sql`update milestones set status = 'agreed', payment_expires_at = null, checkout_session_id = null, checkout_url = null where id = ${m!.id}`;
    expect(await keepCheckout(db.sql, m!.id, pending!.paymentExpiresAt, { id: 'cs_stale', url: first.url })).toBeNull();
    expect((await db.sql`select checkout_url from milestones where id = ${m!.id}`)[0]!.checkoutUrl).toBeNull();

    const second = await json(await post('/pay/checkout', { milestoneId: m!.id, commandId: uuidv7() }, await bearer(client)));
    expect(second.url).not.toBe(first.url);
    expect((await db.sql`select status, checkout_url from milestones where id = ${m!.id}`)[0]).toMatchObject({ status: 'payment_pending', checkoutUrl: second.url });
  });

  it('refuses checkout to anyone but the client, and for a milestone not waiting for payment', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
    expect((await post('/pay/checkout', { milestoneId: m!.id, commandId: uuidv7() }, await bearer(worker))).status).toBe(409);
    expect((await post('/pay/checkout', { milestoneId: m!.id, commandId: uuidv7() })).status).toBe(401);
    expect((await post('/pay/checkout', { milestoneId: 'nope' }, await bearer(client))).status).toBe(400);
    expect((await db.sql`select status from milestones where id = ${m!.id}`)[0]!.status).toBe('agreed');
  });

  it('counts checkouts against the per-user write limit, refusing the excess with 429 and storing no command for it', async () => {
    const limited = createTestApp(db.sql, { COMMAND_RATE_PER_MIN: '3' });
    const payer = await createUser(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, payer, worker);
    const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
    const auth = await bearerFor(limited, payer);
    const stored = async () => (await db.sql`select count(*)::int as n from commands where actor_id = ${payer}`)[0]!.n as number;
    const checkout = () =>
      limited.app.request('/pay/checkout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ milestoneId: m!.id, commandId: uuidv7() }),
      });
    await clearOfWindowEdge(60);
    for (let i = 0; i < 3; i++) expect((await checkout()).status).toBe(200);
    const before = await stored();
    const res = await checkout();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(res)).error.code).toBe('rate_limited');
    expect(await stored()).toBe(before);
  });

  it('answers 503 with the payment_unavailable refusal while the provider is failing, and the checkout when it is back', async () => {
    const standin = await startStripeStandin();
    try {
      const stripe = createTestApp(db.sql, standin.env);
      const { bookingId } = await acceptedBooking(db.sql, client, worker);
      const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
      const auth = await bearer(client);
      standin.failNext('POST', '/v1/checkout/sessions', 500, { type: 'api_error' }, 3); // beyond the SDK's own two retries
      const commandId = uuidv7();
      const ask = () => stripe.app.request('/pay/checkout', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ milestoneId: m!.id, commandId }) });
      const down = await ask();
      expect(down.status).toBe(503);
      expect((await json(down)).error.details.rejection).toEqual({ code: 'payment_unavailable', message: rejection('payment_unavailable').message });
      expect((await db.sql`select checkout_url from milestones where id = ${m!.id}`)[0]!.checkoutUrl).toBeNull();
      const back = await ask();
      expect(back.status).toBe(200);
      expect((await json(back)).provider).toBe('stripe');
    } finally {
      await standin.close();
    }
  });
});

describe('the webhook', () => {
  const rail = () => t.deps.payments as DemoRail;
  const event = (id: string, type: string, object: Record<string, unknown>) => JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });

  it('refuses a bad signature, a stale timestamp and a missing header, moving nothing', async () => {
    const before = await escrowed();
    const body = event('evt_forged', 'payment_intent.succeeded', { id: 'pi_demo_x', metadata: {} });
    const wrong = await t.app.request('/pay/webhook', { method: 'POST', body, headers: { 'stripe-signature': signPayload(body, 'whsec_wrong') } });
    expect(wrong.status).toBe(400);
    const stale = await t.app.request('/pay/webhook', { method: 'POST', body, headers: { 'stripe-signature': signPayload(body, rail().webhookSecret, Math.floor(Date.now() / 1000) - 3600) } });
    expect(stale.status).toBe(400);
    expect((await t.app.request('/pay/webhook', { method: 'POST', body })).status).toBe(400);
    const tampered = signPayload(body, rail().webhookSecret);
    expect((await t.app.request('/pay/webhook', { method: 'POST', body: body.replace('pi_demo_x', 'pi_demo_y'), headers: { 'stripe-signature': tampered } })).status).toBe(400);
    expect(await escrowed()).toBe(before);
    expect((await db.sql`select count(*)::int as n from payment_events where id = 'evt_forged'`)[0]!.n).toBe(0);
  });

  it('records and ignores event types it does not act on, and answers a replay without effect', async () => {
    const body = event('evt_other', 'customer.created', { id: 'cus_1' });
    const headers = { 'stripe-signature': signPayload(body, rail().webhookSecret) };
    const first = await json(await t.app.request('/pay/webhook', { method: 'POST', body, headers }));
    expect(first).toMatchObject({ received: true, duplicate: false, outcome: 'ignored' });
    const again = await json(await t.app.request('/pay/webhook', { method: 'POST', body, headers: { 'stripe-signature': signPayload(body, rail().webhookSecret) } }));
    expect(again).toMatchObject({ duplicate: true, outcome: 'ignored' });
  });

  it('acknowledges and ignores a payment the provider does not know, moving nothing', async () => {
    const before = await escrowed();
    const body = event('evt_foreign', 'payment_intent.succeeded', { id: 'pi_demo_missing' });
    const res = await t.app.request('/pay/webhook', { method: 'POST', body, headers: { 'stripe-signature': signPayload(body, rail().webhookSecret) } });
    expect(await json(res)).toMatchObject({ received: true, outcome: 'ignored_not_found' });
    expect(await escrowed()).toBe(before);
  });
});
