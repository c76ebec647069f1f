// Escrow's provider calls on the job queue: the refund and the worker's transfer that follow a settlement,
// one job per milestone and purpose, keyed so that queuing one again (a payout run, payout.request) moves
// it rather than adding a second. Queued inside the step's transaction: a job exists exactly when its step
// committed. The milestone's clocks (payment window, approval window) are not jobs: see clocks.ts.
import type { Db } from '../db/sql';
import { scheduleJob } from '../jobs/queue';

export type EscrowTask = 'escrow.refund' | 'escrow.transfer';

export const timerKey = (task: EscrowTask, milestoneId: string) => `${task}:${milestoneId}`;

/** The worker's transfer; refunds are queued with their record (refunds.ts), under the same kind of key. */
export function timer(db: Db, task: 'escrow.transfer', milestoneId: string, runAt: Date) {
  return scheduleJob(db, { task, payload: { milestoneId }, runAt, key: timerKey(task, milestoneId) });
}
