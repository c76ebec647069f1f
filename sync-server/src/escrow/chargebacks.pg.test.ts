// Chargebacks (chargebacks.ts) through the webhook, with the real Stripe provider pointed at the local stand-in:
// the bank's money taken from escrow or, once the worker was paid, from the platform; a held milestone that
// nothing can release or refund; money back and the review clock restarted when the bank decides for us; the
// part ended (and the booking with it) when the bank decides for the client; each effect once, in any order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, deliverWebhook, json, openCheckout, type TestApp } from '../../test/app';
import { applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { capturedLog, queuedJobs, runQueuedJob } from '../../test/jobs';
import { ledgerViolations } from '../../test/ledger-checks';
import { startStripeStandin, type SignedEvent, type StripeStandin } from '../../test/stripe-standin';
import { checkLedgerInvariants } from '../ledger/invariants';
import { balance } from '../ledger/ledger';
import { parsePeriod } from '../money/period';
import { settlementReport } from '../money/settlement';
import { reconcile } from '../payouts/reconcile';
import { closeWindow, DISPUTE_RESPONSE_MS, windowKey } from '../disputes/tasks';
import { followOpenBankDisputes, stageOf } from './chargebacks';
import { escrowTasks, type EscrowTasks } from './tasks';
import { timerKey } from './timers';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let client: string;
let worker: string;
let tasks: EscrowTasks;
const { log } = capturedLog();

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

const deliver = (e: SignedEvent) => deliverWebhook(t, e);

/** A booking whose one milestone (8000 USD) has its checkout open at the stand-in. */
const checkoutOpen = () => openCheckout(t, client, worker);

/** The same, paid by the client; submitted for review when asked. */
async function paid(opts: { submitted?: boolean } = {}) {
  const { bookingId, gigId, milestoneId, checkoutSessionId } = await checkoutOpen();
  const succeeded = standin.completeCheckout(checkoutSessionId);
  expect(await deliver(succeeded)).toBe('funded');
  if (opts.submitted) {
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId }));
  }
  return { bookingId, gigId, milestoneId, paymentIntentId: succeeded.event.data.object.id as string };
}

interface Held { status: string; bankDisputeId: string | null; autoApproveAt: Date | null; approvalCheckAt: Date | null; refundedAmount: number; releasedAmount: number; timeline: { event: string; status: string }[] }
const milestone = async (id: string) => (await db.sql<Held[]>`select status, bank_dispute_id, auto_approve_at, approval_check_at, refunded_amount, released_amount, timeline from milestones where id = ${id}`)[0]!;
const escrow = (milestoneId: string) => balance(db.sql, `escrow:${milestoneId}:USD`);
const postings = async (disputeId: string) =>
  (await db.sql<{ kind: string }[]>`select kind from ledger_postings where dedupe_key in (${`chargeback:${disputeId}`}, ${`chargeback-won:${disputeId}`}) order by created_at, kind`).map((p) => p.kind);
const news = async (milestoneId: string, template: string) =>
  (await db.sql<{ userId: string }[]>`select user_id from outbox where template = ${template} and data->>'milestoneId' = ${milestoneId}`).map((r) => r.userId);
const outboxOf = async (milestoneId: string, template: string) =>
  (await db.sql<{ data: Record<string, unknown> }[]>`select data from outbox where template = ${template} and data->>'milestoneId' = ${milestoneId}`)[0]?.data;
const disputeIdOf = (e: SignedEvent) => e.event.data.object.id as string;
const clean = async () => expect(await ledgerViolations(db.sql)).toEqual([]);
/** What the client's payments page shows this month. */
async function clientPaymentsNow() {
  const res = await t.app.request('/money/payments', { headers: { authorization: await bearerFor(t, client) } });
  expect(res.status).toBe(200);
  return (await json(res)) as {
    refunds: { milestoneId: string; status: string; amount: number }[];
    bankReturns: { milestoneId: string; disputeId: string; amount: number; outcome: string }[];
    totals: { currency: string; byBank: number }[];
  };
}
/** The client's lines this month about the milestone's disputes with their bank. */
const bankLinesOf = async (milestoneId: string) => (await clientPaymentsNow()).bankReturns.filter((b) => b.milestoneId === milestoneId);
/** What the client's payments page totals this month as taken back by their bank. */
const byBankNow = async () => (await clientPaymentsNow()).totals.find((r) => r.currency === 'USD')?.byBank ?? 0;
const receiptBankLinesOf = async (milestoneId: string) => {
  const res = await t.app.request(`/money/receipts/${milestoneId}`, { headers: { authorization: await bearerFor(t, client) } });
  expect(res.status).toBe(200);
  return ((await json(res)) as { bankReturns: { disputeId: string; amount: number; outcome: string }[] }).bankReturns;
};
/** Where the money a dispute's bank took came from. */
const takenFrom = async (disputeId: string) => (await db.sql`select from_escrow, from_refund, from_platform from bank_disputes where id = ${disputeId}`)[0];
const refundsOf = (milestoneId: string) =>
  db.sql<{ amount: number; status: string; bankDisputeId: string | null }[]>`select amount, status, bank_dispute_id from client_refunds where milestone_id = ${milestoneId} order by created_at`;

