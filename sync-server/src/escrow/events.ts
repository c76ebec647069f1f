// Server-side milestone events: the provider's payment confirmation and the escrow clocks. Each runs in one
// transaction that locks the booking and then reads its milestones, like the commands that compete with it.
import type { PendingQuery, Row } from 'postgres';
import type { MilestoneEvent, MilestoneState } from '@shared/milestone-machine';
import type { Db, Sql } from '../db/sql';
import { backoff, isRetryable, transaction } from '../db/tx';
import { CommandRejected } from '../commands/context';
import { lockBookingOfMilestone } from '../store/bookings';
import { getMilestone, milestoneBeside, type MilestoneRow } from '../store/milestones';
import { enqueue, recipient, type OutboxMessage } from '../store/outbox';
import { post } from '../ledger/ledger';
import { fundingPosting, lateRefundPosting } from './postings';
import { oweRefund } from './refunds';
import { stepMilestone, type MilestoneStep } from './step';

export type EventOutcome = { status: MilestoneState; moved: boolean; why?: string };

/**
 * Fires `event` on a milestone as the system. A refusal by the machine (the milestone has moved on: approved
 * by hand just before the timer fired) is an answer, not an error: nothing changes and `moved` is false.
 *
 * Pipelined like applyCommand, because payment confirmations and timers compete with commands for the same
 * rows: BEGIN, the booking's lock and its milestones in one round trip, then the step (one more when it
 * posts to the ledger), then the step's writes, the news and COMMIT in one. Deadlocks and serialization failures run it again.
 */
export async function fireMilestoneEvent(
  sql: Sql,
  milestoneId: string,
  event: MilestoneEvent,
  key: string,
  opts: {
    now?: Date; payment?: MilestoneStep['payment']; released?: number; note?: string; when?: (m: MilestoneRow) => boolean;
    /** One more write that commits with the step, if it moves. */
    also?: (db: Db) => PendingQuery<Row[]>;
  } = {},
): Promise<EventOutcome> {
  for (let attempt = 1; ; attempt++) {
    const db = await sql.reserve();
    let open = false;
    try {
      open = true;
      const began = db`begin`.execute();
      const [, booking, { milestone, milestones }] = await Promise.all([began, lockBookingOfMilestone(db, milestoneId), milestoneBeside(db, milestoneId)]);
      if (!booking || !milestone) throw new Error(`milestone ${milestoneId} not found`);
      const unmoved = (why: string): EventOutcome => ({ status: milestone.status, moved: false, why });
      let outcome: EventOutcome | undefined = opts.when && !opts.when(milestone) ? unmoved('not due') : undefined;
      const writes: PendingQuery<Row[]>[] = [];
      const news: OutboxMessage[] = [];
      if (!outcome) {
        try {
          const { status } = await stepMilestone({
            tx: db, now: opts.now ?? new Date(), booking, milestones, milestone, event, parties: ['system'], actorId: null, key,
            note: opts.note, payment: opts.payment, released: opts.released,
            write: (q) => void writes.push(q),
            notify: (m) => void news.push(m),
          });
          outcome = { status, moved: true };
          if (opts.also) writes.push(opts.also(db));
        } catch (e) {
          if (!(e instanceof CommandRejected)) throw e;
          outcome = unmoved(e.rejection.code);
        }
      }
      if (!outcome.moved) {
        open = false;
        await db`rollback`;
        return outcome;
      }
      open = false;
      const settled = await Promise.allSettled([...writes, ...(news.length ? [enqueue(db, news)] : []), db`commit`]);
      // After the first failure Postgres skips the rest and COMMIT rolls back: the first one says why.
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return outcome;
    } catch (e) {
      if (open) await db`rollback`.catch(() => undefined);
      if (!isRetryable(e) || attempt >= MAX_ATTEMPTS) throw e;
    } finally {
      db.release();
    }
    await backoff(attempt);
  }
}

const MAX_ATTEMPTS = 8;

export interface ConfirmedPayment {
  milestoneId: string;
  paymentIntentId: string;
  chargeId: string | null;
  amount: number;
  currency: string;
}

export type PaymentOutcome = 'funded' | 'already_funded' | 'refunded_late';

/**
 * The provider's event, recorded by the transaction that acts on it, so that the record names the effect
 * (see handleWebhook). `insert` does nothing when the event is recorded already; afterwards `recorded` says
 * whether this delivery's insert did it, and is left undefined when nothing acted.
 */
export interface EventRecord {
  insert(db: Db, outcome: string): PendingQuery<Row[]>;
  recorded?: boolean;
}

/**
 * The provider says a milestone's payment succeeded. Funded once per payment intent, whichever event or
 * replay says so. Money the milestone cannot take (it was cancelled or replaced meanwhile, it was paid
 * twice, or the amount is not the agreed one) is refunded at once, with the ledger showing it arrive and leave.
 */
export async function confirmPayment(
  sql: Sql,
  p: ConfirmedPayment,
  key: string,
  opts: { now?: Date; record?: EventRecord } = {},
): Promise<PaymentOutcome> {
  const { now = new Date(), record } = opts;
  let recording: PendingQuery<Row[]> | undefined;
  const fired = await fireMilestoneEvent(sql, p.milestoneId, 'payment_confirmed', key, {
    now,
    payment: { paymentIntentId: p.paymentIntentId, chargeId: p.chargeId },
    when: (m) => (m.status === 'agreed' || m.status === 'payment_pending') && m.amount === p.amount && m.currency === p.currency,
    also: record && ((db) => (recording = record.insert(db, 'funded'))),
  });
  if (fired.moved) {
    if (record) record.recorded = (await recording!).length > 0;
    return 'funded';
  }
  return transaction(sql, async (tx) => {
    // Under the booking's lock, like every step: a second delivery of the same payment waits, then finds it posted.
    await lockBookingOfMilestone(tx, p.milestoneId);
    const m = await getMilestone(tx, p.milestoneId);
    if (!m) throw new Error(`milestone ${p.milestoneId} not found`);
    if (m.paymentIntentId === p.paymentIntentId) return 'already_funded';
    const money = { ...m, currency: p.currency };
    await post(tx, fundingPosting(money, p.paymentIntentId, p.amount));
    const late = lateRefundPosting(money, p.paymentIntentId, p.amount);
    const { created } = await post(tx, late);
    // Owed and told once per payment: another event about it (Stripe sends two per payment) or a replay
    // finds the refund posted and owes nothing more.
    if (created) {
      await Promise.all([
        ...oweRefund(tx, { for: 'late_payment', cause: late.dedupeKey, milestoneId: m.id, paymentIntentId: p.paymentIntentId, amount: p.amount, currency: p.currency }, now),
        enqueue(tx, [{
          ...recipient('client', m), template: 'milestone.payment_returned',
          data: { bookingId: m.bookingId, milestoneId: m.id, amount: p.amount, currency: p.currency },
          dedupeKey: `late-refund:${p.paymentIntentId}`,
        }]),
      ]);
    }
    if (record) record.recorded = (await record.insert(tx, 'refunded_late')).length > 0;
    return 'refunded_late';
  });
}
