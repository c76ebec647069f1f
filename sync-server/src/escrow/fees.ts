// The payment provider's fees, in the ledger. Stripe keeps a fee out of every charge (its processing fee)
// and out of every chargeback (its dispute fee), so the platform's balance there holds less than escrow says
// came in; the platform pays the difference from its own money. Each fee is one `provider_fee` posting, from
// `platform_costs` to `provider_fees`, in the currency of the platform's balance (a payment in another
// currency is converted there, fee and all), keyed by the provider's balance transaction, and one row in
// `provider_fees`, which a fee of zero (the demo rail's) has too, so that the payment is not asked about again.
//
// A charge's fee is read after the payment, not while confirming it: the provider may settle the charge into
// the balance later (some payment methods), and a slow answer must not hold a payment back. The
// `escrow.provider_fees` sweep asks for the fee of every payment of the last FEE_WINDOW_MS that has none yet;
// nightly reconciliation reports one still without it. A dispute's fees come with the dispute itself (its
// balance transactions), recorded as the chargeback is followed (chargebacks.ts).
import { isCurrency, money, negate } from '@shared/money';
import type { Db, Sql } from '../db/sql';
import { transaction } from '../db/tx';
import { accounts } from '../ledger/accounts';
import { postingIdRange } from '../ledger/invariants';
import { post } from '../ledger/ledger';
import type { Logger } from '../log';
import type { PaymentProvider, ProviderFee } from '../payments/provider';

/** Payments whose fee the sweep asks for: funded this recently. Older ones without one are reconciliation's to report. */
export const FEE_WINDOW_MS = 3 * 24 * 60 * 60_000;
/** Payments one sweep asks about at most (a busy stretch's); the next sweep takes the rest. */
const SWEEP_LIMIT = 200;
/** Provider calls in flight at once. */
const CONCURRENCY = 4;

/** Whose fees these are: the payment (and the bank dispute of it, for a dispute's). */
export interface FeeSubject {
  paymentIntentId: string;
  milestoneId: string;
  bookingId: string;
  bankDisputeId?: string | null;
}

/** A fee the ledger cannot take as the provider gave it, and why: it needs a person, and holds nothing else up. */
export interface RefusedFee {
  balanceTransactionId: string;
  why: string;
}

/**
 * Records fees the provider kept, each once whatever number of times it is read: its row, and a posting for a
 * fee that is not zero. A fee the ledger cannot take (not whole minor units, or in a currency it does not
 * keep) is left out and answered in `refused`, never thrown: a dispute's fees are recorded with its
 * chargeback, which must not wait on them. Answers how many were new.
 */
export async function recordProviderFees(db: Db, of: FeeSubject, fees: readonly ProviderFee[]): Promise<{ recorded: number; refused: RefusedFee[] }> {
  let recorded = 0;
  const refused: RefusedFee[] = [];
  for (const fee of fees) {
    if (!Number.isSafeInteger(fee.amount)) {
      refused.push({ balanceTransactionId: fee.balanceTransactionId, why: `the fee is not whole minor units: ${fee.amount}` });
      continue;
    }
    if (!isCurrency(fee.currency)) {
      refused.push({ balanceTransactionId: fee.balanceTransactionId, why: `the fee is in ${fee.currency}, a currency the ledger does not keep` });
      continue;
    }
    const [row] = await db`
      insert into provider_fees (id, payment_intent_id, bank_dispute_id, milestone_id, amount, currency)
      values (${fee.balanceTransactionId}, ${of.paymentIntentId}, ${of.bankDisputeId ?? null}, ${of.milestoneId}, ${fee.amount}, ${fee.currency})
      on conflict do nothing
      returning id`;
    if (!row) continue;
    recorded++;
    if (fee.amount !== 0) {
      const { postingId } = await post(db, feePosting(of, fee));
      await db`update provider_fees set posting_id = ${postingId} where id = ${fee.balanceTransactionId}`;
    }
  }
  return { recorded, refused };
}

function feePosting(of: FeeSubject, fee: ProviderFee) {
  const kept = money(fee.amount, fee.currency);
  const what = of.bankDisputeId ? `bank dispute ${of.bankDisputeId}` : `payment ${of.paymentIntentId}`;
  return {
    kind: 'provider_fee' as const,
    dedupeKey: `provider-fee:${fee.balanceTransactionId}`,
    bookingId: of.bookingId,
    milestoneId: of.milestoneId,
    memo: `The provider's fee on ${what} (${fee.balanceTransactionId})`,
    entries: [
      { account: accounts.providerFees(kept.currency), amount: kept },
      { account: accounts.platformCosts(kept.currency), amount: negate(kept) },
    ],
  };
}

/**
 * Payments funded about [from, to) whose charge's fee has not been recorded, newest first (a payment the
 * provider keeps failing for holds back none paid after it). By posting id alone
 * (UUIDv7, see postingIdRange): the sweep's window needs no precision, and the ids keep the clock of the
 * server that posted them.
 */
export function paymentsWithoutFee(db: Db, from: Date, to: Date, limit = SWEEP_LIMIT) {
  const { lo, hi } = postingIdRange(from, to);
  return db<{ paymentIntentId: string; milestoneId: string; bookingId: string; amount: number; currency: string }[]>`
    select x.payment_intent_id, p.milestone_id, p.booking_id, e.amount, e.currency
    from ledger_postings p
    cross join lateral (select substr(p.dedupe_key, length('funding:') + 1) as payment_intent_id) x
    join ledger_entries e on e.posting_id = p.id and e.amount > 0
    where p.id between ${lo} and ${hi} and p.kind = 'funding'
      and not exists (select 1 from provider_fees f where f.payment_intent_id = x.payment_intent_id and f.bank_dispute_id is null)
    order by p.id desc
    limit ${limit}`;
}

export interface FeeSweep {
  /** Payments whose fee was recorded now. */
  recorded: number;
  /** Payments the provider has not settled into the balance yet: asked again next time. */
  notSettled: number;
  /** Payments the provider could not answer for (an outage, an unknown payment): asked again next time. */
  failed: number;
}

/**
 * Asks the provider for the fee of every payment without one funded within FEE_WINDOW_MS before `now` (or
 * since `since`), and records each. Stops taking more once `signal` aborts (a shutdown): the next sweep goes on.
 */
export async function sweepPaymentFees(
  sql: Sql, provider: PaymentProvider, log: Logger, opts: { now?: Date; since?: Date; signal?: AbortSignal } = {},
): Promise<FeeSweep> {
  const now = opts.now ?? new Date();
  const owed = await paymentsWithoutFee(sql, opts.since ?? new Date(now.getTime() - FEE_WINDOW_MS), now);
  const counts: FeeSweep = { recorded: 0, notSettled: 0, failed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < owed.length && !opts.signal?.aborted) {
      const p = owed[next++]!;
      try {
        const fee = await provider.retrievePaymentFee(p.paymentIntentId);
        if (!fee) {
          counts.notSettled++;
          continue;
        }
        const { recorded, refused } = await transaction(sql, (tx) => recordProviderFees(tx, p, [fee]));
        counts.recorded += recorded;
        counts.failed += refused.length;
        for (const r of refused) log.error({ ...r, paymentIntentId: p.paymentIntentId, milestoneId: p.milestoneId }, "the provider's fee on a payment cannot be recorded; it needs a person");
      } catch (err) {
        counts.failed++;
        log.warn({ err, paymentIntentId: p.paymentIntentId, milestoneId: p.milestoneId }, "could not record the provider's fee on a payment; the next sweep asks again");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, owed.length) }, lane));
  return counts;
}