describe('stageOf', () => {
  it('moves money only for the statuses where the bank has it', () => {
    expect(['warning_needs_response', 'warning_under_review', 'warning_closed', 'prevented', 'something_new'].map(stageOf)).toEqual(Array(5).fill('inquiry'));
    expect(['needs_response', 'under_review', 'won', 'lost'].map(stageOf)).toEqual(['held', 'held', 'won', 'lost']);
  });
});

describe('a chargeback on money still in escrow', () => {
  it('holds the milestone: escrow to the bank, clock stopped, nothing can release or refund it; both sides told', async () => {
    const { bookingId, milestoneId, paymentIntentId } = await paid({ submitted: true });
    expect((await milestone(milestoneId)).autoApproveAt).not.toBeNull();
    const opened = standin.openDispute(paymentIntentId);
    const disputeId = disputeIdOf(opened);

    expect(await deliver(opened)).toBe('bank_dispute_held');
    expect(await escrow(milestoneId)).toBe(0);
    expect(await balance(db.sql, 'bank_disputes:USD')).toBeGreaterThanOrEqual(8000);
    const m = await milestone(milestoneId);
    expect(m).toMatchObject({ status: 'submitted', bankDisputeId: disputeId, autoApproveAt: null, approvalCheckAt: null });
    expect(m.timeline.at(-1)).toMatchObject({ event: 'bank_dispute_opened', status: 'submitted' });
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.worker')).toEqual([worker]);
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.client')).toEqual([client]);
    // The client's payments page lists the money as with their bank, not yet decided.
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'deciding' })]);

    // Nothing that moves its money: approving, cancelling, a dispute's outcome.
    const approve = await run(db.sql, client, 'milestone.approve', { milestoneId });
    expect(approve.rejection?.code).toBe('bank_dispute_open');
    const cancel = await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Changed my mind' });
    expect(cancel.status).toBe('rejected');
    // Asking for changes still works: the work goes on meanwhile.
    applied(await run(db.sql, client, 'milestone.request_changes', { milestoneId, reason: 'The second wall is missing' }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId }));
    // Handed in again while held: the review clock waits for the bank.
    expect(await milestone(milestoneId)).toMatchObject({ status: 'submitted', autoApproveAt: null, approvalCheckAt: null });

    // The other events about the same dispute, and a replay, move nothing more.
    expect(await deliver(opened)).toBe('bank_dispute_held');
    expect(await deliver(standin.moveDispute(disputeId, 'under_review'))).toBe('bank_dispute_held');
    expect(await postings(disputeId)).toEqual(['chargeback']);
    expect(await escrow(milestoneId)).toBe(0);
    await clean();
  });

  it('carries on when the bank decides for us: money back in escrow, a whole review window again, then approval works', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'under_review'))).toBe('bank_dispute_held');
    const byBankHeld = await byBankNow();
    const before = Date.now();
    expect(await deliver(standin.moveDispute(disputeId, 'won'))).toBe('bank_dispute_won');
    expect(await postings(disputeId)).toEqual(['chargeback', 'chargeback_reversal']);
    expect(await escrow(milestoneId)).toBe(8000);
    const m = await milestone(milestoneId);
    expect(m).toMatchObject({ status: 'submitted', bankDisputeId: null });
    expect(m.timeline.slice(-2).map((e) => e.event)).toEqual(['bank_dispute_opened', 'bank_dispute_won']);
    expect(m.autoApproveAt!.getTime()).toBeGreaterThanOrEqual(before + 72 * 3_600_000 - 1000);
    expect(await news(milestoneId, 'milestone.bank_dispute_won')).toHaveLength(2);
    // Decided for the platform: the client's payments page and receipt keep the one line, saying the payment stands,
    // and the money is no longer counted as taken back by their bank.
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_fieldwork' })]);
    expect(await receiptBankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_fieldwork' })]);
    expect(await byBankNow()).toBe(byBankHeld - 8000);
    await clean();

    applied(await run(db.sql, client, 'milestone.approve', { milestoneId }));
    expect(await milestone(milestoneId)).toMatchObject({ status: 'released', releasedAmount: 8000 });
    await clean();
  });

  it('leaves the part and the people alone when the first word of a dispute says the bank already decided for us', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    const before = await milestone(milestoneId);
    const byBankBefore = await byBankNow();
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'won'))).toBe('bank_dispute_won');
    // The client's record says how the dispute they made ended, once, and counts nothing as taken back.
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_fieldwork' })]);
    expect(await byBankNow()).toBe(byBankBefore);
    // The ledger shows the money leave and come back; the part, its clock and the people are left alone.
    expect(await postings(disputeId)).toEqual(['chargeback', 'chargeback_reversal']);
    expect(await escrow(milestoneId)).toBe(8000);
    expect(await milestone(milestoneId)).toEqual(before);
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.client')).toEqual([]);
    expect(await news(milestoneId, 'milestone.bank_dispute_won')).toEqual([]);
    await clean();
  });

  it('asks the provider to send a dispute again when the payment it names is ours but not yet accounted for', async () => {
    const { milestoneId, checkoutSessionId } = await checkoutOpen();
    // Paid at the provider, but its payment_intent.succeeded has not reached us; the dispute's event comes first.
    const succeeded = standin.completeCheckout(checkoutSessionId);
    const opened = standin.openDispute(succeeded.event.data.object.id as string);
    const early = await t.app.request('/pay/webhook', { method: 'POST', body: opened.rawBody, headers: { 'stripe-signature': opened.header } });
    expect(early.status).toBe(503);
    expect(await db.sql`select 1 from payment_events where id = ${opened.event.id}`).toHaveLength(0);
    // Once the payment is in, the same event holds the milestone.
    expect(await deliver(succeeded)).toBe('funded');
    expect(await deliver(opened)).toBe('bank_dispute_held');
    expect((await milestone(milestoneId)).bankDisputeId).toBe(disputeIdOf(opened));
    await clean();
  });

  it('follows, each night, a dispute whose later events never came', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    const opened = standin.openDispute(paymentIntentId);
    expect(await deliver(opened)).toBe('bank_dispute_held');
    // The bank decides for the client; Stripe's event about it is lost.
    standin.moveDispute(disputeIdOf(opened), 'lost');
    const followed = await followOpenBankDisputes(db.sql, t.deps.payments);
    expect(followed.moved).toBeGreaterThanOrEqual(1);
    expect(await milestone(milestoneId)).toMatchObject({ status: 'refunded', bankDisputeId: null });
    const [row] = await db.sql<{ closedAt: Date | null; status: string }[]>`select closed_at, status from bank_disputes where id = ${disputeIdOf(opened)}`;
    expect(row).toMatchObject({ status: 'lost' });
    expect(row!.closedAt).not.toBeNull();
    // Read again the next night: nothing more moves.
    const again = await followOpenBankDisputes(db.sql, t.deps.payments);
    expect(await postings(disputeIdOf(opened))).toEqual(['chargeback']);
    expect(again.read).toBeLessThan(followed.read);
    await clean();
  });

  it('ends the part when the bank decides for the client: refunded, nothing to the worker, the booking ended and its gig closed', async () => {
    const { bookingId, gigId, milestoneId, paymentIntentId } = await paid({ submitted: true });
    const opened = standin.openDispute(paymentIntentId);
    const disputeId = disputeIdOf(opened);
    expect(await deliver(opened)).toBe('bank_dispute_held');
    const lost = standin.moveDispute(disputeId, 'lost');
    expect(await Promise.all([deliver(lost), deliver(lost)])).toEqual(['bank_dispute_lost', 'bank_dispute_lost']);

    expect(await milestone(milestoneId)).toMatchObject({ status: 'refunded', bankDisputeId: null, releasedAmount: 0, refundedAmount: 0 });
    expect(await escrow(milestoneId)).toBe(0);
    const [booking] = await db.sql<{ status: string }[]>`select status from bookings where id = ${bookingId}`;
    expect(booking!.status).toBe('cancelled');
    const [gig] = await db.sql<{ status: string }[]>`select status from gigs where id = ${gigId}`;
    expect(gig!.status).toBe('closed');
    expect(await news(milestoneId, 'milestone.charged_back.worker')).toEqual([worker]);
    expect(await news(milestoneId, 'milestone.charged_back.client')).toEqual([client]);
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_client' })]);
    expect(await receiptBankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_client' })]);
    // Nothing is refunded by us: the bank gave the client all of it.
    expect(await db.sql`select 1 from client_refunds where milestone_id = ${milestoneId}`).toHaveLength(0);
    // A late copy of the first event is answered as before, and changes nothing.
    expect(await deliver(opened)).toBe('bank_dispute_held');
    expect(await deliver(standin.signEvent('charge.dispute.funds_withdrawn', standin.object(disputeId)!))).toBe('bank_dispute_lost');
    expect(await postings(disputeId)).toEqual(['chargeback']);
    await clean();
  });

  it('refunds what escrow still holds when the bank took back part of the payment and decided for the client', async () => {
    const { milestoneId, paymentIntentId } = await paid();
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId, { amount: 3000 }));
    expect(await deliver(standin.moveDispute(disputeId, 'lost'))).toBe('bank_dispute_lost');
    expect(await milestone(milestoneId)).toMatchObject({ status: 'refunded', refundedAmount: 5000, releasedAmount: 0 });
    const owed = await db.sql<{ amount: number; status: string }[]>`select amount, status from client_refunds where milestone_id = ${milestoneId}`;
    expect(owed).toEqual([{ amount: 5000, status: 'pending' }]);
    // The provider refunds what the bank left of the charge.
    await runQueuedJob(db.sql, tasks, log, timerKey('escrow.refund', milestoneId));
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 5000, status: 'succeeded', bankDisputeId: null }]);
    await clean();
  });
});

