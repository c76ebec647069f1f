// A milestone's checkout at the provider (checkouts.ts), with the real Stripe provider pointed at the local
// stand-in: closed at the provider before its milestone lapses, and after it is cancelled; a payment made
// before the close funds the milestone even when its webhook never comes; asked for late in the window, a
// lost answer does not leave the client stuck; a refusal is said, not a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '@shared/rejections';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, deliverWebhook, json, type TestApp } from '../../test/app';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { queuedJobs, runQueuedJob, taskContext } from '../../test/jobs';
import { startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { createLogger } from '../log';
import { keepCheckout } from '../store/milestones';
import { sweepClocks } from './clocks';
import { escrowTasks } from './tasks';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let client: string;
let worker: string;
const log = createLogger('silent');

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  t = createTestApp(db.sql, standin.env);
  client = await createUser(db.sql);
  worker = await createOperator(db.sql);
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
});

const askCheckout = async (milestoneId: string, commandId = uuidv7()) =>
  t.app.request('/pay/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearerFor(t, client) },
    body: JSON.stringify({ milestoneId, commandId }),
  });

async function agreedMilestone() {
  const { bookingId } = await acceptedBooking(db.sql, client, worker);
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
  return { bookingId, milestoneId: m!.id };
}

/** A milestone with an open checkout at the stand-in. */
async function checkoutOpen() {
  const { bookingId, milestoneId } = await agreedMilestone();
  expect((await askCheckout(milestoneId)).status).toBe(200);
  const [row] = await db.sql<{ checkoutSessionId: string }[]>`select checkout_session_id from milestones where id = ${milestoneId}`;
  return { bookingId, milestoneId, sessionId: row!.checkoutSessionId };
}

const milestone = async (id: string) =>
  (await db.sql<{ status: string; paymentIntentId: string | null; checkoutSessionId: string | null }[]>`
    select status, payment_intent_id, checkout_session_id from milestones where id = ${id}`)[0]!;
const windowLapses = (id: string) => db.sql`update milestones set payment_expires_at = now() - interval '1 second' where id = ${id}`;
const news = async (milestoneId: string, template: string) =>
  (await db.sql`select 1 from outbox where template = ${template} and data->>'milestoneId' = ${milestoneId}`).length;
const expireCalls = (sessionId: string) => standin.requests().filter((r) => r.method === 'POST' && r.path === `/v1/checkout/sessions/${sessionId}/expire`);

