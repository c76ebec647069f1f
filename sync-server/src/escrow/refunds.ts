// Refunds owed to clients (migrations 009, 012): one row per posting that sent a client's money to refunds,
// written in the posting's transaction with the job that asks the provider for it, and what the provider made
// of it. The job acts on the row (escrow.refund in tasks.ts); a refund the provider took and has not made yet
// is read again from the provider by reconciliation each night and on the provider's refund events, until it
// is made or failed; reconciliation reports the rows not made.
import type { PendingQuery, Row } from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import type { Db, Sql } from '../db/sql';
import { transaction } from '../db/tx';
import { scheduleJob } from '../jobs/queue';
import type { Logger } from '../log';
import { PaymentProviderError, type PaymentEvent, type PaymentProvider, type RefundInfo } from '../payments/provider';
import { updateMilestone } from '../store/milestones';
import type { EscrowTasks } from './tasks';
import { timerKey } from './timers';

/**
 * pending: owed, the provider has not taken it yet (the job is asking); sent: the provider took it and has not
 * made it yet; succeeded: made; failed: refused, or failed at the provider, and nothing will try again;
 * taken_by_bank: the client's bank gave the client this money for a chargeback, so nothing is sent (owed
 * again should the bank decide for the platform; chargebacks.ts).
 */
export type RefundStatus = 'pending' | 'sent' | 'succeeded' | 'failed' | 'taken_by_bank';