describe('a chargeback of a payment whose refund we still owe', () => {
  /** A paid milestone cancelled by the client: its 8000 owed back, the refund's job not run yet. */
  async function cancelled() {
    const p = await paid();
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: p.bookingId, reason: 'Plans changed' }));
    expect(await refundsOf(p.milestoneId)).toEqual([{ amount: 8000, status: 'pending', bankDisputeId: null }]);
    return p;
  }
  const refundKey = (milestoneId: string) => timerKey('escrow.refund', milestoneId);
  const refundsAsked = (paymentIntentId: string) => standin.requests().filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.body.payment_intent === paymentIntentId);
  const shownRefunds = async () => (await clientPaymentsNow()).refunds;
  const needPerson = async () => (await reconcile(db.sql, t.deps.payments, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') })).mismatches;

  it('takes the chargeback from the refund, not the platform: the refund is not sent, and nobody is asked to see to it', async () => {
    const { milestoneId, paymentIntentId } = await cancelled();
    const losses = await balance(db.sql, 'platform_losses:USD');
    const refunds = await balance(db.sql, 'refunds:USD');
    const opened = standin.openDispute(paymentIntentId);
    const disputeId = disputeIdOf(opened);
    expect(await deliver(opened)).toBe('bank_dispute_held');

    expect(await takenFrom(disputeId)).toEqual({ fromEscrow: 0, fromRefund: 8000, fromPlatform: 0 });
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses);
    expect(await balance(db.sql, 'refunds:USD')).toBe(refunds - 8000);
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'taken_by_bank', bankDisputeId: disputeId }]);
    // The part had ended already: nothing about it changes, and nobody is told it is held; its history and the
    // client say that the bank disputed the payment.
    expect(await milestone(milestoneId)).toMatchObject({ status: 'refunded', bankDisputeId: null });
    expect((await milestone(milestoneId)).timeline.at(-1)).toMatchObject({ event: 'late_bank_dispute_opened', status: 'refunded' });
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.client')).toEqual([]);
    expect(await news(milestoneId, 'milestone.late_bank_dispute_opened.client')).toEqual([client]);
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.worker')).toEqual([]);
    await clean();

    // The refund's job finds nothing owed, and asks the provider for nothing.
    await runQueuedJob(db.sql, tasks, log, refundKey(milestoneId));
    expect(refundsAsked(paymentIntentId)).toEqual([]);
    expect((await needPerson()).filter((m) => m.milestoneId === milestoneId)).toEqual([]);
    expect((await shownRefunds()).filter((r) => r.milestoneId === milestoneId)).toEqual([expect.objectContaining({ status: 'returned_by_bank', amount: 8000 })]);
    // Said once, on the refund: not again as money the bank took back.
    expect((await clientPaymentsNow()).bankReturns.filter((b) => b.milestoneId === milestoneId)).toEqual([]);

    // The bank decides for the client: the client has the money from their bank; nothing more moves.
    expect(await deliver(standin.moveDispute(disputeId, 'lost'))).toBe('bank_dispute_lost');
    expect(await postings(disputeId)).toEqual(['chargeback']);
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'taken_by_bank', bankDisputeId: disputeId }]);
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses);
    await clean();

    // The invariants see a refund owed again while the ledger says the bank gave it.
    await db.sql`update client_refunds set status = 'pending', bank_dispute_id = null where milestone_id = ${milestoneId}`;
    const tampered = await checkLedgerInvariants(db.sql).finally(() => db.sql`
      update client_refunds set status = 'taken_by_bank', bank_dispute_id = ${disputeId} where milestone_id = ${milestoneId}`);
    const found = tampered.violations.find((v) => v.invariant === 'bank_refunds');
    expect(found).toMatchObject({ currency: 'USD' });
    expect(found && 'takenFromRefunds' in found && found.takenFromRefunds - found.refundsMarked).toBe(8000);
    await clean();
  });

  it('owes the refund again when the bank decides for the platform, and then makes it', async () => {
    const { milestoneId, paymentIntentId } = await cancelled();
    // The first attempt fails at the provider: the row waits for a person.
    standin.refundsEndAs('failed');
    await runQueuedJob(db.sql, tasks, log, refundKey(milestoneId));
    expect((await refundsOf(milestoneId))[0]!.status).toBe('failed');
    const losses = await balance(db.sql, 'platform_losses:USD');

    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'under_review'))).toBe('bank_dispute_held');
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'taken_by_bank', bankDisputeId: disputeId }]);
    expect((await needPerson()).filter((m) => m.milestoneId === milestoneId)).toEqual([]);

    const won = standin.moveDispute(disputeId, 'won');
    expect(await Promise.all([deliver(won), deliver(won)])).toEqual(['bank_dispute_won', 'bank_dispute_won']);
    expect(await postings(disputeId)).toEqual(['chargeback', 'chargeback_reversal']);
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses);
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'pending', bankDisputeId: null }]);
    expect(await queuedJobs(db.sql, refundKey(milestoneId))).toHaveLength(1);
    // The client sees the refund on its way again; the bank took nothing beyond it, so no line of its own.
    expect((await shownRefunds()).filter((r) => r.milestoneId === milestoneId)).toEqual([expect.objectContaining({ status: 'pending', amount: 8000 })]);
    expect(await bankLinesOf(milestoneId)).toEqual([]);
    // Told once how the bank decided, and that the refund comes after all.
    expect(await news(milestoneId, 'milestone.late_bank_dispute_won.client')).toEqual([client]);
    expect(await outboxOf(milestoneId, 'milestone.late_bank_dispute_won.client')).toMatchObject({ refunded: 8000, amount: 8000 });
    await clean();

    await runQueuedJob(db.sql, tasks, log, refundKey(milestoneId));
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'succeeded', bankDisputeId: null }]);
    expect((await needPerson()).filter((m) => m.milestoneId === milestoneId)).toEqual([]);
    await clean();
  });

  it('leaves a refund the provider has taken alone: that money reached the client, so the platform bears the chargeback', async () => {
    const { milestoneId, paymentIntentId } = await cancelled();
    await runQueuedJob(db.sql, tasks, log, refundKey(milestoneId));
    const losses = await balance(db.sql, 'platform_losses:USD');
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect(await takenFrom(disputeId)).toEqual({ fromEscrow: 0, fromRefund: 0, fromPlatform: 8000 });
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses - 8000);
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'succeeded', bankDisputeId: null }]);
    await clean();
  });

  it('never stands for a refund the provider made though its answer never reached us: the platform bears the chargeback', async () => {
    const { milestoneId, paymentIntentId } = await cancelled();
    const [row] = await db.sql<{ id: string }[]>`select id from client_refunds where milestone_id = ${milestoneId}`;
    // The job's attempt reached the provider, which made the refund; the answer was lost on the way back.
    await db.sql`update client_refunds set attempts = 1, first_attempt_at = now() where id = ${row!.id}`;
    await t.deps.payments.createRefund({ paymentIntentId, amount: 8000, metadata: { clientRefundId: row!.id, milestoneId }, idempotencyKey: `refund:${row!.id}` });
    const losses = await balance(db.sql, 'platform_losses:USD');

    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect(await takenFrom(disputeId)).toEqual({ fromEscrow: 0, fromRefund: 0, fromPlatform: 8000 });
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses - 8000);
    // The job's retry finds the refund made, and records it.
    await runQueuedJob(db.sql, tasks, log, refundKey(milestoneId), 2);
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'succeeded', bankDisputeId: null }]);
    await clean();
  });

  it('takes only whole refunds that fit in what the bank took; the rest of the chargeback is the platform\'s', async () => {
    const { milestoneId, paymentIntentId } = await cancelled();
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId, { amount: 3000 }));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect(await takenFrom(disputeId)).toEqual({ fromEscrow: 0, fromRefund: 0, fromPlatform: 3000 });
    expect(await refundsOf(milestoneId)).toEqual([{ amount: 8000, status: 'pending', bankDisputeId: null }]);
    await clean();
  });
});

