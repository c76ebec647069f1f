// Escrow's timers on the job queue, one job per milestone and purpose, keyed so that starting a timer
// again moves it (a resubmission restarts the approval clock) and stopping it removes it (a dispute stops
// the clock). Queued inside the step's transaction: a timer exists exactly when its step committed.
import type { Db } from '../db/sql';
import { cancelJobs, scheduleJob } from '../jobs/queue';

export const ESCROW_TASKS = [
  'escrow.payment_expiry',
  'escrow.auto_approve',
  'escrow.approval_reminder_24h',
  'escrow.approval_reminder_2h',
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
