// Refunds owed to clients (refunds.ts, escrow.refund in tasks.ts) with the real Stripe provider pointed at the
// local stand-in: owed once per cause whatever the provider delivers, asked for once even after the provider
// forgot our key, a refusal kept on the row and reported by reconciliation whatever its day, and a refund the
// provider has not made yet kept on its way until reconciliation or its events read it made or failed. Jobs are run
// here by hand from the queue, as a runner would, so that the test decides what happens between them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, deliverWebhook, json, openCheckout, type TestApp } from '../../test/app';
import { applied, createOperator, createUser, run } from '../../test/fixtures';
import { capturedLog, queuedJobs, runQueuedJob, taskContext } from '../../test/jobs';
import { startStripeStandin, type SignedEvent, type StripeStandin } from '../../test/stripe-standin';
import { MIGRATIONS_DIR } from '../db/migrate';
import { reconcile } from '../payouts/reconcile';
import { handleWebhook } from './routes';
import { escrowTasks, type EscrowTasks } from './tasks';
import { timerKey } from './timers';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let tasks: EscrowTasks;
let client: string;
let worker: string;
const { log, logged } = capturedLog();

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  t = createTestApp(db.sql, standin.env);
  tasks = escrowTasks(t.deps.payments);
  client = await createUser(db.sql);
  worker = await createOperator(db.sql);
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
});

const bearer = (userId: string) => bearerFor(t, userId);

/** A milestone with an open checkout at the stand-in. */
const checkoutOpen = () => openCheckout(t, client, worker);

const deliver = (e: SignedEvent) => deliverWebhook(t, e);

/** A payment that arrives after the booking was cancelled: posted, sent back, and a refund owed. */
async function latePayment() {
  const { bookingId, milestoneId, checkoutSessionId } = await checkoutOpen();
  applied(await run(db.sql, client, 'booking.cancel', { bookingId }));
  const succeeded = standin.completeCheckout(checkoutSessionId);
  const paymentIntentId = succeeded.event.data.object.id as string;
  return { milestoneId, checkoutSessionId, paymentIntentId, succeeded, completed: standin.checkoutCompletedEvent(checkoutSessionId) };
}

interface Owed { id: string; milestoneId: string; paymentIntentId: string; amount: number; status: string; refundId: string | null; providerStatus: string | null; attempts: number; lastError: string | null }
const owedFor = async (cause: string) => (await db.sql<Owed[]>`select * from client_refunds where cause = ${cause}`)[0];
const jobs = (key: string) => queuedJobs(db.sql, key);
const refundsAsked = (paymentIntentId: string) => standin.requests().filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.body.payment_intent === paymentIntentId);

/** Runs the queued job under `key` as a runner would (its task, then the job is done); throws what the task throws. */
const runJob = (key: string, attempt = 1) => runQueuedJob(db.sql, tasks, log, key, attempt);

/** A day with none of this file's postings: what reconciliation reports (and reads again) whatever the day. */
const anyDay = () => reconcile(db.sql, t.deps.payments, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });

describe('a late payment', () => {
  it('is refunded once when the provider sends both of its events, and the refund id is recorded', async () => {
    const { milestoneId, checkoutSessionId, paymentIntentId, succeeded, completed } = await latePayment();
    expect(await Promise.all([deliver(succeeded), deliver(completed)])).toEqual(['refunded_late', 'refunded_late']);

    const owed = await owedFor(`late-refund:${paymentIntentId}`);
    expect(owed).toMatchObject({ milestoneId, paymentIntentId, amount: 8000, status: 'pending', refundId: null });
    const key = `escrow.refund_payment:${paymentIntentId}`;
    expect((await jobs(key)).map((j) => j.payload)).toEqual([{ refundId: owed!.id }]);
    // The client is told once.
    expect(await db.sql`select 1 from outbox where user_id = ${client} and template = 'milestone.payment_returned' and data->>'milestoneId' = ${milestoneId}`).toHaveLength(1);

    await runJob(key);
    const sent = refundsAsked(paymentIntentId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ idempotencyKey: `refund:${owed!.id}`, body: { amount: '8000', metadata: { clientRefundId: owed!.id, milestoneId } } });
    const done = await owedFor(`late-refund:${paymentIntentId}`);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, lastError: null });
    expect(standin.object(done!.refundId!)).toMatchObject({ object: 'refund', amount: 8000, payment_intent: paymentIntentId });

    // Another delivery after the job finished (a new event about the same payment) owes and queues nothing.
    expect(await deliver(standin.checkoutCompletedEvent(checkoutSessionId))).toBe('refunded_late');
    expect(await jobs(key)).toEqual([]);
    expect(await db.sql`select 1 from client_refunds where payment_intent_id = ${paymentIntentId}`).toHaveLength(1);
    expect(refundsAsked(paymentIntentId)).toHaveLength(1);
  });

  /** A late payment whose first refund attempt reached the provider and was lost before it recorded anything; since then the provider pruned its key. */
  async function attemptLost() {
    const { milestoneId, paymentIntentId, succeeded } = await latePayment();
    await deliver(succeeded);
    const owed = (await owedFor(`late-refund:${paymentIntentId}`))!;
    const earlier = await t.deps.payments.createRefund({
      paymentIntentId, amount: 8000, metadata: { clientRefundId: owed.id, milestoneId }, idempotencyKey: `refund:${owed.id}`,
    });
    standin.forgetIdempotencyKeys();
    return { owed, paymentIntentId, succeeded, earlier };
  }
  const lookups = (paymentIntentId: string) => standin.requests().filter((r) => r.method === 'GET' && r.path === '/v1/refunds' && r.body.payment_intent === paymentIntentId);

  it('adopts the refund an earlier attempt made when the provider may have forgotten the key, and asks for none', async () => {
    const { owed, paymentIntentId, succeeded, earlier } = await attemptLost();
    // That attempt was a day ago.
    await db.sql`update client_refunds set attempts = 1, first_attempt_at = now() - interval '25 hours' where id = ${owed.id}`;

    await runJob(`escrow.refund_payment:${paymentIntentId}`, 2);
    expect(refundsAsked(paymentIntentId)).toHaveLength(1);
    expect(lookups(paymentIntentId)).toHaveLength(1);
    expect(await owedFor(`late-refund:${paymentIntentId}`)).toMatchObject({ status: 'succeeded', refundId: earlier.id, attempts: 2 });
    expect(standin.object(succeeded.event.data.object.latest_charge as string)).toMatchObject({ amount_refunded: 8000 });
  });

  it('does not take a refund that failed at the provider for the one owed, and asks for another', async () => {
    const { owed, paymentIntentId, earlier } = await attemptLost();
    // The earlier attempt's refund failed at the provider (the bank sent the money back to it).
    const failed = standin.object(earlier.id)!;
    failed.status = 'failed';
    standin.object(failed.charge as string)!.amount_refunded = 0;
    await db.sql`update client_refunds set attempts = 1, first_attempt_at = now() - interval '25 hours' where id = ${owed.id}`;

    await runJob(`escrow.refund_payment:${paymentIntentId}`, 2);
    expect(refundsAsked(paymentIntentId)).toHaveLength(2);
    const row = await owedFor(`late-refund:${paymentIntentId}`);
    expect(row).toMatchObject({ status: 'succeeded' });
    expect(row!.refundId).not.toBe(earlier.id);
  });

  it('fails its row when the provider answers the request with a refund that failed', async () => {
    const { paymentIntentId, succeeded } = await latePayment();
    await deliver(succeeded);
    standin.refundsEndAs('failed');
    await runJob(`escrow.refund_payment:${paymentIntentId}`);
    expect(refundsAsked(paymentIntentId)).toHaveLength(1);
    const [made] = await t.deps.payments.listRefunds(paymentIntentId);
    expect(await owedFor(`late-refund:${paymentIntentId}`)).toMatchObject({
      status: 'failed', refundId: made!.id, providerStatus: 'failed', lastError: `the provider's refund ${made!.id} is failed`,
    });
  });

  it('adopts the earlier refund when the provider answers that the charge is refunded already', async () => {
    // Its attempt was recent (the key was lost some other way): the job asks first.
    const { paymentIntentId, succeeded, earlier } = await attemptLost();

    await runJob(`escrow.refund_payment:${paymentIntentId}`);
    // Asked again (the key was gone, so the provider refused), then found the first: one refund at the provider.
    expect(refundsAsked(paymentIntentId)).toHaveLength(2);
    expect(lookups(paymentIntentId)).toHaveLength(1);
    expect(await owedFor(`late-refund:${paymentIntentId}`)).toMatchObject({ status: 'succeeded', refundId: earlier.id });
    expect(standin.object(succeeded.event.data.object.latest_charge as string)).toMatchObject({ amount_refunded: 8000 });
  });
});