describe('a chargeback after the worker was paid', () => {
  it('costs the platform, not the worker; the milestone does not change, and a won dispute gives the money back', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId }));
    const payable = await balance(db.sql, `worker_payable:${worker}:USD`);
    const losses = await balance(db.sql, 'platform_losses:USD');
    const before = await milestone(milestoneId);

    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId, { reason: 'fraudulent' }));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses - 8000);
    expect(await balance(db.sql, `worker_payable:${worker}:USD`)).toBe(payable);
    // Nothing holds or changes it; its history says what the bank did, and the client, not the worker, is told.
    const opened = { event: 'late_bank_dispute_opened', status: 'released', by: 'system', note: 'fraudulent' };
    expect(await milestone(milestoneId)).toEqual({ ...before, timeline: [...before.timeline, expect.objectContaining(opened)] });
    expect(await news(milestoneId, 'milestone.late_bank_dispute_opened.client')).toEqual([client]);
    expect(await news(milestoneId, 'milestone.bank_dispute_opened.worker')).toEqual([]);
    // Another delivery of the same news moves nothing and says nothing again.
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect((await milestone(milestoneId)).timeline).toHaveLength(before.timeline.length + 1);
    expect(await news(milestoneId, 'milestone.late_bank_dispute_opened.client')).toEqual([client]);
    const [row] = await db.sql`select from_escrow, from_platform, status from bank_disputes where id = ${disputeId}`;
    expect(row).toEqual({ fromEscrow: 0, fromPlatform: 8000, status: 'needs_response' });
    await clean();

    // The admins' settlement report says what banks took this month, and what of it the platform bore.
    const month = await settlementReport(db.sql, parsePeriod({}, new Date()));
    expect(month.byCurrency.find((r) => r.currency === 'USD')).toMatchObject({
      takenByBanks: await balance(db.sql, 'bank_disputes:USD'), chargebackLosses: -(await balance(db.sql, 'platform_losses:USD')),
    });
    expect(month.byCurrency.find((r) => r.currency === 'USD')!.chargebackLosses).toBeGreaterThanOrEqual(8000);

    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'deciding' })]);
    expect(await deliver(standin.moveDispute(disputeId, 'won'))).toBe('bank_dispute_won');
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses);
    const won = { event: 'late_bank_dispute_won', status: 'released', by: 'system' };
    expect(await milestone(milestoneId)).toEqual({ ...before, timeline: [...before.timeline, expect.objectContaining(opened), expect.objectContaining(won)] });
    expect(await news(milestoneId, 'milestone.late_bank_dispute_won.client')).toEqual([client]);
    expect(await outboxOf(milestoneId, 'milestone.late_bank_dispute_won.client')).not.toHaveProperty('refunded');
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_fieldwork' })]);
    await clean();
  });

  it('decided for the client: the platform bears it, the worker keeps what was paid, and the part says how it ended', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId }));
    const payable = await balance(db.sql, `worker_payable:${worker}:USD`);
    const losses = await balance(db.sql, 'platform_losses:USD');
    const before = await milestone(milestoneId);

    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    expect(await deliver(standin.moveDispute(disputeId, 'lost'))).toBe('bank_dispute_lost');
    expect(await deliver(standin.moveDispute(disputeId, 'lost'))).toBe('bank_dispute_lost');
    expect(await balance(db.sql, 'platform_losses:USD')).toBe(losses - 8000);
    expect(await balance(db.sql, `worker_payable:${worker}:USD`)).toBe(payable);
    const after = await milestone(milestoneId);
    expect(after).toMatchObject({ status: 'released', releasedAmount: 8000, refundedAmount: 0, bankDisputeId: null });
    expect(after.timeline.slice(before.timeline.length).map((e) => e.event)).toEqual(['late_bank_dispute_opened', 'late_bank_dispute_lost']);
    expect(await news(milestoneId, 'milestone.late_bank_dispute_lost.client')).toEqual([client]);
    expect(await news(milestoneId, 'milestone.charged_back.worker')).toEqual([]);
    expect(await bankLinesOf(milestoneId)).toEqual([expect.objectContaining({ disputeId, amount: 8000, outcome: 'for_client' })]);
    await clean();
  });
});