export interface ClientRefund {
  id: string;
  /** The posting's dedupe key: settle:<milestone> or late-refund:<payment intent>. */
  cause: string;
  milestoneId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  /** The provider's refund, once it took the request (or we found the one it had made). */
  refundId: string | null;
  /** That refund's status as the provider last gave it (pending, requires_action, succeeded, failed, …). */
  providerStatus: string | null;
  status: RefundStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

export interface OwedRefund {
  /** A settlement's refund, or a payment the milestone could not take (see confirmPayment). */
  for: 'settlement' | 'late_payment';
  /** The posting that sent the money to refunds. */
  cause: string;
  milestoneId: string;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
}

/**
 * The row and its job, to commit with the posting (and only when the posting was created: a second delivery
 * of the same cause owes nothing more). A settlement's job is keyed by its milestone, a late payment's by the
 * payment, one pending job each.
 */
export function oweRefund(db: Db, owed: OwedRefund, runAt: Date): PendingQuery<Row[]>[] {
  const { for: kind, ...row } = owed;
  const { paymentIntentId } = row;
  if (!paymentIntentId) throw new Error(`milestone ${row.milestoneId} refunded ${row.amount} but has no payment to refund`);
  const id = uuidv7();
  return [db`insert into client_refunds ${db({ id, ...row })}`, refundJob(db, { id, for: kind, milestoneId: row.milestoneId, paymentIntentId }, runAt)];
}

/** The job that asks the provider for a refund owed. */
function refundJob(db: Db, r: { id: string; for: OwedRefund['for']; milestoneId: string; paymentIntentId: string }, runAt: Date) {
  const task = r.for === 'settlement' ? 'escrow.refund' : 'escrow.refund_payment';
  const key = r.for === 'settlement' ? timerKey('escrow.refund', r.milestoneId) : `escrow.refund_payment:${r.paymentIntentId}`;
  return scheduleJob<EscrowTasks>(db, { task, payload: { refundId: r.id }, runAt, key });
}

/** What a refund owed was for, from the posting's dedupe key it is recorded under (`cause`). */
export const refundFor = (cause: string): OwedRefund['for'] => (cause.startsWith('late-refund:') ? 'late_payment' : 'settlement');

/** Whether the provider's refund `r` is one made for our refund `row` (by the row's id in its metadata; before
 * migration 009, by its milestone and amount), sent or made rather than failed. */
export const providerRefundOf = (r: RefundInfo, row: Pick<ClientRefund, 'id' | 'milestoneId' | 'amount'>) =>
  !refundUndone(r.status) && r.amount === row.amount &&
  (r.metadata.clientRefundId === row.id || (r.metadata.clientRefundId === undefined && r.metadata.milestoneId === row.milestoneId));

/**
 * Of the refunds a payment still owes here (pending or failed), those the provider may have made all the same:
 * an attempt whose answer never reached us, or one a person made at the provider's dashboard. Asked of the
 * provider only when a row has been asked for at all. A chargeback never stands for these: that money reached
 * the client (and once the bank has the charge, the provider refunds nothing more of it).
 */
export async function refundsPerhapsMade(db: Db, provider: Pick<PaymentProvider, 'listRefunds'>, paymentIntentId: string): Promise<Set<string>> {
  const owed = await db<(Pick<ClientRefund, 'id' | 'milestoneId' | 'amount'> & { asked: boolean })[]>`
    select id, milestone_id, amount, attempts > 0 or first_attempt_at is not null as asked
    from client_refunds where payment_intent_id = ${paymentIntentId} and status in ('pending', 'failed')`;
  if (!owed.some((o) => o.asked)) return new Set();
  const atProvider = await provider.listRefunds(paymentIntentId);
  return new Set(owed.filter((o) => atProvider.some((r) => providerRefundOf(r, o))).map((o) => o.id));
}

/**
 * A chargeback of a payment whose refund is still owed (not taken by the provider yet, or refused by it: the
 * provider refuses to refund a disputed charge): the bank gives the client that money instead. Takes whole
 * refunds of the payment, oldest first, while they fit in `upTo`, except those the provider may have made
 * (`perhapsMade`, from refundsPerhapsMade), and marks them given by the dispute's bank. Answers the amount
 * taken. Runs in the chargeback's transaction, under the booking's lock.
 */
export async function takeRefundsForChargeback(
  db: Db, d: { id: string; paymentIntentId: string; currency: string }, upTo: number, perhapsMade: ReadonlySet<string>,
): Promise<number> {
  const owed = await db<{ id: string; amount: number }[]>`
    select id, amount from client_refunds
    where payment_intent_id = ${d.paymentIntentId} and currency = ${d.currency} and status in ('pending', 'failed')
    order by created_at, id for update`;
  const taken: string[] = [];
  let total = 0;
  for (const r of owed)
    if (!perhapsMade.has(r.id) && total + r.amount <= upTo) {
      taken.push(r.id);
      total += r.amount;
    }
  if (taken.length > 0)
    await db`update client_refunds set status = 'taken_by_bank', bank_dispute_id = ${d.id}, updated_at = now() where id = any(${taken}::uuid[])`;
  return total;
}

/**
 * The bank decided for the platform and gave the money back: the refunds its chargeback stood for are owed to
 * the client again, each with its job, owed from now (reconciliation's grace runs from created_at). Each is
 * asked for under a new id, so under a new idempotency key (`refund:<id>`): for as long as the provider keeps
 * the old key, it would answer it as before (a refusal of the disputed charge, or a refund that failed). No
 * refund was made under the old id: takeRefundsForChargeback passes over those the provider may have made.
 */
export async function oweAgainAfterChargeback(db: Db, disputeId: string, runAt: Date): Promise<void> {
  const rows = await db<Pick<ClientRefund, 'id' | 'cause' | 'milestoneId' | 'paymentIntentId'>[]>`
    select id, cause, milestone_id, payment_intent_id from client_refunds where bank_dispute_id = ${disputeId} and status = 'taken_by_bank' for update`;
  for (const r of rows) {
    const id = uuidv7();
    await db`
      update client_refunds
      set id = ${id}, status = 'pending', bank_dispute_id = null, attempts = 0, first_attempt_at = null, last_error = null,
          created_at = now(), updated_at = now()
      where id = ${r.id}`;
    await refundJob(db, { ...r, id, for: refundFor(r.cause) }, runAt);
  }
}

/**
 * Counts one more provider call for a refund still owed, and says whether the provider may have forgotten
 * the key of the first (Stripe prunes keys after 24 hours; 23 leaves room for clocks and calls in flight).
 * Nothing when the provider has the refund (sent or made) or there is no such row.
 */
export async function beginRefundAttempt(db: Db, id: string): Promise<(ClientRefund & { keyMayBeGone: boolean }) | undefined> {
  const [row] = await db<(ClientRefund & { keyMayBeGone: boolean })[]>`
    update client_refunds set attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now()
    where id = ${id} and status in ('pending', 'failed')
    returning *, first_attempt_at < now() - interval '23 hours' as key_may_be_gone`;
  return row;
}

/** Refund states at the provider in which it sent nothing back, and never will under that refund. */
export const refundUndone = (providerStatus: string) => providerStatus === 'failed' || providerStatus === 'canceled';

/** Our state of a refund the provider has: made, failed, or on its way (pending, requires_action, or any state it may add). */
const stateOf = (providerStatus: string): 'succeeded' | 'failed' | 'sent' =>
  providerStatus === 'succeeded' ? 'succeeded' : refundUndone(providerStatus) ? 'failed' : 'sent';

/**
 * Records the provider's refund for a row as the provider has it now, if the row is still as `seen` (the job's
 * row owed, or a sent or made row read again): made (a settlement's refund is then also the milestone's, as
 * the client's payments page shows it), failed at the provider (kept for a person; reconciliation reports it),
 * or still on its way (sent). A row changed since it was read is another run's to record, so an older answer
 * never overwrites a newer one. Answers the row's new state, or undefined when nothing was recorded.
 */
export async function recordProviderRefund(sql: Sql, seen: ClientRefund, refund: { id: string; status: string }): Promise<RefundStatus | undefined> {
  const status = stateOf(refund.status);
  if (status === seen.status && refund.id === seen.refundId && refund.status === seen.providerStatus) return undefined;
  const lastError = status === 'failed' ? `the provider's refund ${refund.id} is ${refund.status}` : null;
  return transaction(sql, async (tx) => {
    const [row] = await tx`
      update client_refunds
      set status = ${status}, refund_id = ${refund.id}, provider_status = ${refund.status}, last_error = ${lastError}, updated_at = now()
      where id = ${seen.id} and status = ${seen.status} and refund_id is not distinct from ${seen.refundId}
      returning id`;
    if (!row) return undefined;
    if (status === 'succeeded' && seen.cause === `settle:${seen.milestoneId}`) await updateMilestone(tx, seen.milestoneId, { refundId: refund.id });
    return status;
  });
}

/** Refunds the provider took and has not made yet, oldest first: what reconciliation reads again each night. */
export function sentRefunds(db: Db) {
  return db<(ClientRefund & { refundId: string })[]>`select * from client_refunds where status = 'sent' order by created_at`;
}

/**
 * refund.updated, refund.failed, charge.refund.updated: the event names a refund; what it says of it may be
 * stale (events come late and out of order), so the refund is read again from the provider, and recorded only
 * when a row of ours names it. One the job has not recorded yet is the job's to record, and reconciliation's
 * to read again. Returns the outcome recorded on the event.
 */
export async function refundUpdated(sql: Sql, log: Logger, provider: PaymentProvider, event: PaymentEvent): Promise<string> {
  const refundId = event.data.object.id;
  if (typeof refundId !== 'string') return 'ignored_malformed';
  const [row] = await sql<ClientRefund[]>`select * from client_refunds where refund_id = ${refundId}`;
  if (!row) return 'ignored_unknown_refund';
  // A failed row is final: a person sees to it.
  if (row.status !== 'sent' && row.status !== 'succeeded') return `ignored_${row.status}`;
  let status;
  try {
    status = await recordProviderRefund(sql, row, await provider.retrieveRefund(refundId));
  } catch (e) {
    // Ours, and unknown to the provider: reconciliation reports it; retrying the event cannot help.
    if (e instanceof PaymentProviderError && e.code === 'not_found') return 'ignored_not_found';
    throw e;
  }
  if (status === 'failed')
    log.error({ refund: row.id, providerRefund: refundId, cause: row.cause, amount: row.amount, currency: row.currency }, 'a refund owed to a client failed at the provider; it needs a person');
  return `refund_${status ?? row.status}`;
}

/** An attempt failed: the error kept, and the row failed when nothing will try again. */
export function refundAttemptFailed(db: Db, id: string, error: string, final: boolean) {
  return db`
    update client_refunds set last_error = ${error}, updated_at = now(), status = ${final ? 'failed' : 'pending'}
    where id = ${id} and status in ('pending', 'failed')`;
}

/**
 * Refunds not made that need a person: every failed one, and those the provider has not taken after `graceMs`
 * (their job is retrying or lost). A sent one is the provider's to make, read again each night.
 */
export function unsettledRefunds(db: Db, graceMs: number) {
  return db<(ClientRefund & { status: 'pending' | 'failed' })[]>`
    select * from client_refunds
    where status = 'failed' or (status = 'pending' and created_at < now() - ${graceMs / 1000} * interval '1 second')
    order by created_at`;
}