describe('a payment window lapsing', () => {
  it('closes the checkout at the provider first, so that nobody can pay it after the milestone lapsed', async () => {
    const { milestoneId, sessionId } = await checkoutOpen();
    await windowLapses(milestoneId);
    expect(await sweepClocks(db.sql, t.deps.payments, log)).toMatchObject({ expired: 1, paidLate: 0, failed: 0 });
    expect(await milestone(milestoneId)).toMatchObject({ status: 'agreed', checkoutSessionId: null });
    const [call] = expireCalls(sessionId);
    expect(call?.idempotencyKey).toMatch(new RegExp(`^checkout-close:${sessionId}:`));
    expect(standin.object(sessionId)).toMatchObject({ status: 'expired' });
    expect(() => standin.completeCheckout(sessionId)).toThrow(/expired/);
    expect(await news(milestoneId, 'milestone.payment_expired')).toBe(1);
  });

  it('funds a milestone paid before the close, though the webhook never came, and tells nobody it lapsed', async () => {
    const { bookingId, milestoneId, sessionId } = await checkoutOpen();
    const paid = standin.completeCheckout(sessionId); // …and its webhook is lost.
    await windowLapses(milestoneId);
    expect(await sweepClocks(db.sql, t.deps.payments, log)).toMatchObject({ expired: 0, paidLate: 1, failed: 0 });
    expect(await milestone(milestoneId)).toMatchObject({ status: 'funded', paymentIntentId: paid.event.data.object.id });
    expect((await db.sql`select status from bookings where id = ${bookingId}`)[0]!.status).toBe('funded');
    expect(await news(milestoneId, 'milestone.payment_expired')).toBe(0);
    // The webhook, when it comes after all, finds the payment accounted for.
    expect(await deliverWebhook(t, paid)).toBe('already_funded');
    expect((await db.sql`select count(*)::int as n from ledger_postings where milestone_id = ${milestoneId} and kind = 'funding'`)[0]!.n).toBe(1);
  });

  it('lapses no milestone whose checkout was kept after the sweep read it: the next sweep closes that one first', async () => {
    const a = await checkoutOpen();
    const b = await agreedMilestone();
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId: b.milestoneId }));
    await db.sql`update milestones set payment_expires_at = date_trunc('milliseconds', now() - interval '2 minutes') where id = ${a.milestoneId}`;
    await db.sql`update milestones set payment_expires_at = date_trunc('milliseconds', now() - interval '1 minute') where id = ${b.milestoneId}`;
    const [{ paymentExpiresAt: window }] = (await db.sql`select payment_expires_at from milestones where id = ${b.milestoneId}`) as unknown as [{ paymentExpiresAt: Date }];
    const real = t.deps.payments;
    let late: { id: string; url: string } | undefined;
    // While the sweep is at the provider for A, a checkout for B (asked for just before its window ended) is kept.
    const provider = Object.assign(Object.create(real) as typeof real, {
      async closeCheckout(id: string) {
        late ??= await real.createCheckout({
          milestoneId: b.milestoneId, bookingId: b.bookingId, clientId: client, amount: 8000, currency: 'USD', description: 'Late',
          successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/no', expiresAt: new Date(Date.now() + 40 * 60_000), idempotencyKey: `late:${b.milestoneId}`,
        });
        expect(await keepCheckout(db.sql, b.milestoneId, window, late)).toBe(late.url);
        return real.closeCheckout(id);
      },
    });
    expect(await sweepClocks(db.sql, provider, log)).toMatchObject({ expired: 1, failed: 0 });
    expect(await milestone(b.milestoneId)).toMatchObject({ status: 'payment_pending', checkoutSessionId: late!.id });
    expect(await sweepClocks(db.sql, real, log)).toMatchObject({ expired: 1, failed: 0 });
    expect((await milestone(b.milestoneId)).status).toBe('agreed');
    expect(() => standin.completeCheckout(late!.id)).toThrow(/expired/);
  });

  it('opens no checkout once the window has passed, before the sweep has come', async () => {
    const { milestoneId } = await agreedMilestone();
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId }));
    await windowLapses(milestoneId);
    const res = await askCheckout(milestoneId);
    expect(res.status).toBe(409);
    expect((await milestone(milestoneId)).checkoutSessionId).toBeNull();
    expect(await sweepClocks(db.sql, t.deps.payments, log)).toMatchObject({ expired: 1 });
  });

  it('leaves the milestone due, and lapses nothing, while the provider cannot be reached', async () => {
    const { milestoneId, sessionId } = await checkoutOpen();
    await windowLapses(milestoneId);
    standin.failNext('POST', `/v1/checkout/sessions/${sessionId}/expire`, 500, { type: 'api_error' }, 3);
    expect(await sweepClocks(db.sql, t.deps.payments, log)).toMatchObject({ expired: 0, failed: 1 });
    expect((await milestone(milestoneId)).status).toBe('payment_pending');
    expect(await sweepClocks(db.sql, t.deps.payments, log)).toMatchObject({ expired: 1, failed: 0 });
    expect((await milestone(milestoneId)).status).toBe('agreed');
  });
});

