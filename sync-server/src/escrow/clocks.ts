// Escrow's two clocks: how long a checkout stays open (payment_expires_at), and the client's approval window
// (approval_check_at: the reminders 24 h and 2 h before auto_approve_at, then approval on the client's
// behalf). Each is a due time on the milestone, set and cleared by the step that starts or stops it, in that
// step's transaction (step.ts): a clock runs exactly when its step committed.
//
// A checkout lapses at the provider first (closeCheckout): the session can outlive the window (the provider
// keeps one open 30 minutes at least), and a payer who finished before it closed has paid in time.
//
// escrow.sweep runs every minute from the crontab (each tick once across all instances). It reads what is
// due through migration 008's partial indexes, oldest first, and acts on each milestone in a transaction
// of its own: a step locks the booking, as every step does, and checks the milestone is still due; a
// reminder moves the clock on with an update that names the due time it read. So a step taken by hand just
// before (paid, approved, sent back), a sweep of the previous tick still running, or a crash halfway
// through a sweep, leaves nothing done twice; whatever one sweep did not reach, the next finds. A clock
// acts within a minute or so of its time while the sweeps keep up, against windows of an hour and of
// days. A milestone whose step fails (a fault, not a state) or is refused is logged and left for the next
// sweep, without holding up the others.
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import { transaction } from '../db/tx';
import { enqueue, recipient } from '../store/outbox';
import type { PaymentProvider } from '../payments/provider';
import { closeCheckout } from './checkouts';
import { fireMilestoneEvent, type EventOutcome } from './events';
import type { MilestoneState } from '@shared/milestone-machine';
import { APPROVAL_REMINDERS_H, nextApprovalCheck, partNamed } from './step';

/** Milestones read per query; a sweep pages through everything due. */
const BATCH = 200;

export interface SweepCounts {
  expired: number;
  /** Due to lapse, but paid at the provider before the checkout could be closed: funded instead. */
  paidLate: number;
  autoApproved: number;
  reminded: number;
  /** Submitted work found without its next look, set now (see sweepClocks). */
  repaired: number;
  /** Refused by the machine or the booking although due: left as they are, and logged. */
  refused: number;
  failed: number;
}

export interface SweepOptions {
  /** Aborted at shutdown: the sweep stops between milestones; the next tick carries on. */
  signal?: AbortSignal;
  batch?: number;
}

interface Due {
  id: string;
  due: Date;
  autoApproveAt: Date | null;
  checkoutSessionId: string | null;
}

/**
 * The milestones due on one clock at `now`, after `after` in (due, id) order. Each query names its state
 * as a literal, so that the planner can use the clock's partial index.
 */
async function dueOn(sql: Sql, clock: 'payment' | 'approval', now: Date, after: Due | undefined, batch: number): Promise<Due[]> {
  const { due, id } = after ?? { due: new Date(0), id: '00000000-0000-0000-0000-000000000000' };
  return clock === 'payment'
    ? sql<Due[]>`
        select id, payment_expires_at as due, auto_approve_at, checkout_session_id from milestones
        where status = 'payment_pending' and payment_expires_at <= ${now} and (payment_expires_at, id) > (${due}, ${id}::uuid) and not deleted
        order by payment_expires_at, id limit ${batch}`
    : sql<Due[]>`
        select id, approval_check_at as due, auto_approve_at, null as checkout_session_id from milestones
        where status = 'submitted' and approval_check_at <= ${now} and (approval_check_at, id) > (${due}, ${id}::uuid) and not deleted
        order by approval_check_at, id limit ${batch}`;
}

/**
 * Acts on every milestone whose clock is due now: lapsed checkouts, then reminders and approvals. First it
 * gives submitted work without a next look one now: during a rolling deploy an instance still on the code
 * before migration 008 submits work without setting approval_check_at.
 */
