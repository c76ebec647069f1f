// Escrow's provider jobs through the real job runner, with the real Stripe provider (the SDK) pointed at the
// local stand-in: refunds and transfers carry keys derived from the milestone or payment, a failure is retried
// with the same key, and each movement reaches the provider and the ledger once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog } from '../../test/jobs';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, json, onboardedWorker, type TestApp } from '../../test/app';
import { acceptedBooking, applied, createUser, run, setPayoutAccount, uuidv7 } from '../../test/fixtures';
import { startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { scheduleJob } from '../jobs/queue';
import { startJobRunner, type JobRunner } from '../jobs/runner';
import { accounts } from '../ledger/accounts';
import { balance, trialBalance } from '../ledger/ledger';
import { reconcile } from '../payouts/reconcile';
import { sweepPaymentFees } from './fees';
import { escrowTasks, type EscrowTasks } from './tasks';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let runner: JobRunner;
let client: string;
const { log, logged } = capturedLog();

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  t = createTestApp(db.sql, standin.env);
  client = await createUser(db.sql);
  runner = await startJobRunner({
    connectionString: db.url, sql: db.sql, tasks: escrowTasks(t.deps.payments), concurrency: 2, pollInterval: 50,
    // What the tasks log, kept for assertions.
    log,
  });
});
afterAll(async () => {
  await runner?.stop();
  await standin?.close();
  await db?.drop();
});

async function waitFor<T>(check: () => Promise<T | undefined | false | null>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const bearer = (userId: string) => bearerFor(t, userId);

const onboarded = () => onboardedWorker(t, standin);

/** A booking funded the real way: checkout at the stand-in, the payer pays, the signed webhook arrives. */
async function fundedMilestone(worker: string) {
  const { bookingId } = await acceptedBooking(db.sql, client, worker);
  const [{ id: milestoneId }] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}` as never as [{ id: string }];
  const res = await t.app.request('/pay/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(client) },
    body: JSON.stringify({ milestoneId, commandId: uuidv7() }),
  });
  expect(res.status).toBe(200);
  const [{ checkoutSessionId }] = await db.sql`select checkout_session_id from milestones where id = ${milestoneId}` as never as [{ checkoutSessionId: string }];
  return { bookingId, milestoneId, checkoutSessionId };
}

async function pay(checkoutSessionId: string) {
  const paid = standin.completeCheckout(checkoutSessionId);
  const res = await t.app.request('/pay/webhook', { method: 'POST', body: paid.rawBody, headers: { 'stripe-signature': paid.header } });
  expect(res.status).toBe(200);
  const pi = paid.event.data.object;
  return { outcome: (await json(res)).outcome as string, paymentIntentId: pi.id as string, chargeId: pi.latest_charge as string };
}

async function releasedMilestone(worker: string) {
  const funded = await fundedMilestone(worker);
  const payment = await pay(funded.checkoutSessionId);
  expect(payment.outcome).toBe('funded');
  applied(await run(db.sql, worker, 'booking.start', { bookingId: funded.bookingId }));
  applied(await run(db.sql, worker, 'booking.deliver', { bookingId: funded.bookingId }));
  applied(await run(db.sql, client, 'booking.approve', { bookingId: funded.bookingId }));
  return { ...funded, ...payment };
}

const milestone = async (id: string) =>
  (await db.sql<{ releasedAmount: number; feeAmount: number; refundedAmount: number; transferId: string | null; refundId: string | null }[]>`
    select released_amount, fee_amount, refunded_amount, transfer_id, refund_id from milestones where id = ${id}`)[0]!;
const requestsTo = (path: string) => standin.requests().filter((r) => r.method === 'POST' && r.path === path);
const transfersFor = (milestoneId: string) => requestsTo('/v1/transfers').filter((r) => (r.body.metadata as Record<string, string>).milestoneId === milestoneId);
const postings = async (dedupeKey: string) => (await db.sql`select count(*)::int as n from ledger_postings where dedupe_key = ${dedupeKey}`)[0]!.n as number;
const pendingJobs = async (task: string) => (await db.sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${task}`)[0]!.n as number;

/** The hourly payout run, now; resolves once it and the transfers it queued have run. */
async function payoutRun() {
  await scheduleJob<EscrowTasks>(db.sql, { task: 'escrow.payout_run', payload: {}, runAt: new Date() });
  await waitFor(async () => (await pendingJobs('escrow.payout_run')) === 0 && (await pendingJobs('escrow.transfer')) === 0);
}