describe('a settlement refund', () => {
  it('owes the refund with the settlement, and records its row and the provider id on both', async () => {
    const { bookingId, milestoneId, checkoutSessionId } = await checkoutOpen();
    expect(await deliver(standin.completeCheckout(checkoutSessionId))).toBe('funded');
    applied(await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Fixed it myself' }));

    const owed = (await owedFor(`settle:${milestoneId}`))!;
    expect(owed).toMatchObject({ milestoneId, amount: 8000, status: 'pending' });
    const key = timerKey('escrow.refund', milestoneId);
    expect((await jobs(key)).map((j) => j.payload)).toEqual([{ refundId: owed.id }]);

    await runJob(key);
    const done = (await owedFor(`settle:${milestoneId}`))!;
    expect(done.status).toBe('succeeded');
    const [m] = await db.sql<{ refundId: string }[]>`select refund_id from milestones where id = ${milestoneId}`;
    expect(m!.refundId).toBe(done.refundId);
    expect(refundsAsked(owed.paymentIntentId)).toEqual([expect.objectContaining({ idempotencyKey: `refund:${owed.id}`, body: expect.objectContaining({ amount: '8000' }) })]);
    // A stray run of the same job finds it made and asks nothing.
    await tasks['escrow.refund'].run({ refundId: owed.id }, taskContext(db.sql, log, { jobId: 'stray' }));
    expect(refundsAsked(owed.paymentIntentId)).toHaveLength(1);
  });
});

describe('a refund the provider refuses', () => {
  it('fails its row, says so at error level, and is reported by reconciliation whatever the day', async () => {
    const { milestoneId, paymentIntentId, succeeded } = await latePayment();
    await deliver(succeeded);
    const owed = (await owedFor(`late-refund:${paymentIntentId}`))!;
    standin.failNext('POST', '/v1/refunds', 400, { type: 'invalid_request_error', code: 'charge_disputed', message: 'Charge ch_x has been charged back; cannot issue a refund.' });

    // Retrying cannot help: the job ends, and the row keeps why.
    await runJob(`escrow.refund_payment:${paymentIntentId}`);
    const failed = await owedFor(`late-refund:${paymentIntentId}`);
    expect(failed).toMatchObject({ status: 'failed', refundId: null, lastError: expect.stringMatching(/charged back/) });
    expect(logged.find((l) => l.refund === owed.id)).toMatchObject({ level: 50, msg: 'a refund owed to a client failed; it needs a person' });

    // A day with none of it still lists every refund owed and not made.
    const { mismatches } = await anyDay();
    expect(mismatches).toContainEqual({ kind: 'refund_refused', milestoneId, providerId: paymentIntentId, ours: 8000, theirs: failed!.lastError });
  });

  it('fails its row on the last attempt, and a pending refund past the grace period is reported too', async () => {
    const { paymentIntentId, succeeded } = await latePayment();
    await deliver(succeeded);
    // The SDK's own two retries and the job's attempt all meet an outage.
    standin.failNext('POST', '/v1/refunds', 500, { type: 'api_error', message: 'Injected outage' }, 3);
    await expect(runJob(`escrow.refund_payment:${paymentIntentId}`, 25)).rejects.toThrow(/Injected outage/);
    expect(await owedFor(`late-refund:${paymentIntentId}`)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/Injected outage/) });

    // Another still pending two hours after it was owed (its job retrying, or lost).
    const other = await latePayment();
    await deliver(other.succeeded);
    await db.sql`update client_refunds set created_at = now() - interval '2 hours' where cause = ${`late-refund:${other.paymentIntentId}`}`;
    const { mismatches } = await anyDay();
    expect(mismatches).toContainEqual({ kind: 'refund_not_sent', milestoneId: other.milestoneId, providerId: other.paymentIntentId, ours: 8000, theirs: null });
    expect(mismatches).toContainEqual(expect.objectContaining({ kind: 'refund_refused', providerId: paymentIntentId }));
  });
});