export async function sweepClocks(sql: Sql, provider: PaymentProvider, log: Logger, opts: SweepOptions = {}): Promise<SweepCounts> {
  const { signal, batch = BATCH } = opts;
  const counts: SweepCounts = { expired: 0, paidLate: 0, autoApproved: 0, reminded: 0, repaired: 0, refused: 0, failed: 0 };
  const now = new Date();
  counts.repaired = (await sql`
    update milestones set approval_check_at = ${now}
    where status = 'submitted' and approval_check_at is null and auto_approve_at is not null and not deleted`).count;
  const walk = async (clock: 'payment' | 'approval', act: (m: Due) => Promise<keyof SweepCounts | null>) => {
    for (let after: Due | undefined; ; ) {
      const due = await dueOn(sql, clock, now, after, batch);
      for (const m of due) {
        if (signal?.aborted) return;
        try {
          const done = await act(m);
          if (done) counts[done]++;
        } catch (err) {
          counts.failed++;
          log.error({ err, milestoneId: m.id, clock }, 'an escrow clock could not act; the next sweep tries again');
        }
      }
      if (due.length < batch) return;
      after = due.at(-1);
    }
  };
  /** A step that did not move: found no longer due (fine), or refused, which the next sweep will meet again. */
  const outcome = (m: Due, clock: string, out: EventOutcome, moved: keyof SweepCounts): keyof SweepCounts | null => {
    if (out.moved) return moved;
    if (out.why === 'not due') return null;
    log.warn({ milestoneId: m.id, clock, why: out.why, status: out.status }, 'a due escrow clock was refused; it stays due');
    return 'refused';
  };

  await walk('payment', async (m) => {
    // The checkout first: once closed at the provider nobody can pay it, so the milestone can lapse. A payer
    // who finished first has paid in time, whether or not the webhook has said so.
    if (m.checkoutSessionId) {
      const closed = await closeCheckout(sql, provider, m.checkoutSessionId);
      if (closed === 'funded' || closed === 'already_funded') return 'paidLate';
      if (closed === 'processing') {
        log.warn({ milestoneId: m.id, sessionId: m.checkoutSessionId }, 'a lapsing checkout was paid by a method still settling; it stays due');
        return 'refused';
      }
      if (closed !== 'closed') log.warn({ milestoneId: m.id, sessionId: m.checkoutSessionId, outcome: closed }, 'a lapsing checkout was paid, and the payment could not fund it');
    }
    const out = await fireMilestoneEvent(sql, m.id, 'payment_expired', `payment-expiry:${m.id}:${m.due.toISOString()}`, {
      // A checkout kept after this sweep read the milestone has not been closed: not due yet, the next sweep closes it.
      when: (x) => x.status === 'payment_pending' && x.paymentExpiresAt !== null && x.paymentExpiresAt <= now && x.checkoutSessionId === m.checkoutSessionId,
    });
    return outcome(m, 'payment', out, 'expired');
  });

  await walk('approval', async (m) => {
    const deadline = m.autoApproveAt;
    if (!deadline) return null;
    if (deadline <= now) {
      const out = await fireMilestoneEvent(sql, m.id, 'auto_approve', `auto-approve:${m.id}:${deadline.toISOString()}`, {
        when: (x) => x.status === 'submitted' && x.autoApproveAt !== null && x.autoApproveAt <= now,
      });
      return outcome(m, 'approval', out, 'autoApproved');
    }
    return remind(sql, m, deadline, now);
  });
  return counts;
}

/**
 * The reminder due before `deadline`, sent once, and the clock moved on to its next check. Moving the
 * clock is the check that it is still the one this sweep read: a resubmission or a request for changes
 * meanwhile has reset or cleared it, and then nothing is sent.
 */
async function remind(sql: Sql, m: Due, deadline: Date, now: Date): Promise<'reminded' | null> {
  const hoursLeft = (deadline.getTime() - now.getTime()) / 3_600_000;
  const h = [...APPROVAL_REMINDERS_H].reverse().find((r) => hoursLeft <= r);
  return transaction(sql, async (tx) => {
    const [moved] = await tx<{ clientId: string; workerId: string; bookingId: string; description: string; parts: { status: MilestoneState }[] }[]>`
      update milestones set approval_check_at = ${nextApprovalCheck(deadline, now)}
      where id = ${m.id} and status = 'submitted' and approval_check_at = ${m.due} and auto_approve_at = ${deadline}
      returning client_id, worker_id, booking_id, description,
        (select json_agg(json_build_object('status', s.status)) from milestones s where s.booking_id = milestones.booking_id and not s.deleted) as parts`;
    if (!moved || h === undefined) return null;
    await enqueue(tx, [{
      ...recipient('client', moved),
      template: 'milestone.approval_reminder',
      data: { bookingId: moved.bookingId, milestoneId: m.id, hoursLeft: h, autoApproveAt: deadline.toISOString(), ...partNamed(moved.description, moved.parts) },
      dedupeKey: `reminder:${m.id}:${deadline.toISOString()}:${h}`,
    }]);
    return 'reminded';
  });
}
