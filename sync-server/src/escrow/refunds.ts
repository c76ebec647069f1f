// Refunds owed to clients (migration 009): one row per posting that sent a client's money to refunds, written
// in the posting's transaction with the job that asks the provider for it, and what the provider made of it.
// The job acts on the row (escrow.refund in tasks.ts); reconciliation reports the rows not succeeded.
import type { PendingQuery, Row } from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../db/sql';
import { scheduleJob } from '../jobs/queue';
import type { EscrowTasks } from './tasks';
import { timerKey } from './timers';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface ClientRefund {
  id: string;
  /** The posting's dedupe key: settle:<milestone> or late-refund:<payment intent>. */
  cause: string;
  milestoneId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  /** The provider's refund, once made. */
  refundId: string | null;
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
  if (!row.paymentIntentId) throw new Error(`milestone ${row.milestoneId} refunded ${row.amount} but has no payment to refund`);
  const id = uuidv7();
  const task = kind === 'settlement' ? 'escrow.refund' : 'escrow.refund_payment';
  const key = kind === 'settlement' ? timerKey('escrow.refund', row.milestoneId) : `escrow.refund_payment:${row.paymentIntentId}`;
  return [
    db`insert into client_refunds ${db({ id, ...row })}`,
    scheduleJob<EscrowTasks>(db, { task, payload: { refundId: id }, runAt, key }),
  ];
}

/**
 * Counts one more provider call for a refund still owed, and says whether the provider may have forgotten
 * the key of the first (Stripe prunes keys after 24 hours; 23 leaves room for clocks and calls in flight).
 * Nothing when the refund has succeeded or there is no such row.
 */
export async function beginRefundAttempt(db: Db, id: string): Promise<(ClientRefund & { keyMayBeGone: boolean }) | undefined> {
  const [row] = await db<(ClientRefund & { keyMayBeGone: boolean })[]>`
    update client_refunds set attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now()
    where id = ${id} and status <> 'succeeded'
    returning *, first_attempt_at < now() - interval '23 hours' as key_may_be_gone`;
  return row;
}

/** The provider made the refund: recorded once; false when another run recorded it first. */
export async function refundSucceeded(db: Db, id: string, refundId: string): Promise<boolean> {
  const rows = await db`
    update client_refunds set refund_id = ${refundId}, status = 'succeeded', last_error = null, updated_at = now()
    where id = ${id} and status <> 'succeeded' returning id`;
  return rows.length > 0;
}

/** An attempt failed: the error kept, and the row failed when nothing will try again. */
export function refundAttemptFailed(db: Db, id: string, error: string, final: boolean) {
  return db`
    update client_refunds set last_error = ${error}, updated_at = now(), status = ${final ? 'failed' : 'pending'}
    where id = ${id} and status <> 'succeeded'`;
}

/** Refunds not succeeded: every failed one, and those pending longer than `graceMs` (their job is retrying or lost). */
export function unsettledRefunds(db: Db, graceMs: number) {
  return db<ClientRefund[]>`
    select * from client_refunds
    where status <> 'succeeded' and (status = 'failed' or created_at < now() - ${graceMs / 1000} * interval '1 second')
    order by created_at`;
}