describe('what moves nothing', () => {
  it('an inquiry: recorded, no money moved, nothing held', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    const opened = standin.openDispute(paymentIntentId, { status: 'warning_needs_response' });
    expect(await deliver(opened)).toBe('bank_dispute_inquiry');
    expect(await escrow(milestoneId)).toBe(8000);
    expect((await milestone(milestoneId)).bankDisputeId).toBeNull();
    expect(await postings(disputeIdOf(opened))).toEqual([]);
    expect(await deliver(standin.moveDispute(disputeIdOf(opened), 'warning_closed'))).toBe('bank_dispute_inquiry');
    const [row] = await db.sql<{ closedAt: Date | null }[]>`select closed_at from bank_disputes where id = ${disputeIdOf(opened)}`;
    expect(row!.closedAt).not.toBeNull();
    // The bank took nothing: the client's payments and receipt have no line about it.
    expect(await bankLinesOf(milestoneId)).toEqual([]);
    expect(await receiptBankLinesOf(milestoneId)).toEqual([]);
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId }));
  });

  it('a dispute of a payment that is not ours', async () => {
    const { paymentIntentId } = await paid();
    const opened = standin.openDispute(paymentIntentId);
    // The same dispute, said of a payment this server never saw.
    const stranger = standin.signEvent('charge.dispute.created', { ...opened.event.data.object });
    const dispute = standin.object(disputeIdOf(opened))!;
    dispute.payment_intent = 'pi_test_someone_elses';
    expect(await deliver(stranger)).toBe('bank_dispute_not_ours');
    expect(await db.sql`select 1 from bank_disputes where id = ${disputeIdOf(opened)}`).toHaveLength(0);
    await clean();
  });

  it('a forged chargeback: refused, nothing written', async () => {
    const { milestoneId, paymentIntentId } = await paid();
    const forged = standin.openDispute(paymentIntentId);
    const res = await t.app.request('/pay/webhook', { method: 'POST', body: forged.rawBody, headers: { 'stripe-signature': forged.header.replace(/v1=[0-9a-f]{4}/, 'v1=0000') } });
    expect(res.status).toBe(400);
    expect(await escrow(milestoneId)).toBe(8000);
    expect(await db.sql`select 1 from bank_disputes where id = ${disputeIdOf(forged)}`).toHaveLength(0);
  });
});

