// The dispute response window: when it closes with the other side silent, the claim applies by default.
// If they answered, the dispute waits for a mediator. Before it closes, the silent side is reminded 24 h and
// 2 h ahead. Like escrow's timers, each job locks what it acts on and re-checks it, so a late or repeated
// run does nothing.
import type { PendingQuery, Row } from 'postgres';
import { z } from 'zod';
import { defineTasks, type TaskContext } from '../jobs/tasks';
import { transaction } from '../db/tx';
import { scheduleJob } from '../jobs/queue';
import type { Db, Sql } from '../db/sql';
import { CommandRejected } from '../commands/context';
import type { DisputeOutcome } from '@shared/milestone-machine';
import { enqueue, recipient, type OutboxMessage } from '../store/outbox';
import { lockDispute } from '../store/disputes';
import { milestoneBeside } from '../store/milestones';
import { partNamed } from '../escrow/step';
import { lockSettling, otherSide, settleDispute } from './settle';

/** The other side's time to answer a dispute; silence until then lets the claim apply. */
export const DISPUTE_RESPONSE_MS = 5 * 24 * 60 * 60 * 1000;

export const windowKey = (disputeId: string) => `dispute.window:${disputeId}`;

/** The window's one timer per dispute: set when it opens, moved to the deadline when woken early. */
export const windowTimer = (db: Db, disputeId: string, runAt: Date) =>
  scheduleJob(db, { task: 'dispute.window', payload: { disputeId }, runAt, key: windowKey(disputeId) });

/** Reminders to the side that has not answered, this many hours before the window closes. */
export const DISPUTE_REMINDERS_H = [24, 2] as const;

/**
 * A claim as the dispute's texts say it (notifications/texts.ts): all of it back to the client, all of it to the
 * worker, or how much of the whole comes back. Said as all of it, never as "$0.00" the other way.
 */
export const claimNews = (refundAmount: number, amount: number) =>
  refundAmount === amount ? { claimAllBack: amount } : refundAmount === 0 ? { claimAll: amount } : { refundAmount };

export const reminderKey = (disputeId: string, hoursLeft: number) => `dispute.reminder:${disputeId}:${hoursLeft}`;

/**
 * The reminders' timers, set when the dispute opens (the window is longer than the first reminder, and never
 * moves). They are not removed by an answer or a decision: each run looks first.
 */
export const reminderTimers = (db: Db, disputeId: string, respondBy: Date) =>
  DISPUTE_REMINDERS_H.map((h) =>
    scheduleJob<DisputeTasks>(db, {
      task: 'dispute.reminder', payload: { disputeId, hoursLeft: h }, runAt: new Date(respondBy.getTime() - h * 3_600_000), key: reminderKey(disputeId, h),
    }),
  );

/**
 * Reminds the silent side that the window closes in `hoursLeft` hours, once, if the dispute is still open and
 * unanswered and the window has not closed. A reminder run so late that a later one is due too is left to
 * that one, so that two do not arrive together. Under the dispute's lock, so an answer committing
 * meanwhile is seen.
 */
export async function remindSilentSide(sql: Sql, disputeId: string, hoursLeft: number, now = new Date()): Promise<boolean> {
  return transaction(sql, async (tx) => {
    const d = await lockDispute(tx, disputeId);
    if (!d || d.status !== 'open' || d.respondedAt || d.respondBy <= now) return false;
    const left = (d.respondBy.getTime() - now.getTime()) / 3_600_000;
    if (DISPUTE_REMINDERS_H.some((h) => h < hoursLeft && left <= h)) return false;
    // Its part, by name, when the booking has several.
    const { milestone, milestones } = await milestoneBeside(tx, d.milestoneId);
    await enqueue(tx, [{
      ...recipient(otherSide(d), d),
      template: 'dispute.response_reminder',
      data: {
        bookingId: d.bookingId, milestoneId: d.milestoneId, disputeId: d.id, hoursLeft, respondBy: d.respondBy.toISOString(),
        amount: d.amount, currency: d.currency, ...claimNews(d.refundAmount, d.amount), ...(milestone ? partNamed(milestone.description, milestones) : {}),
      },
      dedupeKey: `dispute.response_reminder:${d.id}:${hoursLeft}`,
    }]);
    return true;
  });
}

/** Settled, or why not: not_found, decided (already), answered (a mediator decides), not_due, or the machines' refusal. */
export type WindowOutcome = { settled: true; outcome: DisputeOutcome } | { settled: false; why: string };

/**
 * Applies the claim of a dispute whose window has closed in silence, as the system. Locks the booking, reads
 * its milestones, locks the dispute (the order every settlement takes), and re-checks the dispute under the locks.
 */
export async function closeWindow(sql: Sql, disputeId: string, key: string, now = new Date()): Promise<WindowOutcome> {
  return transaction(sql, async (tx) => {
    const [booking, { milestone, milestones }, d] = await lockSettling(tx, disputeId);
    if (!booking || !milestone || !d) return { settled: false, why: 'not_found' };
    if (d.status !== 'open') return { settled: false, why: 'decided' };
    if (d.respondedAt) return { settled: false, why: 'answered' };
    if (d.respondBy > now) {
      // Woken early (the database's clock, which runs the queue, ahead of ours): look again at the deadline.
      await windowTimer(tx, disputeId, d.respondBy);
      return { settled: false, why: 'not_due' };
    }
    const writes: PendingQuery<Row[]>[] = [];
    const news: OutboxMessage[] = [];
    let outcome: DisputeOutcome;
    try {
      ({ outcome } = await settleDispute({
        tx, now, booking, milestone, milestones, dispute: d, party: 'system', actorId: null, refund: d.refundAmount, how: 'default',
        reason: 'No answer within the response window: the claim applies.', key,
        write: (q) => void writes.push(q),
        notify: (m) => void news.push(m),
      }));
    } catch (e) {
      // The machines refused (the milestone moved on some other way): nothing to do, as for escrow's timers.
      if (e instanceof CommandRejected) return { settled: false, why: e.rejection.code };
      throw e;
    }
    for (const w of writes) await w;
    await enqueue(tx, news);
    return { settled: true, outcome };
  });
}

const key = (ctx: TaskContext) => `job:${ctx.jobId}`;

export const disputeTasks = defineTasks({
  'dispute.window': {
    payload: z.object({ disputeId: z.uuid() }),
    async run({ disputeId }, ctx) {
      const out = await closeWindow(ctx.sql, disputeId, key(ctx));
      ctx.log.info({ disputeId, ...out }, 'dispute response window closed');
    },
  },
  'dispute.reminder': {
    payload: z.object({ disputeId: z.uuid(), hoursLeft: z.number().int().positive() }),
    async run({ disputeId, hoursLeft }, ctx) {
      if (await remindSilentSide(ctx.sql, disputeId, hoursLeft)) ctx.log.info({ disputeId, hoursLeft }, 'dispute response reminder queued');
    },
  },
});

export type DisputeTasks = typeof disputeTasks;