async function ledgerIsBalanced() {
  const { totals } = await trialBalance(db.sql);
  for (const total of Object.values(totals)) expect(total).toBe(0);
}

describe('escrow.refund', () => {
  it('refunds what the ledger refunded, once, under refund:<refund owed>', async () => {
    const { worker } = await onboarded();
    const { bookingId, milestoneId, checkoutSessionId } = await fundedMilestone(worker);
    const { paymentIntentId } = await pay(checkoutSessionId);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Fixed it myself' }));
    const { refundId } = await waitFor(async () => {
      const m = await milestone(milestoneId);
      return m.refundId ? m : undefined;
    });
    const sent = requestsTo('/v1/refunds').filter((r) => r.body.payment_intent === paymentIntentId);
    expect(sent).toHaveLength(1);
    const [owed] = await db.sql<{ id: string; refundId: string; status: string }[]>`select id, refund_id, status from client_refunds where cause = ${`settle:${milestoneId}`}`;
    expect(owed).toMatchObject({ refundId, status: 'succeeded' });
    expect(sent[0]).toMatchObject({ idempotencyKey: `refund:${owed!.id}`, body: { amount: '8000', metadata: { clientRefundId: owed!.id, milestoneId } } });
    expect(standin.object(refundId!)).toMatchObject({ object: 'refund', amount: 8000, payment_intent: paymentIntentId });
    expect(await pendingJobs('escrow.refund')).toBe(0);
    await ledgerIsBalanced();
  });

  it('refunds a payment that arrives for a milestone cancelled meanwhile, under refund:<refund owed>', async () => {
    const { worker } = await onboarded();
    const { bookingId, checkoutSessionId } = await fundedMilestone(worker);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId }));
    const { outcome, paymentIntentId, chargeId } = await pay(checkoutSessionId);
    expect(outcome).toBe('refunded_late');
    const [sent] = await waitFor(async () => {
      const r = requestsTo('/v1/refunds').filter((x) => x.body.payment_intent === paymentIntentId);
      return r.length > 0 && r;
    });
    const [owed] = await db.sql<{ id: string }[]>`select id from client_refunds where cause = ${`late-refund:${paymentIntentId}`}`;
    expect(sent).toMatchObject({ idempotencyKey: `refund:${owed!.id}`, body: { amount: '8000' } });
    await waitFor(async () => (await pendingJobs('escrow.refund_payment')) === 0);
    expect(standin.object(chargeId)).toMatchObject({ amount_refunded: 8000, refunded: true });
    await ledgerIsBalanced();
  });
});

describe('the payment webhook', () => {
  it('funds once when the provider delivers the same event several times at once, and every copy answers with the recorded outcome', async () => {
    const { worker } = await onboarded();
    const { milestoneId, checkoutSessionId } = await fundedMilestone(worker);
    const paid = standin.completeCheckout(checkoutSessionId);
    const deliver = () => t.app.request('/pay/webhook', { method: 'POST', body: paid.rawBody, headers: { 'stripe-signature': paid.header } });
    const answers = await Promise.all(Array.from({ length: 4 }, async () => json(await deliver())));
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    // The copy that funded recorded the event in the same transaction; its record answers for all.
    expect(answers.map((a) => a.outcome)).toEqual(['funded', 'funded', 'funded', 'funded']);
    expect((await db.sql`select outcome from payment_events where id = ${paid.event.id}`)[0]!.outcome).toBe('funded');
    expect(await postings(`funding:${paid.event.data.object.id}`)).toBe(1);
    expect((await milestone(milestoneId)).releasedAmount).toBe(0);
    await ledgerIsBalanced();
  });
});