describe('a chargeback during a dispute between the two sides', () => {
  it('keeps the mediator from deciding until the bank has', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    applied(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId, reason: 'Not what we agreed', refundAmount: 8000 }));
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'under_review'))).toBe('bank_dispute_held');
    const admin = await createUser(db.sql, ['admin']);
    const [{ id }] = (await db.sql<{ id: string }[]>`select id from disputes where milestone_id = ${milestoneId}`) as unknown as [{ id: string }];
    const decided = await run(db.sql, admin, 'dispute.resolve', { disputeId: id, outcome: 'release_all', reason: 'The photos show the work done' });
    expect(decided.rejection?.code).toBe('bank_dispute_open');

    // The bank decides for the client: the part ends refunded, and the dispute with it.
    expect(await deliver(standin.moveDispute(disputeId, 'lost'))).toBe('bank_dispute_lost');
    expect((await milestone(milestoneId)).status).toBe('refunded');
    await clean();
  });
});

describe('a dispute whose response window closed while the bank held the money', () => {
  it('applies its claim once the bank gives the money back', async () => {
    const { milestoneId, paymentIntentId } = await paid({ submitted: true });
    const platformDispute = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId: platformDispute, milestoneId, reason: 'Half of it is missing', refundAmount: 4000 }));
    const disputeId = disputeIdOf(standin.openDispute(paymentIntentId));
    expect(await deliver(standin.moveDispute(disputeId, 'needs_response'))).toBe('bank_dispute_held');
    // The worker stays silent past the window: the claim cannot apply while the bank holds the money.
    const late = new Date(Date.now() + DISPUTE_RESPONSE_MS + 60_000);
    expect(await closeWindow(db.sql, platformDispute, 'test-window-1', late)).toEqual({ settled: false, why: 'bank_dispute_open' });

    expect(await deliver(standin.moveDispute(disputeId, 'won'))).toBe('bank_dispute_won');
    const [job] = await db.sql<{ runAt: Date }[]>`select run_at from graphile_worker._private_jobs where key = ${windowKey(platformDispute)}`;
    expect(job!.runAt.getTime()).toBeGreaterThan(Date.now());
    expect(await closeWindow(db.sql, platformDispute, 'test-window-2', late)).toEqual({ settled: true, outcome: 'split' });
    expect(await milestone(milestoneId)).toMatchObject({ status: 'split', refundedAmount: 4000, releasedAmount: 4000 });
    await clean();
  });
});