describe('a milestone cancelled while its checkout is open', () => {
  it('queues the close, which ends the checkout at the provider', async () => {
    const { bookingId, milestoneId, sessionId } = await checkoutOpen();
    applied(await run(db.sql, worker, 'booking.cancel', { bookingId, reason: 'Cannot make it after all.' }));
    expect(await milestone(milestoneId)).toMatchObject({ status: 'cancelled' });
    const key = `escrow.close_checkout:${sessionId}`;
    const [job] = await queuedJobs(db.sql, key);
    expect(job?.payload).toEqual({ milestoneId, sessionId });
    await runQueuedJob(db.sql, escrowTasks(t.deps.payments), log, key);
    expect(standin.object(sessionId)).toMatchObject({ status: 'expired' });
    expect(() => standin.completeCheckout(sessionId)).toThrow(/expired/);
  });

  it('refunds a payer who got there before the close, once, without waiting for the payment\'s event', async () => {
    const { bookingId, milestoneId, sessionId } = await checkoutOpen();
    applied(await run(db.sql, client, 'booking.cancel', { bookingId }));
    const paid = standin.completeCheckout(sessionId); // its event is never delivered here
    const task = escrowTasks(t.deps.payments)['escrow.close_checkout'];
    await task.run({ milestoneId, sessionId }, taskContext(db.sql, log, { key: `escrow.close_checkout:${sessionId}` }));
    const paymentIntentId = paid.event.data.object.id as string;
    expect(standin.object(sessionId)).toMatchObject({ status: 'complete' });
    const refunds = () => db.sql`select 1 from client_refunds where payment_intent_id = ${paymentIntentId}`;
    expect(await refunds()).toHaveLength(1);
    expect(await news(milestoneId, 'milestone.payment_returned')).toBe(1);
    expect(await db.sql`select kind from ledger_postings where milestone_id = ${milestoneId} order by id`).toEqual([{ kind: 'funding' }, { kind: 'refund' }]);
    // The event arriving after all, and the job run again, move nothing more.
    expect(await deliverWebhook(t, paid)).toBe('refunded_late');
    await task.run({ milestoneId, sessionId }, taskContext(db.sql, log, { key: `escrow.close_checkout:${sessionId}` }));
    expect(await refunds()).toHaveLength(1);
    expect(await news(milestoneId, 'milestone.payment_returned')).toBe(1);
    expect(await db.sql`select count(*)::int as n from ledger_postings where milestone_id = ${milestoneId}`).toEqual([{ n: 2 }]);
  });
});

describe('asking for a checkout', () => {
  it('late in the window, after a lost answer, asks again under another key instead of failing until the window ends', async () => {
    const { milestoneId } = await agreedMilestone();
    const commandId = uuidv7();
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId }, { id: commandId, now: t.deps.now }));
    t.advance(40 * 60_000); // 20 minutes of the hour left: the provider keeps a checkout open 30 at least.
    standin.loseResponses('POST', '/v1/checkout/sessions', 3); // beyond the SDK's own two retries
    expect((await askCheckout(milestoneId, commandId)).status).toBe(503);
    t.advance(60_000);
    const res = await askCheckout(milestoneId, commandId);
    expect(res.status).toBe(200);
    const asked = standin.requests().filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && r.body.client_reference_id === milestoneId);
    const keys = new Set(asked.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(2);
    const [row] = await db.sql<{ checkoutUrl: string }[]>`select checkout_url from milestones where id = ${milestoneId}`;
    expect((await json(res)).url).toBe(row!.checkoutUrl);
  });

  it('hands everybody the checkout kept first, when two were made at once', async () => {
    const { milestoneId } = await agreedMilestone();
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId }));
    const [{ paymentExpiresAt }] = (await db.sql`select payment_expires_at from milestones where id = ${milestoneId}`) as unknown as [{ paymentExpiresAt: Date }];
    expect(await keepCheckout(db.sql, milestoneId, paymentExpiresAt, { id: 'cs_first', url: 'https://pay.example/first' })).toBe('https://pay.example/first');
    expect(await keepCheckout(db.sql, milestoneId, paymentExpiresAt, { id: 'cs_second', url: 'https://pay.example/second' })).toBe('https://pay.example/first');
    expect((await milestone(milestoneId)).checkoutSessionId).toBe('cs_first');
  });

  it('says plainly when the provider refuses the payment (an amount under its minimum), and charges nothing', async () => {
    const { milestoneId } = await agreedMilestone();
    standin.failNext('POST', '/v1/checkout/sessions', 400, { type: 'invalid_request_error', code: 'amount_too_small', message: 'Amount must be at least $0.50 usd' });
    const res = await askCheckout(milestoneId);
    expect(res.status).toBe(409);
    expect((await json(res)).error.details.rejection).toEqual(rejection('payment_refused'));
    expect((await milestone(milestoneId)).checkoutSessionId).toBeNull();
  });
});
