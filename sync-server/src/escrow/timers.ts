// Escrow's timers on the job queue, one job per milestone and purpose, keyed so that starting a timer
// again moves it (a resubmission restarts the approval clock) and stopping it removes it (a request for
// changes or a dispute stops the clock). Queued inside the step's transaction: a timer exists exactly when
// its step committed. A timer whose reason has passed (the milestone was paid, approved, cancelled) is
// left to fire and find nothing to do: every task re-checks the state it was scheduled for, and not
// removing it keeps the busiest steps (payment, approval) free of queue writes.
import type { Db } from '../db/sql';
import { cancelJobs, scheduleJob } from '../jobs/queue';

export const ESCROW_TASKS = [
  'escrow.payment_expiry',
  'escrow.approval_clock',
  'escrow.refund',
  'escrow.refund_payment',
  'escrow.transfer',
] as const;
export type EscrowTask = (typeof ESCROW_TASKS)[number];

export const timerKey = (task: EscrowTask, milestoneId: string) => `${task}:${milestoneId}`;

export function timer(db: Db, task: EscrowTask, milestoneId: string, runAt: Date) {
  return scheduleJob(db, { task, payload: { milestoneId }, runAt, key: timerKey(task, milestoneId) });
}

export function cancelTimers(db: Db, milestoneId: string, tasks: readonly EscrowTask[]) {
  return cancelJobs(db, tasks.map((t) => timerKey(t, milestoneId)));
}