describe('escrow.transfer and the payout run', () => {
  it("transfers the worker's net from the milestone's charge, once, and the payable comes back to zero", async () => {
    const { worker, accountId } = await onboarded();
    const { bookingId, milestoneId, chargeId } = await releasedMilestone(worker);
    const released = await milestone(milestoneId);
    expect(released).toMatchObject({ releasedAmount: 8000, feeAmount: 800, transferId: null });
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(7200);

    await payoutRun();
    const sent = transfersFor(milestoneId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      idempotencyKey: `transfer:${milestoneId}`,
      body: { amount: '7200', currency: 'usd', destination: accountId, source_transaction: chargeId, transfer_group: bookingId },
    });
    const { transferId } = await milestone(milestoneId);
    expect(standin.object(transferId!)).toMatchObject({ object: 'transfer', amount: 7200, destination: accountId });
    expect(await postings(`transfer:${milestoneId}`)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);

    // The next run, and a stray transfer job for the same milestone, find it paid and call nobody.
    await payoutRun();
    await scheduleJob<EscrowTasks>(db.sql, { task: 'escrow.transfer', payload: { milestoneId }, runAt: new Date() });
    await waitFor(async () => (await pendingJobs('escrow.transfer')) === 0);
    expect(transfersFor(milestoneId)).toHaveLength(1);
    expect(await postings(`transfer:${milestoneId}`)).toBe(1);
    await ledgerIsBalanced();
  });

  it('retries a transfer the provider failed, with the same key, until it succeeds: one transfer, one posting', async () => {
    const { worker } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    // Three failures: the SDK's own two retries, then the job's first attempt fails and is retried later.
    standin.failNext('POST', '/v1/transfers', 500, { type: 'api_error', message: 'Injected outage' }, 3);
    await scheduleJob<EscrowTasks>(db.sql, { task: 'escrow.transfer', payload: { milestoneId }, runAt: new Date() });
    const [failed] = await waitFor(async () => {
      const j = await db.sql<{ attempts: number; lastError: string | null }[]>`
        select attempts, last_error from graphile_worker.jobs where task_identifier = 'escrow.transfer' and locked_at is null and last_error is not null`;
      return j.length > 0 && j;
    });
    expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/Injected outage/) });
    expect((await milestone(milestoneId)).transferId).toBeNull();
    expect(await postings(`transfer:${milestoneId}`)).toBe(0);

    // graphile-worker's backoff after a first failure: about 2.7 s.
    const { transferId } = await waitFor(async () => {
      const m = await milestone(milestoneId);
      return m.transferId ? m : undefined;
    });
    const sent = transfersFor(milestoneId);
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([`transfer:${milestoneId}`]));
    expect([...new Set(sent.map((r) => JSON.stringify(r.body)))]).toHaveLength(1);
    expect(standin.object(transferId!)).toMatchObject({ amount: 7200 });
    expect(await postings(`transfer:${milestoneId}`)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
    await ledgerIsBalanced();
  });

  it('records the transfer the provider already made when an earlier attempt was lost after the call', async () => {
    const { worker, accountId } = await onboarded();
    const { bookingId, milestoneId, chargeId } = await releasedMilestone(worker);
    // As if an attempt reached the provider and died before writing anything of ours.
    const earlier = await t.deps.payments.createTransfer({
      amount: 7200, currency: 'USD', destination: accountId, sourceTransaction: chargeId, transferGroup: bookingId,
      metadata: { milestoneId, bookingId }, idempotencyKey: `transfer:${milestoneId}`,
    });
    await payoutRun();
    // The job's call was answered with the transfer made before (Stripe's idempotency), not a second one.
    expect((await milestone(milestoneId)).transferId).toBe(earlier.id);
    expect(transfersFor(milestoneId).map((r) => r.idempotencyKey)).toEqual([`transfer:${milestoneId}`, `transfer:${milestoneId}`]);
    expect(await postings(`transfer:${milestoneId}`)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
  });

  it('pays out at once what the worker asks for with payout.request', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    const asked = applied(await run(db.sql, worker, 'payout.request', {}));
    expect(asked).toEqual({ milestones: [milestoneId], amount: 7200, currency: 'USD' });
    const { transferId } = await waitFor(async () => {
      const m = await milestone(milestoneId);
      return m.transferId ? m : undefined;
    });
    expect(transfersFor(milestoneId)).toEqual([expect.objectContaining({ idempotencyKey: `transfer:${milestoneId}`, body: expect.objectContaining({ amount: '7200', destination: accountId }) })]);
    expect(standin.object(transferId!)).toMatchObject({ amount: 7200 });
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
    expect((await run(db.sql, worker, 'payout.request', {})).rejection?.code).toBe('nothing_to_pay_out');
  });

  it('skips a worker whose account cannot receive transfers, and pays them at the next run once it can', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    // The provider took transfers away after the work was accepted (requirements past due), and said so.
    standin.deactivateAccount(accountId);
    await setPayoutAccount(db.sql, worker, { provider: 'stripe', accountId, transfersActive: false });

    await payoutRun();
    // A transfer job queued before the account changed (a payout request) finds it inactive too.
    await scheduleJob<EscrowTasks>(db.sql, { task: 'escrow.transfer', payload: { milestoneId }, runAt: new Date() });
    await waitFor(async () => (await pendingJobs('escrow.transfer')) === 0);
    expect(transfersFor(milestoneId)).toHaveLength(0);
    expect((await milestone(milestoneId)).transferId).toBeNull();
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(7200);

    standin.activateAccount(accountId);
    await setPayoutAccount(db.sql, worker, { provider: 'stripe', accountId, transfersActive: true });
    await payoutRun();
    expect(transfersFor(milestoneId)).toHaveLength(1);
    expect((await milestone(milestoneId)).transferId).not.toBeNull();
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
    await ledgerIsBalanced();
  });

  it('stops trying an account the provider refuses before we heard it changed, and records it as not active', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    standin.deactivateAccount(accountId); // account.updated has not arrived: our row still says active

    await payoutRun();
    expect(transfersFor(milestoneId)).toHaveLength(1); // refused by the provider
    const [row] = await db.sql`select transfers_active from payout_accounts where user_id = ${worker}`;
    expect(row!.transfersActive).toBe(false);
    expect((await milestone(milestoneId)).transferId).toBeNull();
    expect(await db.sql`select 1 from graphile_worker.jobs where key = ${`escrow.transfer:${milestoneId}`}`).toHaveLength(0);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(7200);
  });
});