// Random runs: several paid milestones whose payments banks dispute along Stripe's status paths, every event
// delivered late, twice or not at all, the client trying to approve in between. After each step the ledger's
// invariants hold; at the end each dispute has had its one effect per stage, whatever arrived in what order.
// Replay a failure with the seed it prints: CHARGEBACK_SEED=123 npx vitest run sync-server/src/escrow/chargebacks.pg.test.ts
const PATHS = {
  won: ['needs_response', 'under_review', 'won'],
  lost: ['needs_response', 'under_review', 'lost'],
  inquiry: ['warning_needs_response', 'warning_closed'],
  escalated: ['warning_needs_response', 'needs_response', 'lost'],
} as const;
type PathName = keyof typeof PATHS;
const MILESTONES = 3;

type RandomStep = { t: 'move'; k: number } | { t: 'deliver'; k: number; pick: number } | { t: 'approve'; k: number };
const stepArb: fc.Arbitrary<RandomStep> = fc.oneof(
  fc.record({ t: fc.constant('move' as const), k: fc.nat(MILESTONES - 1) }),
  fc.record({ t: fc.constant('deliver' as const), k: fc.nat(MILESTONES - 1), pick: fc.nat(9) }),
  fc.record({ t: fc.constant('approve' as const), k: fc.nat(MILESTONES - 1) }),
);
const runArb = fc.record({
  paths: fc.array(fc.constantFrom<PathName>('won', 'lost', 'inquiry', 'escalated'), { minLength: MILESTONES, maxLength: MILESTONES }),
  parts: fc.array(fc.boolean(), { minLength: MILESTONES, maxLength: MILESTONES }),
  steps: fc.array(stepArb, { minLength: 4, maxLength: 16 }),
});