describe('a refund the provider takes and has not made yet', () => {
  /** A settlement's refund the provider answers with `status` (pending or requires_action), sent by its job. */
  async function refundInFlight(status: 'pending' | 'requires_action' = 'pending') {
    const { bookingId, milestoneId, checkoutSessionId } = await checkoutOpen();
    expect(await deliver(standin.completeCheckout(checkoutSessionId))).toBe('funded');
    applied(await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Plans changed' }));
    const owed = (await owedFor(`settle:${milestoneId}`))!;
    standin.refundsEndAs(status);
    await runJob(timerKey('escrow.refund', milestoneId));
    const [made] = await t.deps.payments.listRefunds(owed.paymentIntentId);
    expect(made).toMatchObject({ status, amount: 8000 });
    return { milestoneId, owed, providerRefund: made!.id };
  }
  const receiptRefunds = async (milestoneId: string) => {
    const res = await t.app.request(`/money/receipts/${milestoneId}`, { headers: { authorization: await bearer(client) } });
    expect(res.status).toBe(200);
    return ((await json(res)) as { refunds: { status: string; reference: string | null }[] }).refunds;
  };
  const milestoneRefundId = async (id: string) => (await db.sql<{ refundId: string | null }[]>`select refund_id from milestones where id = ${id}`)[0]!.refundId;
  const tasksCtx = () => taskContext(db.sql, log);

  it('is sent, not succeeded: the client sees it on its way, and no job asks again', async () => {
    const { milestoneId, owed, providerRefund } = await refundInFlight();
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'sent', refundId: providerRefund, providerStatus: 'pending', attempts: 1, lastError: null });
    expect(await receiptRefunds(milestoneId)).toEqual([expect.objectContaining({ status: 'pending', reference: null })]);
    // Not the milestone's refund until it is made.
    expect(await milestoneRefundId(milestoneId)).toBeNull();
    // A stray run of the job finds the refund with the provider and asks nothing.
    await tasks['escrow.refund'].run({ refundId: owed.id }, tasksCtx());
    expect(refundsAsked(owed.paymentIntentId)).toHaveLength(1);
    // Nothing to report while the provider has it: a pending refund is no fault.
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'sent', providerStatus: 'pending' });
  });

  it('that fails days later is failed by the nightly reconciliation, reported and logged for a person, and shown to the client', async () => {
    const { milestoneId, owed, providerRefund } = await refundInFlight('requires_action');
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'sent', providerStatus: 'requires_action' });
    standin.endRefund(providerRefund, 'failed');

    // The night's reconciliation, of a day with none of it.
    const from = logged.length;
    await tasks['escrow.reconcile'].run({ day: '2020-01-01' }, tasksCtx());
    const failed = await owedFor(`settle:${milestoneId}`);
    expect(failed).toMatchObject({ status: 'failed', refundId: providerRefund, providerStatus: 'failed', lastError: `the provider's refund ${providerRefund} is failed` });
    const report = logged.slice(from).find((l) => l.msg === 'the ledger does not reconcile with the provider');
    expect(report).toMatchObject({ level: 50 });
    expect(report!.mismatches).toContainEqual({ kind: 'refund_refused', milestoneId, providerId: owed.paymentIntentId, ours: 8000, theirs: failed!.lastError });
    expect(await receiptRefunds(milestoneId)).toEqual([expect.objectContaining({ status: 'failed', reference: null })]);
    // Every night after, until a person sees to it; the provider is not asked about it again.
    const reads = standin.requests().filter((r) => r.method === 'GET' && r.path === `/v1/refunds/${providerRefund}`).length;
    expect((await anyDay()).mismatches).toContainEqual(expect.objectContaining({ kind: 'refund_refused', milestoneId }));
    expect(standin.requests().filter((r) => r.method === 'GET' && r.path === `/v1/refunds/${providerRefund}`)).toHaveLength(reads);
  });

  it('still not made two weeks after the provider took it is reported every night, until it is', async () => {
    const { milestoneId, providerRefund } = await refundInFlight();
    await db.sql`update client_refunds set created_at = now() - interval '15 days' where milestone_id = ${milestoneId}`;
    expect((await anyDay()).mismatches).toContainEqual({ kind: 'refund_stuck', milestoneId, providerId: providerRefund, ours: 8000, theirs: 'pending' });
    standin.endRefund(providerRefund, 'succeeded');
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
  });

  it('that the provider makes later is succeeded by the nightly reconciliation, and becomes the milestone’s', async () => {
    const { milestoneId, providerRefund } = await refundInFlight();
    standin.endRefund(providerRefund, 'succeeded');
    const { checked, mismatches } = await anyDay();
    expect(checked.refundsSent).toBeGreaterThanOrEqual(1);
    expect(mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'succeeded', refundId: providerRefund, providerStatus: 'succeeded', lastError: null });
    expect(await milestoneRefundId(milestoneId)).toBe(providerRefund);
    expect(await receiptRefunds(milestoneId)).toEqual([expect.objectContaining({ status: 'succeeded', reference: providerRefund })]);
  });

  it('is read again from the provider on its refund events, whatever the event says', async () => {
    const { milestoneId, providerRefund } = await refundInFlight();
    // An event that says more than the provider does (old, out of order, or not the provider's word) changes nothing.
    const pending = standin.object(providerRefund)!;
    expect(await deliver(standin.signEvent('refund.updated', { ...pending, status: 'succeeded' }))).toBe('refund_sent');
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'sent', providerStatus: 'pending' });
    // The provider makes it: recorded on its event.
    expect(await deliver(standin.endRefund(providerRefund, 'succeeded'))).toBe('refund_succeeded');
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'succeeded', providerStatus: 'succeeded' });
    expect(await milestoneRefundId(milestoneId)).toBe(providerRefund);
    // charge.refund.updated about it again: nothing more to record.
    expect(await deliver(standin.signEvent('charge.refund.updated', standin.object(providerRefund)!))).toBe('refund_succeeded');
    // A refund none of our rows names is not ours to record.
    expect(await deliver(standin.signEvent('refund.updated', { id: 're_test_someone_elses', object: 'refund', status: 'succeeded' }))).toBe('ignored_unknown_refund');
  });

  it('that fails is failed on its refund.failed event, and logged at error level for a person', async () => {
    const { milestoneId, owed, providerRefund } = await refundInFlight();
    // Handled as the webhook route does, with this test's log.
    const failedEvent = standin.endRefund(providerRefund, 'failed');
    expect(await handleWebhook({ sql: db.sql, log }, t.deps.payments, failedEvent.rawBody, failedEvent.header)).toMatchObject({ outcome: 'refund_failed', duplicate: false });
    expect(await owedFor(`settle:${milestoneId}`)).toMatchObject({ status: 'failed', providerStatus: 'failed' });
    expect(logged.find((l) => l.refund === owed.id && l.level === 50)).toMatchObject({
      msg: 'a refund owed to a client failed at the provider; it needs a person', providerRefund, amount: 8000,
    });
    // A failed row is final: a later event about it records nothing.
    expect(await deliver(standin.signEvent('refund.updated', standin.object(providerRefund)!))).toBe('ignored_failed');
  });
});

