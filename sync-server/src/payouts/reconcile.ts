// Reconciliation: what the ledger says moved, checked against the provider's own records (issue 5's invariant
// "the ledger reconciles with the provider's records"). For the postings of a period:
//   - funding:  the payment exists, succeeded, and received what escrow was credited, in that currency; and
//               the fee the provider kept on it is recorded (escrow/fees.ts);
//   - payout:   the milestone's transfer exists, for the worker's net, in that currency, to the worker's
//               account, from that milestone, and was not reversed;
//   - a refund to the client (a settlement's, or a late payment sent back): the refund owed was recorded with
//     the posting, and the provider's refund exists, for that amount and payment, and did not fail.
// And whatever the period: every refund the provider took and has not made yet (sent) is read again at the
// provider first, and what it made of it recorded (escrow/refunds.ts): a pending refund can fail days later.
// Then every refund owed that the provider refused or failed, or that it has still not taken after
// REFUND_GRACE_MS; every worker's transfer the provider refused while the account could receive it (or whose
// job gave up on its last attempt), or that is still not made TRANSFER_GRACE_MS after the money was released
// to an account that can; until a person sees to it.
// The ledger and our provider ids are written in the same transaction as each other (or the refund owed is
// a row and a job written with the posting), so any difference is a fault to look at: a provider call we
// think we made, an object changed at the provider (a reversal, a failed refund), or a bug.
// Not covered: money the provider moved that the ledger never heard of (it would need the provider's lists).
import type { Sql } from '../db/sql';
import { PaymentProviderError, type PaymentProvider } from '../payments/provider';
import { recordProviderRefund, refundUndone, sentRefunds, unsettledRefunds } from '../escrow/refunds';
import { overdueTransfers, refusedTransfers } from '../escrow/transfers';

export type MismatchKind =
  | 'payment_missing' | 'payment_status' | 'payment_amount' | 'payment_currency' | 'payment_fee_missing'
  | 'transfer_missing' | 'transfer_amount' | 'transfer_currency' | 'transfer_destination' | 'transfer_milestone' | 'transfer_reversed'
  | 'transfer_refused' | 'transfer_overdue'
  | 'refund_not_sent' | 'refund_refused' | 'refund_stuck' | 'refund_missing' | 'refund_amount' | 'refund_currency' | 'refund_payment' | 'refund_failed';

export interface Mismatch {
  kind: MismatchKind;
  milestoneId: string | null;
  /** The provider's object the ledger points at (a payment intent, transfer or refund id), or the worker's account for a transfer not made, if any. */
  providerId: string | null;
  /** What the ledger (or our record beside it) says, and what the provider says. */
  ours: string | number | null;
  theirs: string | number | null;
}

export interface Reconciliation {
  from: Date;
  to: Date;
  /** The period's postings checked, and the refunds on their way read again (whatever their day). */
  checked: { payments: number; transfers: number; refunds: number; refundsSent: number };
  mismatches: Mismatch[];
}

/** Card refunds reach the card within 5 to 10 business days; one the provider still has not made after 14 days needs a person. */
export const REFUND_SENT_GRACE_MS = 14 * 24 * 60 * 60_000;

/** A refund job's first attempts take seconds; one still pending after an hour is retrying or lost. */
export const REFUND_GRACE_MS = 60 * 60_000;

/**
 * The payout run queues a transfer within the hour and its job retries within minutes, then ever more slowly
 * (up to hours apart, for days): one released to an account that can receive it and still not made after six
 * hours is failing or lost.
 */
export const TRANSFER_GRACE_MS = 6 * 60 * 60_000;

/** Provider calls in flight at once: quick enough for a day's postings, well inside Stripe's rate limits. */
const CONCURRENCY = 4;

/**
 * Checks the postings made in [from, to) against the provider, after recording what the provider has made of
 * the refunds on their way (its only writes). Provider failures other than "no such object" throw.
 */
