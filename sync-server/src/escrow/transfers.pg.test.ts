// Workers' transfers (escrow.transfer and escrow.payout_run in tasks.ts, transfers.ts) with the real Stripe
// provider pointed at the local stand-in: made once even when the provider's answer was lost and it forgot
// our key before the retry, a refusal while the account can receive kept for a person and not retried every
// hour, a job failing on every attempt left to its own retries and kept for a person on its last, and money
// released and not transferred reported by reconciliation whatever its day. Jobs are run here by hand from
// the queue, as a runner would, so that the test decides what happens between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, deliverWebhook, json, onboardedWorker, type TestApp } from '../../test/app';
import { acceptedBooking, applied, createUser, run, uuidv7 } from '../../test/fixtures';
import { capturedLog, queuedJobs, runQueuedJob, taskContext } from '../../test/jobs';
import { startStripeStandin, type SignedEvent, type StripeStandin } from '../../test/stripe-standin';
import { accounts } from '../ledger/accounts';
import { balance } from '../ledger/ledger';
import { PaymentProviderError } from '../payments/provider';
import { reconcile } from '../payouts/reconcile';
import { escrowTasks, type EscrowTasks } from './tasks';
import { timerKey } from './timers';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let tasks: EscrowTasks;
let client: string;
const { log, logged } = capturedLog();

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  t = createTestApp(db.sql, standin.env);
  tasks = escrowTasks(t.deps.payments);
  client = await createUser(db.sql);
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
});

const bearer = (userId: string) => bearerFor(t, userId);

const deliver = (e: SignedEvent) => deliverWebhook(t, e);

/** The provider tells us the account changed; the handler reads it again from the stand-in. */
const accountUpdated = (accountId: string) => deliver(standin.signEvent('account.updated', { id: accountId, object: 'account' }));

const onboarded = () => onboardedWorker(t, standin);

