// The dispute response window: when it closes with the other side silent, the claim applies by default.
// If they answered, the dispute waits for a mediator. Like escrow's timers, the job locks what it acts on
// and re-checks it, so a late or repeated run does nothing.
import type { PendingQuery, Row } from 'postgres';
import { z } from 'zod';
import { defineTasks, type TaskContext } from '../jobs/tasks';
import { transaction } from '../db/tx';
import { scheduleJob } from '../jobs/queue';
import type { Db, Sql } from '../db/sql';
import { CommandRejected } from '../commands/context';
import type { DisputeOutcome } from '@shared/milestone-machine';
import { enqueue, type OutboxMessage } from '../store/outbox';
import { lockSettling, settleDispute } from './settle';

/** The other side's time to answer a dispute; silence until then lets the claim apply. */
export const DISPUTE_RESPONSE_MS = 5 * 24 * 60 * 60 * 1000;

export const windowKey = (disputeId: string) => `dispute.window:${disputeId}`;

/** The window's one timer per dispute: set when it opens, moved to the deadline when woken early. */
export const windowTimer = (db: Db, disputeId: string, runAt: Date) =>
  scheduleJob(db, { task: 'dispute.window', payload: { disputeId }, runAt, key: windowKey(disputeId) });

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
});

export type DisputeTasks = typeof disputeTasks;