describe('reconciliation with the provider', () => {
  // Runs after everything above: every funding, transfer and refund those tests made is in the period.
  const today = () => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });

  it('finds the ledger and the provider in agreement, then names the one transfer and the one refund that differ', async () => {
    // Before the fee sweep has run, each payment's fee is missing, and nothing else differs.
    const unswept = await reconcile(db.sql, t.deps.payments, today());
    expect(unswept.mismatches.length).toBe(unswept.checked.payments);
    expect(new Set(unswept.mismatches.map((m) => m.kind))).toEqual(new Set(['payment_fee_missing']));
    const swept = await sweepPaymentFees(db.sql, t.deps.payments, capturedLog().log);
    expect(swept).toEqual({ recorded: unswept.checked.payments, notSettled: 0, failed: 0 });

    const clean = await reconcile(db.sql, t.deps.payments, today());
    expect(clean.mismatches).toEqual([]);
    expect(clean.checked.payments).toBeGreaterThanOrEqual(8);
    expect(clean.checked.transfers).toBeGreaterThanOrEqual(4);
    expect(clean.checked.refunds).toBeGreaterThanOrEqual(1);

    // Deliberately wrong, one record on each side: the provider's transfer says less than the ledger paid
    // out, and our refund id names nothing the provider has.
    const { worker } = await onboarded();
    const paidOut = await releasedMilestone(worker);
    await payoutRun();
    await sweepPaymentFees(db.sql, t.deps.payments, capturedLog().log);
    const { transferId } = await milestone(paidOut.milestoneId);
    standin.object(transferId!)!.amount = 7100;
    const [refunded] = await db.sql<{ id: string; refundId: string }[]>`select id, refund_id from milestones where refund_id is not null limit 1`;
    await db.sql`update client_refunds set refund_id = 're_test_nowhere' where cause = ${`settle:${refunded!.id}`}`;

    const found = await reconcile(db.sql, t.deps.payments, today());
    expect(found.mismatches).toEqual(
      expect.arrayContaining([
        { kind: 'transfer_amount', milestoneId: paidOut.milestoneId, providerId: transferId, ours: 7200, theirs: 7100 },
        { kind: 'refund_missing', milestoneId: refunded!.id, providerId: 're_test_nowhere', ours: 're_test_nowhere', theirs: null },
      ]),
    );
    expect(found.mismatches).toHaveLength(2);
    // A period with none of it has nothing to say.
    const earlier = await reconcile(db.sql, t.deps.payments, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
    expect(earlier).toMatchObject({ checked: { payments: 0, transfers: 0, refunds: 0 }, mismatches: [] });

    // The nightly job, here for today: one line that says what differs.
    const day = new Date().toISOString().slice(0, 10);
    await scheduleJob<EscrowTasks>(db.sql, { task: 'escrow.reconcile', payload: { day }, runAt: new Date() });
    const line = await waitFor(async () => logged.find((l) => l.task === 'escrow.reconcile' && l.msg === 'the ledger does not reconcile with the provider'));
    expect(line).toMatchObject({ level: 50, from: `${day}T00:00:00.000Z`, mismatched: 2 });
    expect((line.mismatches as { kind: string }[]).map((m) => m.kind).sort()).toEqual(['refund_missing', 'transfer_amount']);
  });
});
