// The provider's fees in the ledger (fees.ts): a payment's processing fee read after the payment and posted
// once, a charge that settles later, a balance in another currency, an outage, a bank dispute's fee and its
// return; the admins' settlement report and reconciliation over them. Payments go through the Stripe stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, deliverWebhook, openCheckout, type TestApp } from '../../test/app';
import { createOperator, createUser } from '../../test/fixtures';
import { capturedLog } from '../../test/jobs';
import { ledgerViolations } from '../../test/ledger-checks';
import { cardFee, DISPUTE_FEE, startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { checkLedgerInvariants, POSTING_ID_SLACK_MS } from '../ledger/invariants';
import { balance } from '../ledger/ledger';
import { parsePeriod } from '../money/period';
import { settlementReport } from '../money/settlement';
import { reconcile } from '../payouts/reconcile';
import { FEE_WINDOW_MS, sweepPaymentFees } from './fees';

let db: TestDb;
let standin: StripeStandin;
let t: TestApp;
let client: string;
let worker: string;
const { log, logged } = capturedLog();

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

/** A milestone of 8000 USD paid through the stand-in and confirmed by its event. */
async function paid() {
  const { milestoneId, checkoutSessionId } = await openCheckout(t, client, worker);
  const succeeded = standin.completeCheckout(checkoutSessionId);
  expect(await deliverWebhook(t, succeeded)).toBe('funded');
  const pi = succeeded.event.data.object;
  return { milestoneId, paymentIntentId: pi.id as string, chargeId: pi.latest_charge as string };
}

const sweep = () => sweepPaymentFees(db.sql, t.deps.payments, log);
const feesOf = (paymentIntentId: string) =>
  db.sql<{ id: string; amount: number; currency: string; bankDisputeId: string | null; postingId: string | null }[]>`
    select id, amount, currency, bank_dispute_id, posting_id from provider_fees where payment_intent_id = ${paymentIntentId} order by recorded_at, id`;
const feePostings = (paymentIntentId: string) =>
  db.sql<{ dedupeKey: string; account: string; amount: number }[]>`
    select p.dedupe_key, e.account_id as account, e.amount from provider_fees f
    join ledger_postings p on p.id = f.posting_id join ledger_entries e on e.posting_id = p.id
    where f.payment_intent_id = ${paymentIntentId} and p.kind = 'provider_fee' order by p.created_at, e.account_id`;
const clean = async () => expect(await ledgerViolations(db.sql)).toEqual([]);
const today = () => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });

describe("a payment's processing fee", () => {
  it('is read after the payment and posted once: from the platform’s costs to what the provider kept', async () => {
    const { paymentIntentId, chargeId } = await paid();
    const kept = cardFee(8000);
    expect(kept).toBe(262);
    // Not part of confirming the payment: nothing is recorded until the sweep asks.
    expect(await feesOf(paymentIntentId)).toEqual([]);
    const before = { fees: await balance(db.sql, 'provider_fees:USD'), costs: await balance(db.sql, 'platform_costs:USD') };

    expect(await sweep()).toMatchObject({ recorded: 1, notSettled: 0, failed: 0 });
    const txn = standin.object(chargeId)!.balance_transaction as string;
    expect(await feesOf(paymentIntentId)).toEqual([{ id: txn, amount: kept, currency: 'USD', bankDisputeId: null, postingId: expect.any(String) }]);
    expect(await feePostings(paymentIntentId)).toEqual([
      { dedupeKey: `provider-fee:${txn}`, account: 'platform_costs:USD', amount: -kept },
      { dedupeKey: `provider-fee:${txn}`, account: 'provider_fees:USD', amount: kept },
    ]);
    expect(await balance(db.sql, 'provider_fees:USD')).toBe(before.fees + kept);
    expect(await balance(db.sql, 'platform_costs:USD')).toBe(before.costs - kept);
    // The rows and the ledger agree, and the invariant that says so fires when they do not.
    await clean();
    await db.sql`update provider_fees set amount = amount + 1 where id = ${txn}`;
    expect((await checkLedgerInvariants(db.sql)).violations).toEqual([{ invariant: 'provider_fees', currency: 'USD', kept: expect.any(Number), recorded: expect.any(Number) }]);
    await db.sql`update provider_fees set amount = amount - 1 where id = ${txn}`;
    // Escrow is untouched: the client's money is all there for the work.
    const { milestoneId } = (await db.sql<{ milestoneId: string }[]>`select milestone_id from provider_fees where id = ${txn}`)[0]!;
    expect(await balance(db.sql, `escrow:${milestoneId}:USD`)).toBe(8000);

    // Asked once: a second sweep has nothing to ask about, and the provider heard one question.
    expect(await sweep()).toMatchObject({ recorded: 0, notSettled: 0, failed: 0 });
    const asked = standin.requests().filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${paymentIntentId}` && r.body.expand);
    expect(asked.map((r) => r.body)).toEqual([{ expand: ['latest_charge.balance_transaction'] }]);
    await clean();
  });

  it('waits for a charge that settles into the balance later, which reconciliation reports meanwhile', async () => {
    standin.chargesSettle({ later: true });
    const { paymentIntentId, chargeId } = await paid();
    expect(await sweep()).toMatchObject({ recorded: 0, notSettled: 1, failed: 0 });
    expect(await feesOf(paymentIntentId)).toEqual([]);
    const waiting = await reconcile(db.sql, t.deps.payments, today());
    expect(waiting.mismatches).toEqual([{ kind: 'payment_fee_missing', milestoneId: expect.any(String), providerId: paymentIntentId, ours: 'recorded', theirs: null }]);

    standin.settleCharge(chargeId);
    expect(await sweep()).toMatchObject({ recorded: 1, notSettled: 0, failed: 0 });
    expect((await feesOf(paymentIntentId)).map((f) => f.amount)).toEqual([cardFee(8000)]);
    expect((await reconcile(db.sql, t.deps.payments, today())).mismatches).toEqual([]);
  });

  it('is posted in the currency of the platform’s balance, whatever the payment’s', async () => {
    // A platform whose balance is kept in euros: Stripe converts the USD charge, and its fee is in EUR.
    standin.chargesSettle({ currency: 'eur', fee: 241 });
    const { paymentIntentId } = await paid();
    await sweep();
    expect(await feesOf(paymentIntentId)).toEqual([expect.objectContaining({ amount: 241, currency: 'EUR' })]);
    expect(await feePostings(paymentIntentId)).toEqual([
      expect.objectContaining({ account: 'platform_costs:EUR', amount: -241 }),
      expect.objectContaining({ account: 'provider_fees:EUR', amount: 241 }),
    ]);
    const report = await settlementReport(db.sql, parsePeriod({}, new Date()));
    expect(report.byCurrency.find((r) => r.currency === 'EUR')).toMatchObject({ funded: 0, providerFees: 241 });
    await clean();
  });

  it('is asked for again after an outage, and a fee of zero is recorded without a posting', async () => {
    standin.chargesSettle({ fee: 0 });
    const free = await paid();
    const charged = await paid();
    // Down for both payments, the SDK's own two retries of each included.
    standin.failNext('GET', '/v1/payment_intents/', 500, { type: 'api_error', message: 'Stripe is having a moment' }, 6);
    expect(await sweep()).toMatchObject({ recorded: 0, failed: 2 });
    expect(logged.filter((l) => l.msg === "could not record the provider's fee on a payment; the next sweep asks again").map((l) => l.paymentIntentId).sort())
      .toEqual([free.paymentIntentId, charged.paymentIntentId].sort());
    expect(await feesOf(free.paymentIntentId)).toEqual([]);

    expect(await sweep()).toMatchObject({ recorded: 2, failed: 0 });
    expect(await feesOf(free.paymentIntentId)).toEqual([expect.objectContaining({ amount: 0, postingId: null })]);
    expect(await feePostings(free.paymentIntentId)).toEqual([]);
    expect((await feesOf(charged.paymentIntentId)).map((f) => f.amount)).toEqual([cardFee(8000)]);
    await clean();
  });

  it('is not asked for once the payment is older than the sweep’s window', async () => {
    const { paymentIntentId } = await paid();
    // Past the window, and past the slack a posting's id time is given (postingIdRange).
    const later = new Date(Date.now() + FEE_WINDOW_MS + POSTING_ID_SLACK_MS + 60_000);
    expect(await sweepPaymentFees(db.sql, t.deps.payments, log, { now: later })).toEqual({ recorded: 0, notSettled: 0, failed: 0 });
    expect(await feesOf(paymentIntentId)).toEqual([]);
    await sweep();
  });
});

describe("a bank dispute's fee", () => {
  it('is posted with the chargeback, once, and given back when the provider returns it', async () => {
    const { paymentIntentId } = await paid();
    await sweep();
    const opened = standin.openDispute(paymentIntentId);
    const disputeId = opened.event.data.object.id as string;
    expect(await deliverWebhook(t, opened)).toBe('bank_dispute_held');
    expect(await deliverWebhook(t, opened)).toBe('bank_dispute_held');
    const disputeFees = async () => (await feesOf(paymentIntentId)).filter((f) => f.bankDisputeId === disputeId).map((f) => f.amount);
    expect(await disputeFees()).toEqual([DISPUTE_FEE]);
    expect((await feePostings(paymentIntentId)).filter((p) => p.account === 'provider_fees:USD').map((p) => p.amount)).toEqual([cardFee(8000), DISPUTE_FEE]);

    const feesBefore = await balance(db.sql, 'provider_fees:USD');
    expect(await deliverWebhook(t, standin.moveDispute(disputeId, 'won', { feeReturned: true }))).toBe('bank_dispute_won');
    expect(await disputeFees()).toEqual([DISPUTE_FEE, -DISPUTE_FEE]);
    expect(await balance(db.sql, 'provider_fees:USD')).toBe(feesBefore - DISPUTE_FEE);

    const report = await settlementReport(db.sql, parsePeriod({}, new Date()));
    const usd = report.byCurrency.find((r) => r.currency === 'USD')!;
    const [kept] = await db.sql<{ total: number }[]>`select sum(amount)::int8 as total from provider_fees where currency = 'USD'`;
    expect(usd.providerFees).toBe(kept!.total);
    expect((await reconcile(db.sql, t.deps.payments, today())).mismatches).toEqual([]);
    await clean();
  });

  it('never holds up the chargeback: a fee the ledger cannot take is left to a person, the money still held', async () => {
    const { milestoneId, paymentIntentId } = await paid();
    await sweep();
    // The platform's balance in Canadian dollars, a currency the ledger does not keep.
    const opened = standin.openDispute(paymentIntentId, { balanceCurrency: 'cad' });
    const disputeId = opened.event.data.object.id as string;
    expect(await deliverWebhook(t, opened)).toBe('bank_dispute_held');
    expect(await balance(db.sql, `escrow:${milestoneId}:USD`)).toBe(0);
    expect((await db.sql`select status from bank_disputes where id = ${disputeId}`)[0]).toEqual({ status: 'needs_response' });
    expect((await feesOf(paymentIntentId)).filter((f) => f.bankDisputeId)).toEqual([]);
    await clean();
  });

  it('is posted when the bank keeps the money too, and an inquiry costs nothing', async () => {
    const { paymentIntentId } = await paid();
    await sweep();
    const inquiry = standin.openDispute(paymentIntentId, { status: 'warning_needs_response' });
    await deliverWebhook(t, inquiry);
    expect((await feesOf(paymentIntentId)).filter((f) => f.bankDisputeId)).toEqual([]);

    const other = await paid();
    const lost = standin.openDispute(other.paymentIntentId);
    await deliverWebhook(t, lost);
    await deliverWebhook(t, standin.moveDispute(lost.event.data.object.id as string, 'lost'));
    expect((await feesOf(other.paymentIntentId)).filter((f) => f.bankDisputeId).map((f) => f.amount)).toEqual([DISPUTE_FEE]);
    await clean();
  });
});

// Last: the payment this leaves without a fee would be asked about, and reported, by everything after it.
describe('a fee the ledger cannot take', () => {
  it('is left to a person, logged as such, and reported each night, while the payment goes on', async () => {
    await sweep();
    standin.chargesSettle({ currency: 'cad', fee: 290 });
    const { paymentIntentId } = await paid();
    expect(await sweep()).toMatchObject({ recorded: 0, failed: 1 });
    expect(logged.filter((l) => l.msg === "the provider's fee on a payment cannot be recorded; it needs a person" && l.paymentIntentId === paymentIntentId))
      .toEqual([expect.objectContaining({ level: 50, why: 'the fee is in CAD, a currency the ledger does not keep' })]);
    expect(await feesOf(paymentIntentId)).toEqual([]);
    expect((await reconcile(db.sql, t.deps.payments, today())).mismatches).toEqual([expect.objectContaining({ kind: 'payment_fee_missing', providerId: paymentIntentId })]);
    await clean();
  });
});