// Last: it drops the table and builds it again from what the database held before migration 009, then 012.
describe('migrations 009 and 012', () => {
  it('keep settlements refunded with an id, to be read again, and owe the rest, with jobs that find refunds the old jobs made', async () => {
    // A late payment refunded the old way: under refund-payment:<payment>, naming only the milestone, its job
    // (still in the queue: it was queued again by a second event) carrying the old payload.
    const { milestoneId, paymentIntentId, succeeded } = await latePayment();
    await deliver(succeeded);
    const legacy = await t.deps.payments.createRefund({
      paymentIntentId, amount: 8000, metadata: { milestoneId, reason: 'late_payment' }, idempotencyKey: `refund-payment:${paymentIntentId}`,
    });
    const key = `escrow.refund_payment:${paymentIntentId}`;
    await db.sql`update graphile_worker._private_jobs set payload = ${JSON.stringify({ milestoneId, paymentIntentId, amount: 8000, currency: 'USD' })}::json where key = ${key}`;
    const [settled] = await db.sql<{ id: string; refundId: string }[]>`select id, refund_id from milestones where refund_id is not null`;
    expect(settled).toBeDefined();

    await db.sql`drop table client_refunds`;
    await db.sql.unsafe(await readFile(path.join(MIGRATIONS_DIR, '009_client_refunds.sql'), 'utf8'));

    expect(await owedFor(`settle:${settled!.id}`)).toMatchObject({ status: 'succeeded', refundId: settled!.refundId });
    // 012: a refund recorded as succeeded may have been pending at the provider: sent, until it is read again.
    await db.sql.unsafe(await readFile(path.join(MIGRATIONS_DIR, '012_client_refunds_sent.sql'), 'utf8'));
    expect(await owedFor(`settle:${settled!.id}`)).toMatchObject({ status: 'sent', refundId: settled!.refundId, providerStatus: null });
    const owed = (await owedFor(`late-refund:${paymentIntentId}`))!;
    expect(owed).toMatchObject({ milestoneId, amount: 8000, status: 'pending', refundId: null, providerStatus: null });
    expect((await jobs(key)).map((j) => j.payload)).toEqual([{ refundId: owed.id }]);

    const asked = refundsAsked(paymentIntentId).length;
    await runJob(key);
    expect(refundsAsked(paymentIntentId)).toHaveLength(asked);
    expect(await owedFor(`late-refund:${paymentIntentId}`)).toMatchObject({ status: 'succeeded', refundId: legacy.id, providerStatus: 'succeeded' });

    // The next reconciliation reads the settlement's refund again: the provider made it.
    await anyDay();
    expect(await owedFor(`settle:${settled!.id}`)).toMatchObject({ status: 'succeeded', refundId: settled!.refundId, providerStatus: 'succeeded' });
    expect(await db.sql`select 1 from client_refunds where status = 'sent'`).toEqual([]);
  });
});
