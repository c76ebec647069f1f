// A chargeback on the demo rail, through the app as `npm start` runs it: paid at the demo checkout, disputed at the
// payer's demo bank, and decided there; the webhook handler and the ledger do the rest as they do for Stripe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, json, openCheckout, type TestApp } from '../../test/app';
import { applied, createOperator, createUser, run } from '../../test/fixtures';
import { ledgerViolations } from '../../test/ledger-checks';
import { balance } from '../ledger/ledger';

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
afterAll(() => db?.drop());

const milestone = async (id: string) => (await db.sql<{ status: string; bankDisputeId: string | null }[]>`select status, bank_dispute_id from milestones where id = ${id}`)[0]!;
const receiptOf = async (milestoneId: string) => {
  const res = await t.app.request(`/money/receipts/${milestoneId}`, { headers: { authorization: await bearerFor(t, client) } });
  expect(res.status).toBe(200);
  return (await json(res)) as { paymentReference: string; demoBankUrl: string | null; bankReturns: { amount: number; outcome: string }[] };
};
/** A milestone paid at the demo checkout, its work started and handed in. */
async function submitted(): Promise<string> {
  const { bookingId, milestoneId, checkoutSessionId } = await openCheckout(t, client, worker);
  expect(t.deps.payments.name).toBe('demo');
  expect((await t.app.request(`/pay/demo/checkout/${checkoutSessionId}/pay`, { method: 'POST' })).status).toBe(303);
  applied(await run(db.sql, worker, 'booking.start', { bookingId }));
  applied(await run(db.sql, worker, 'milestone.submit', { milestoneId }));
  return milestoneId;
}
const post = (url: string, body: Record<string, string> = {}) => t.app.request(new URL(url).pathname, { method: 'POST', body: new URLSearchParams(body) });

describe('a chargeback on the demo rail', () => {
  it('holds the part while the demo bank decides, and ends it when the bank decides for the payer', async () => {
    const milestoneId = await submitted();

    // The client's receipt leads to the payer's demo bank for this payment.
    const receipt = await receiptOf(milestoneId);
    expect(receipt.demoBankUrl).toBe(`${t.deps.config.PUBLIC_BASE_URL}/pay/demo/bank/${receipt.paymentReference}`);
    expect((await post(`${receipt.demoBankUrl}/dispute`)).status).toBe(303);
    expect(await milestone(milestoneId)).toMatchObject({ status: 'submitted', bankDisputeId: expect.any(String) });
    expect(await balance(db.sql, `escrow:${milestoneId}:USD`)).toBe(0);
    expect((await run(db.sql, client, 'milestone.approve', { milestoneId })).rejection?.code).toBe('bank_dispute_open');
    // While the bank holds it, the receipt still leads there: the dispute is decided at the bank.
    expect(await receiptOf(milestoneId)).toMatchObject({ bankReturns: [expect.objectContaining({ outcome: 'deciding' })], demoBankUrl: receipt.demoBankUrl });

    expect((await post(`${receipt.demoBankUrl}/decide`, { outcome: 'lost' })).status).toBe(303);
    expect(await milestone(milestoneId)).toMatchObject({ status: 'refunded', bankDisputeId: null });
    // Returned by the bank: the receipt no longer offers the bank, where there is nothing left to do.
    expect(await receiptOf(milestoneId)).toMatchObject({ bankReturns: [expect.objectContaining({ outcome: 'for_client' })], demoBankUrl: null });
    expect(await ledgerViolations(db.sql)).toEqual([]);
  });

  it('gives the part back its review when the demo bank decides for Fieldwork', async () => {
    const milestoneId = await submitted();
    const { demoBankUrl } = await receiptOf(milestoneId);
    expect((await post(`${demoBankUrl}/dispute`)).status).toBe(303);
    expect((await post(`${demoBankUrl}/decide`, { outcome: 'won' })).status).toBe(303);
    expect(await milestone(milestoneId)).toMatchObject({ status: 'submitted', bankDisputeId: null });
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId }));
    // The receipt says the bank decided for Fieldwork, and no longer offers the bank: there is nothing left to do there.
    expect(await receiptOf(milestoneId)).toMatchObject({ bankReturns: [expect.objectContaining({ amount: 8000, outcome: 'for_fieldwork' })], demoBankUrl: null });
    expect(await ledgerViolations(db.sql)).toEqual([]);
  });
});