/** Paid through a checkout at the stand-in, delivered and approved: 8000 released, 7200 the worker's net. */
async function releasedMilestone(worker: string) {
  const { bookingId } = await acceptedBooking(db.sql, client, worker);
  const [{ id: milestoneId }] = (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`) as unknown as [{ id: string }];
  const res = await t.app.request('/pay/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(client) },
    body: JSON.stringify({ milestoneId, commandId: uuidv7() }),
  });
  expect(res.status).toBe(200);
  const [{ checkoutSessionId }] = (await db.sql`select checkout_session_id from milestones where id = ${milestoneId}`) as unknown as [{ checkoutSessionId: string }];
  const paid = standin.completeCheckout(checkoutSessionId);
  expect(await deliver(paid)).toBe('funded');
  applied(await run(db.sql, worker, 'booking.start', { bookingId }));
  applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
  applied(await run(db.sql, client, 'booking.approve', { bookingId }));
  return { bookingId, milestoneId, chargeId: paid.event.data.object.latest_charge as string };
}

const ctx = (key: string | null, attempt = 1) => taskContext(db.sql, log, { key, attempt });
const jobs = (key: string) => queuedJobs(db.sql, key);
const transferJob = (milestoneId: string) => timerKey('escrow.transfer', milestoneId);

/** Runs the queued transfer job under `key` as a runner would (its task, then the job is done); throws what the task throws. */
const runJob = (key: string, attempt = 1) => runQueuedJob(db.sql, tasks, log, key, attempt);

/** The hourly payout run, now: queues the transfers (run with runJob). */
const payoutRun = () => tasks['escrow.payout_run'].run({}, ctx(null));

const transfersAsked = (milestoneId: string) =>
  standin.requests().filter((r) => r.method === 'POST' && r.path === '/v1/transfers' && (r.body.metadata as Record<string, string>).milestoneId === milestoneId);
const lookups = (bookingId: string) => standin.requests().filter((r) => r.method === 'GET' && r.path === '/v1/transfers' && r.body.transfer_group === bookingId);
const milestone = async (id: string) => (await db.sql<{ transferId: string | null }[]>`select transfer_id from milestones where id = ${id}`)[0]!;
const postings = async (milestoneId: string) => (await db.sql`select count(*)::int as n from ledger_postings where dedupe_key = ${`transfer:${milestoneId}`}`)[0]!.n as number;
const attempts = async (milestoneId: string) =>
  (await db.sql<{ attempts: number; refusals: number; refusedAt: Date | null; lastError: string | null }[]>`
    select attempts, refusals, refused_at, last_error from milestone_transfers where milestone_id = ${milestoneId}`)[0];
/** A day with none of this test's postings: what reconciliation reports whatever the day. */
const anyDay = () => reconcile(db.sql, t.deps.payments, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });

describe('a transfer whose answer was lost', () => {
  it('is made once when the account lost its transfers before the retry and the provider forgot the key by the time it was back', async () => {
    const { worker, accountId } = await onboarded();
    const { bookingId, milestoneId } = await releasedMilestone(worker);
    const key = transferJob(milestoneId);
    await payoutRun();

    // The call reaches the provider, which makes the transfer; its answer is lost, and so are the answers to
    // the SDK's two retries (replays of the same transfer).
    standin.loseResponses('POST', '/v1/transfers', 3);
    await expect(runJob(key)).rejects.toThrow();
    expect(transfersAsked(milestoneId)).toHaveLength(3);
    expect(await milestone(milestoneId)).toEqual({ transferId: null });
    expect(await postings(milestoneId)).toBe(0);
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 1, refusals: 0 });

    // Before the job's retry the account loses its transfers, and the provider says so: the retry waits.
    standin.deactivateAccount(accountId);
    expect(await accountUpdated(accountId)).toBe('account_pending');
    await runJob(key, 2);
    expect(await jobs(key)).toEqual([]);
    expect(transfersAsked(milestoneId)).toHaveLength(3);

    // Days later the worker fixes their account; the provider has pruned our key meanwhile.
    await db.sql`update milestone_transfers set first_attempt_at = first_attempt_at - interval '3 days' where milestone_id = ${milestoneId}`;
    standin.forgetIdempotencyKeys();
    standin.activateAccount(accountId);
    expect(await accountUpdated(accountId)).toBe('account_active');
    await payoutRun();
    await runJob(key);

    // The booking's transfers were looked up, the one made then adopted, and nothing asked again.
    expect(transfersAsked(milestoneId)).toHaveLength(3);
    expect(lookups(bookingId)).toHaveLength(1);
    const atProvider = await t.deps.payments.listTransfers(bookingId);
    expect(atProvider).toEqual([expect.objectContaining({ amount: 7200, destination: accountId, metadata: { milestoneId, bookingId } })]);
    expect(await milestone(milestoneId)).toEqual({ transferId: atProvider[0]!.id });
    expect(await postings(milestoneId)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 2, refusals: 0, refusedAt: null });
  });

  /** A released milestone whose transfer an earlier attempt made and never recorded; the provider has since forgotten the key. */
  async function attemptLost() {
    const { worker, accountId } = await onboarded();
    const { bookingId, milestoneId, chargeId } = await releasedMilestone(worker);
    const earlier = await t.deps.payments.createTransfer({
      amount: 7200, currency: 'USD', destination: accountId, sourceTransaction: chargeId, transferGroup: bookingId,
      metadata: { milestoneId, bookingId }, idempotencyKey: `transfer:${milestoneId}`,
    });
    standin.forgetIdempotencyKeys();
    return { worker, bookingId, milestoneId, earlier };
  }

  it('adopts the transfer an earlier attempt made when the provider may have forgotten the key, and asks for none', async () => {
    const { worker, bookingId, milestoneId, earlier } = await attemptLost();
    // That attempt was a day ago.
    await db.sql`insert into milestone_transfers (milestone_id, attempts, first_attempt_at) values (${milestoneId}, 1, now() - interval '25 hours')`;

    await payoutRun();
    await runJob(transferJob(milestoneId), 2);
    expect(transfersAsked(milestoneId)).toHaveLength(1);
    expect(lookups(bookingId)).toHaveLength(1);
    expect(await milestone(milestoneId)).toEqual({ transferId: earlier.id });
    expect(await postings(milestoneId)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
  });

  it('adopts the earlier transfer when the provider refuses a second one from the same charge', async () => {
    // Its attempt was recent (the key was lost some other way): the job asks first.
    const { bookingId, milestoneId, earlier } = await attemptLost();

    await payoutRun();
    await runJob(transferJob(milestoneId));
    // Asked again (the key was gone, so the provider refused more than the charge), then found the first.
    expect(transfersAsked(milestoneId)).toHaveLength(2);
    expect(lookups(bookingId)).toHaveLength(1);
    expect(await milestone(milestoneId)).toEqual({ transferId: earlier.id });
    expect(await postings(milestoneId)).toBe(1);
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 1, refusals: 0, refusedAt: null });
  });
});

describe('a transfer the provider refuses', () => {
  it('while the account can receive: kept for a person, not queued by the payout run, reported whatever the day, tried again under a new key once the account changes', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    const key = transferJob(milestoneId);
    standin.failNext('POST', '/v1/transfers', 400, { type: 'invalid_request_error', code: 'transfers_not_allowed', message: 'Transfers to this account are not allowed for its country.' });

    await payoutRun();
    // No retry can help: the job ends, and the row keeps why.
    await runJob(key);
    const refused = await attempts(milestoneId);
    expect(refused).toMatchObject({ attempts: 1, refusals: 1, refusedAt: expect.any(Date), lastError: expect.stringMatching(/not allowed for its country/) });
    expect(logged.find((l) => l.milestoneId === milestoneId && l.level === 50)).toMatchObject({
      msg: 'a transfer to a worker was refused while their account can receive transfers; it needs a person', accountId, amount: 7200,
    });
    const [account] = await db.sql`select transfers_active from payout_accounts where user_id = ${worker}`;
    expect(account!.transfersActive).toBe(true);

    // The next hourly runs leave it alone.
    await payoutRun();
    await payoutRun();
    expect(await jobs(key)).toEqual([]);
    expect(transfersAsked(milestoneId)).toHaveLength(1);
    expect((await anyDay()).mismatches).toContainEqual({ kind: 'transfer_refused', milestoneId, providerId: accountId, ours: 7200, theirs: refused!.lastError });

    // The account changes at the provider (the worker or we fixed it): the next run tries once more, with a key
    // of its own (the provider would answer the first with its refusal for a day).
    expect(await accountUpdated(accountId)).toBe('account_active');
    await payoutRun();
    await runJob(key);
    expect(transfersAsked(milestoneId).map((r) => r.idempotencyKey)).toEqual([`transfer:${milestoneId}`, `transfer:${milestoneId}:1`]);
    expect((await milestone(milestoneId)).transferId).toEqual(expect.stringMatching(/^tr_/));
    expect(await postings(milestoneId)).toBe(1);
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 2, refusedAt: null, lastError: null });
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
  });

  it('because the account lost its transfers: waits for it, unreported, and pays under a new key once it is fixed', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId, bookingId, chargeId } = await releasedMilestone(worker);
    const key = transferJob(milestoneId);
    standin.deactivateAccount(accountId); // account.updated has not reached us: our row still says active

    await payoutRun();
    await runJob(key);
    expect(await attempts(milestoneId)).toMatchObject({ refusals: 1, refusedAt: null, lastError: expect.stringMatching(/capabilities/) });
    const [account] = await db.sql`select transfers_active from payout_accounts where user_id = ${worker}`;
    expect(account!.transfersActive).toBe(false);
    expect(logged.find((l) => l.milestoneId === milestoneId)).toMatchObject({ level: 40, msg: 'transfer refused: the account cannot receive transfers; waiting for it' });
    await payoutRun();
    expect(await jobs(key)).toEqual([]);
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);

    standin.activateAccount(accountId);
    expect(await accountUpdated(accountId)).toBe('account_active');
    await payoutRun();
    await runJob(key);
    expect(transfersAsked(milestoneId).map((r) => r.idempotencyKey)).toEqual([`transfer:${milestoneId}`, `transfer:${milestoneId}:1`]);
    expect((await milestone(milestoneId)).transferId).not.toBeNull();
    expect(await postings(milestoneId)).toBe(1);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(0);
    // The first key would still have answered with the refusal.
    const again = await t.deps.payments
      .createTransfer({ amount: 7200, currency: 'USD', destination: accountId, sourceTransaction: chargeId, transferGroup: bookingId, metadata: { milestoneId, bookingId }, idempotencyKey: `transfer:${milestoneId}` })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PaymentProviderError);
    expect(again).toMatchObject({ providerCode: 'insufficient_capabilities_for_transfer' });
  });
});

describe('a transfer the provider keeps failing', () => {
  /**
   * One attempt of the queued job under `key` as graphile-worker makes it: counted when taken, the task run with
   * that count, the job done on success, kept with its error for the next attempt on failure. Throws what the task throws.
   */
  async function attemptJob(key: string) {
    const [job] = await db.sql<{ id: string; payload: unknown; attempts: number; maxAttempts: number }[]>`
      update graphile_worker._private_jobs set attempts = attempts + 1 where key = ${key} returning id, payload, attempts, max_attempts`;
    if (!job) throw new Error(`no job queued under ${key}`);
    const task = tasks['escrow.transfer'];
    try {
      await task.run(task.payload.parse(job.payload), { ...ctx(key, job.attempts), maxAttempts: job.maxAttempts });
    } catch (e) {
      await db.sql`update graphile_worker._private_jobs set last_error = ${String(e)} where id = ${job.id}`;
      throw e;
    }
    await db.sql`delete from graphile_worker._private_jobs where id = ${job.id}`;
  }
  const jobState = async (key: string) => (await db.sql<{ attempts: number; maxAttempts: number }[]>`select attempts, max_attempts from graphile_worker._private_jobs where key = ${key}`)[0];
  /** Stripe answers a key without access to the account with 403, which no retry is sure to change. */
  const permissionDenied = () =>
    standin.failNext('POST', '/v1/transfers', 403, { type: 'invalid_request_error', message: 'The provided key does not have access to the destination account.' });

  it('is retried by its job alone, not queued again by the payout run; its last failure is kept for a person and reported', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    const key = transferJob(milestoneId);
    await payoutRun();

    permissionDenied();
    await expect(attemptJob(key)).rejects.toMatchObject({ code: 'permission' });
    expect(await jobState(key)).toEqual({ attempts: 1, maxAttempts: 25 });
    // The hourly runs leave the retrying job as it is: queued again, its attempts would start over, for ever.
    await payoutRun();
    await payoutRun();
    expect(await jobState(key)).toEqual({ attempts: 1, maxAttempts: 25 });
    expect(logged.findLast((l) => l.msg === 'payout run')).toMatchObject({ waiting: 1 });
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 1, refusedAt: null });

    // Days of retries later, its last attempt fails the same way.
    await db.sql`update graphile_worker._private_jobs set attempts = 24 where key = ${key}`;
    permissionDenied();
    await expect(attemptJob(key)).rejects.toMatchObject({ code: 'permission' });
    const gaveUp = await attempts(milestoneId);
    expect(gaveUp).toMatchObject({ attempts: 2, refusals: 0, refusedAt: expect.any(Date), lastError: expect.stringMatching(/does not have access/) });
    expect(logged.find((l) => l.milestoneId === milestoneId && l.level === 50)).toMatchObject({ msg: 'a transfer to a worker failed on its last attempt; it needs a person' });
    expect((await anyDay()).mismatches).toContainEqual({ kind: 'transfer_refused', milestoneId, providerId: accountId, ours: 7200, theirs: gaveUp!.lastError });
    // Left alone by the payout run, as a refusal is, until the account changes.
    await payoutRun();
    expect(await jobState(key)).toEqual({ attempts: 25, maxAttempts: 25 });
    expect(transfersAsked(milestoneId)).toHaveLength(2);

    // The account changes at the provider (we fixed our access): the spent job is queued anew, under the same
    // provider key (the failed calls made nothing, or what they made is found under it).
    expect(await accountUpdated(accountId)).toBe('account_active');
    await payoutRun();
    expect(await jobState(key)).toEqual({ attempts: 0, maxAttempts: 25 });
    await attemptJob(key);
    expect(transfersAsked(milestoneId).map((r) => r.idempotencyKey)).toEqual([`transfer:${milestoneId}`, `transfer:${milestoneId}`, `transfer:${milestoneId}`]);
    expect((await milestone(milestoneId)).transferId).toEqual(expect.stringMatching(/^tr_/));
    expect(await postings(milestoneId)).toBe(1);
    expect(await attempts(milestoneId)).toMatchObject({ attempts: 3, refusedAt: null, lastError: null });
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
  });
});

describe('reconciliation of transfers', () => {
  it('reports money released to an account that can receive it and not transferred after the grace period, whatever its day', async () => {
    const { worker, accountId } = await onboarded();
    const { milestoneId } = await releasedMilestone(worker);
    const overdue = { kind: 'transfer_overdue', milestoneId, providerId: accountId, ours: 7200, theirs: null };
    // Just released: the next payout run is its turn.
    expect((await anyDay()).mismatches).not.toContainEqual(overdue);

    // Seven hours on, with no payout run that made it.
    await db.sql`update milestones set settled_at = settled_at - interval '7 hours' where id = ${milestoneId}`;
    await db.sql`update payout_accounts set updated_at = updated_at - interval '7 hours' where user_id = ${worker}`;
    expect((await anyDay()).mismatches).toContainEqual(overdue);

    // Not while the account cannot receive (the worker's to fix), nor once it is paid.
    await db.sql`update payout_accounts set transfers_active = false where user_id = ${worker}`;
    expect((await anyDay()).mismatches).not.toContainEqual(overdue);
    await db.sql`update payout_accounts set transfers_active = true where user_id = ${worker}`;
    await payoutRun();
    await runJob(transferJob(milestoneId));
    expect((await anyDay()).mismatches.filter((m) => m.milestoneId === milestoneId)).toEqual([]);
  });
});
