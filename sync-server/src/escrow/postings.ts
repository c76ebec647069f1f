// The ledger postings escrow makes, one function per movement. Each is keyed by what caused it, so that a
// second delivery of the same cause posts nothing (invariant L4): the payment for funding, the milestone
// for its one settlement, the milestone again for its one transfer to the worker.
import { money, negate, splitFee, type Money } from '@shared/money';
import { accounts } from '../ledger/accounts';
import type { Posting } from '../ledger/ledger';

export interface MilestoneMoney {
  id: string;
  bookingId: string;
  clientId: string;
  workerId: string;
  amount: number;
  currency: string;
  feeBps: number;
}

const amountOf = (m: MilestoneMoney, amount = m.amount): Money => money(amount, m.currency);

/** The client's payment arrives: from the client's funding account into the milestone's escrow. */
export function fundingPosting(m: MilestoneMoney, paymentIntentId: string, amount = m.amount): Posting {
  const a = amountOf(m, amount);
  return {
    kind: 'funding',
    dedupeKey: `funding:${paymentIntentId}`,
    bookingId: m.bookingId,
    milestoneId: m.id,
    memo: `Payment ${paymentIntentId} for milestone ${m.id}`,
    entries: [
      { account: accounts.clientFunding(m.clientId, a.currency), amount: negate(a) },
      { account: accounts.escrow(m.id, a.currency), amount: a },
    ],
  };
}

/**
 * Escrow settles: `released` (gross) to the worker less the platform's fee on it, the rest back to the
 * client. Release all, refund all and a split are the same posting with different amounts.
 */
export function settlementPosting(m: MilestoneMoney, released: number, kind: 'release' | 'refund' | 'split'): { posting: Posting; fee: Money; net: Money; refunded: Money } {
  if (!Number.isSafeInteger(released) || released < 0 || released > m.amount)
    throw new RangeError(`Cannot release ${released} of milestone ${m.id}'s ${m.amount}.`);
  const gross = amountOf(m, released);
  const { fee, net } = splitFee(gross, m.feeBps);
  const refunded = amountOf(m, m.amount - released);
  const c = gross.currency;
  const entries = [
    { account: accounts.escrow(m.id, c), amount: negate(amountOf(m)) },
    { account: accounts.workerPayable(m.workerId, c), amount: net },
    { account: accounts.platformFees(c), amount: fee },
    { account: accounts.refunds(c), amount: refunded },
  ].filter((e) => e.amount.amount !== 0);
  return {
    posting: { kind, dedupeKey: `settle:${m.id}`, bookingId: m.bookingId, milestoneId: m.id, memo: `${kind} of milestone ${m.id}`, entries },
    fee,
    net,
    refunded,
  };
}

/** Released money leaves for the worker's connected account: from what we owe them to paid out. */
export function transferPosting(m: MilestoneMoney, net: number, transferId: string): Posting {
  const a = amountOf(m, net);
  return {
    kind: 'payout',
    dedupeKey: `transfer:${m.id}`,
    bookingId: m.bookingId,
    milestoneId: m.id,
    memo: `Transfer ${transferId} to the worker for milestone ${m.id}`,
    entries: [
      { account: accounts.workerPayable(m.workerId, a.currency), amount: negate(a) },
      { account: accounts.payouts(a.currency), amount: a },
    ],
  };
}

/**
 * A payment the milestone cannot take (it was cancelled or replaced meanwhile, or paid twice) goes straight
 * back: in through escrow and out to refunds, so the ledger shows it arriving and leaving.
 */
export function lateRefundPosting(m: MilestoneMoney, paymentIntentId: string, amount: number): Posting {
  const a = amountOf(m, amount);
  return {
    kind: 'refund',
    dedupeKey: `late-refund:${paymentIntentId}`,
    bookingId: m.bookingId,
    milestoneId: m.id,
    memo: `Payment ${paymentIntentId} arrived for milestone ${m.id}, which could not take it: refunded`,
    entries: [
      { account: accounts.escrow(m.id, a.currency), amount: negate(a) },
      { account: accounts.refunds(a.currency), amount: a },
    ],
  };
}

/** A chargeback the bank decided for the client: what the milestone's escrow still holds goes back to them too. */
export function refundLeftPosting(m: MilestoneMoney, left: number): Posting {
  const a = amountOf(m, left);
  return {
    kind: 'refund',
    dedupeKey: `settle:${m.id}`,
    bookingId: m.bookingId,
    milestoneId: m.id,
    memo: `refund of what milestone ${m.id} held after a chargeback`,
    entries: [
      { account: accounts.escrow(m.id, a.currency), amount: negate(a) },
      { account: accounts.refunds(a.currency), amount: a },
    ],
  };
}

/**
 * Where the money a bank took back for a chargeback came from: the milestone's escrow, refunds we owed the
 * client for that payment and had not made (the bank gave the client that money instead), the platform's pocket.
 */
export interface ChargebackSplit {
  disputeId: string;
  fromEscrow: number;
  fromRefund: number;
  fromPlatform: number;
}

/**
 * A chargeback's money leaves with the bank (`reversal` false), or comes back when the bank decides for the
 * platform (`reversal` true): the same entries with their signs turned.
 */
export function chargebackPosting(m: MilestoneMoney, c: ChargebackSplit, reversal: boolean): Posting {
  const sign = (n: number) => amountOf(m, reversal ? n : -n);
  const cur = amountOf(m).currency;
  const entries = [
    { account: accounts.escrow(m.id, cur), amount: sign(c.fromEscrow) },
    { account: accounts.refunds(cur), amount: sign(c.fromRefund) },
    { account: accounts.platformLosses(cur), amount: sign(c.fromPlatform) },
    { account: accounts.bankDisputes(cur), amount: negate(sign(c.fromEscrow + c.fromRefund + c.fromPlatform)) },
  ].filter((e) => e.amount.amount !== 0);
  return {
    kind: reversal ? 'chargeback_reversal' : 'chargeback',
    dedupeKey: `${reversal ? 'chargeback-won' : 'chargeback'}:${c.disputeId}`,
    bookingId: m.bookingId,
    milestoneId: m.id,
    memo: reversal ? `Bank dispute ${c.disputeId} decided for the platform: money back` : `Bank dispute ${c.disputeId}: money taken back by the client's bank`,
    entries,
  };
}