describe('chargebacks in any order', () => {
  const seed = process.env.CHARGEBACK_SEED ? Number(process.env.CHARGEBACK_SEED) : process.env.CI ? 20261122 : Math.floor(Math.random() * 2 ** 31);

  it('keep the invariants after every step, and have one effect per stage', async () => {
    console.log(`chargebacks: CHARGEBACK_SEED=${seed}`);
    await fc.assert(
      fc.asyncProperty(runArb, async ({ paths, parts, steps }) => {
        const ms = await Promise.all(paths.map(async (path, k) => {
          const p = await paid({ submitted: true });
          const opened = standin.openDispute(p.paymentIntentId, { status: PATHS[path][0], ...(parts[k] ? { amount: 2500 } : {}) });
          return { ...p, path, disputeId: disputeIdOf(opened), at: 0, events: [opened], approved: false };
        }));
        for (const s of steps) {
          const m = ms[s.k]!;
          if (s.t === 'move') {
            if (m.at + 1 < PATHS[m.path].length) m.events.push(standin.moveDispute(m.disputeId, PATHS[m.path][++m.at]!));
          } else if (s.t === 'deliver') {
            await deliver(m.events[s.pick % m.events.length]!);
          } else {
            const held = (await milestone(m.milestoneId)).bankDisputeId !== null;
            const o = await run(db.sql, client, 'milestone.approve', { milestoneId: m.milestoneId });
            if (held) expect(o.rejection?.code).toBe('bank_dispute_open');
            if (o.status === 'applied') m.approved = true;
          }
          expect(await ledgerViolations(db.sql)).toEqual([]);
        }
        // Every dispute ends as its path does, and its last event arrives.
        for (const m of ms) {
          while (m.at + 1 < PATHS[m.path].length) m.events.push(standin.moveDispute(m.disputeId, PATHS[m.path][++m.at]!));
          await deliver(m.events.at(-1)!);
          const final = PATHS[m.path].at(-1)!;
          const kinds = await postings(m.disputeId);
          const [row] = await db.sql<{ fromEscrow: number; fromPlatform: number; closedAt: Date | null }[]>`
            select from_escrow, from_platform, closed_at from bank_disputes where id = ${m.disputeId}`;
          const got = await milestone(m.milestoneId);
          expect(row!.closedAt).not.toBeNull();
          expect(got.bankDisputeId).toBeNull();
          // The client's record: one line per dispute that took money, saying how it ended; none for an inquiry.
          const lines = (await bankLinesOf(m.milestoneId)).map((b) => b.outcome);
          expect(lines).toEqual(final === 'warning_closed' ? [] : [final === 'won' ? 'for_fieldwork' : 'for_client']);
          if (final === 'warning_closed') {
            expect(kinds).toEqual([]);
            expect(await escrow(m.milestoneId)).toBe(m.approved ? 0 : 8000);
          } else if (final === 'won') {
            expect(kinds).toEqual(['chargeback', 'chargeback_reversal']);
            expect(got.status).toBe(m.approved ? 'released' : 'submitted');
            expect(await escrow(m.milestoneId)).toBe(m.approved ? 0 : 8000);
          } else {
            expect(kinds).toEqual(['chargeback']);
            // Taken from escrow when the bank came before an approval; otherwise the platform bore it.
            expect(row!.fromEscrow > 0).toBe(!m.approved);
            expect(got.status).toBe(m.approved ? 'released' : 'refunded');
            expect(await escrow(m.milestoneId)).toBe(0);
          }
        }
        expect(await ledgerViolations(db.sql)).toEqual([]);
      }),
      { seed, numRuns: 12, endOnFailure: true },
    );
  }, 120_000);
});