export async function reconcile(sql: Sql, provider: PaymentProvider, period: { from: Date; to: Date }): Promise<Reconciliation> {
  const { from, to } = period;
  // Refunds on their way first, so that one the provider has failed since is reported below with the rest.
  const sent = await sentRefunds(sql);
  const missingRefunds: Mismatch[] = [];
  const stuckBefore = Date.now() - REFUND_SENT_GRACE_MS;
  await eachLimited(sent, async (r) => {
    const re = await orMissing(provider.retrieveRefund(r.refundId));
    if (!re) return void missingRefunds.push({ kind: 'refund_missing', milestoneId: r.milestoneId, providerId: r.refundId, ours: r.refundId, theirs: null });
    await recordProviderRefund(sql, r, re);
    // Still not made long after the provider took it: the client is waiting for money that may never come.
    if (re.status !== 'succeeded' && !refundUndone(re.status) && r.createdAt.getTime() < stuckBefore)
      missingRefunds.push({ kind: 'refund_stuck', milestoneId: r.milestoneId, providerId: r.refundId, ours: r.amount, theirs: re.status });
  });

  // Each posting's positive entry: escrow for funding, paid out for a transfer, refunds for a refund.
  const [payments, transfers, refunds, unsettled, refusedPayouts, overduePayouts] = await Promise.all([
    sql<{ milestoneId: string | null; paymentIntentId: string; amount: number; currency: string; feeRecorded: boolean }[]>`
      select p.milestone_id, x.payment_intent_id, e.amount, e.currency,
             exists (select 1 from provider_fees f where f.payment_intent_id = x.payment_intent_id and f.bank_dispute_id is null) as fee_recorded
      from ledger_postings p join ledger_entries e on e.posting_id = p.id and e.amount > 0
      cross join lateral (select substr(p.dedupe_key, length('funding:') + 1) as payment_intent_id) x
      where p.kind = 'funding' and p.created_at >= ${from} and p.created_at < ${to}`,
    sql<{ milestoneId: string; transferId: string | null; amount: number; currency: string; accountId: string | null }[]>`
      select p.milestone_id, m.transfer_id, e.amount, e.currency, a.account_id
      from ledger_postings p join ledger_entries e on e.posting_id = p.id and e.amount > 0
      join milestones m on m.id = p.milestone_id left join payout_accounts a on a.user_id = m.worker_id
      where p.kind = 'payout' and p.created_at >= ${from} and p.created_at < ${to}`,
    sql<{ milestoneId: string | null; owed: boolean; status: string | null; refundId: string | null; paymentIntentId: string | null; amount: number; currency: string }[]>`
      select p.milestone_id, r.id is not null as owed, r.status, r.refund_id, r.payment_intent_id, e.amount, e.currency
      from ledger_postings p join ledger_entries e on e.posting_id = p.id and e.account_id like 'refunds:%' and e.amount > 0
      left join client_refunds r on r.cause = p.dedupe_key
      -- A chargeback's money coming back into refunds owes again the refund it had stood for (its own row).
      where p.created_at >= ${from} and p.created_at < ${to} and p.kind <> 'chargeback_reversal'`,
    unsettledRefunds(sql, REFUND_GRACE_MS),
    refusedTransfers(sql),
    overdueTransfers(sql, TRANSFER_GRACE_MS),
  ]);

  const mismatches: Mismatch[] = [...missingRefunds];
  const differ = (kind: MismatchKind, milestoneId: string | null, providerId: string | null, ours: string | number | null, theirs: string | number | null) => {
    if (ours !== theirs) mismatches.push({ kind, milestoneId, providerId, ours, theirs });
  };

  await eachLimited(payments, async (p) => {
    const pi = await orMissing(provider.retrievePayment(p.paymentIntentId));
    if (!pi) return differ('payment_missing', p.milestoneId, p.paymentIntentId, p.paymentIntentId, null);
    differ('payment_status', p.milestoneId, pi.id, 'succeeded', pi.status);
    differ('payment_amount', p.milestoneId, pi.id, p.amount, pi.amountReceived);
    differ('payment_currency', p.milestoneId, pi.id, p.currency, pi.currency);
    // The fee sweep (escrow/fees.ts) has had hours: the provider has not settled the charge, or the sweep fails.
    if (!p.feeRecorded) differ('payment_fee_missing', p.milestoneId, pi.id, 'recorded', null);
  });

  await eachLimited(transfers, async (t) => {
    // The posting and the id are written together (escrow.transfer): no id here is a broken record.
    const tr = t.transferId ? await orMissing(provider.retrieveTransfer(t.transferId)) : null;
    if (!tr) return differ('transfer_missing', t.milestoneId, t.transferId, t.transferId ?? 'posted', null);
    differ('transfer_amount', t.milestoneId, tr.id, t.amount, tr.amount);
    differ('transfer_currency', t.milestoneId, tr.id, t.currency, tr.currency);
    differ('transfer_destination', t.milestoneId, tr.id, t.accountId, tr.destination);
    differ('transfer_milestone', t.milestoneId, tr.id, t.milestoneId, tr.metadata.milestoneId ?? null);
    differ('transfer_reversed', t.milestoneId, tr.id, 'not reversed', tr.reversed ? 'reversed' : 'not reversed');
  });

  // Refunds owed and not made, whatever the day they were owed: until a person sees to each, every night.
  for (const r of unsettled) {
    if (r.status === 'failed') differ('refund_refused', r.milestoneId, r.paymentIntentId, r.amount, r.lastError);
    else differ('refund_not_sent', r.milestoneId, r.paymentIntentId, r.amount, null);
  }

  // Workers' money not transferred, whatever the day it was released: refused (and left by the payout run
  // until the account changes), or overdue.
  for (const t of refusedPayouts) differ('transfer_refused', t.milestoneId, t.accountId, t.net, t.lastError);
  for (const t of overduePayouts) differ('transfer_overdue', t.milestoneId, t.accountId, t.net, null);

  await eachLimited(refunds, async (r) => {
    // The refund owed is written with the posting; one not taken yet, or failed, is reported above.
    if (!r.owed) return differ('refund_not_sent', r.milestoneId, null, r.amount, null);
    if ((r.status !== 'succeeded' && r.status !== 'sent') || !r.refundId) return;
    const re = await orMissing(provider.retrieveRefund(r.refundId));
    // A sent one missing was reported with the refunds on their way.
    if (!re) return r.status === 'sent' ? undefined : differ('refund_missing', r.milestoneId, r.refundId, r.refundId, null);
    differ('refund_amount', r.milestoneId, re.id, r.amount, re.amount);
    differ('refund_currency', r.milestoneId, re.id, r.currency, re.currency);
    differ('refund_payment', r.milestoneId, re.id, r.paymentIntentId, re.paymentIntentId);
    // Made, by our record, and failed since (a sent one that failed was recorded failed above).
    if (refundUndone(re.status)) differ('refund_failed', r.milestoneId, re.id, r.status, re.status);
  });

  return { from, to, checked: { payments: payments.length, transfers: transfers.length, refunds: refunds.length, refundsSent: sent.length }, mismatches };
}

/** The object, or null when the provider has no such object; anything else (an outage) propagates. */
async function orMissing<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof PaymentProviderError && e.code === 'not_found') return null;
    throw e;
  }
}

async function eachLimited<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
}

/** The UTC calendar day `at` falls in, as a period. */
export function utcDay(at: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return { from, to: new Date(from.getTime() + 86_400_000) };
}
