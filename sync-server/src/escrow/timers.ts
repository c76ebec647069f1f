// Escrow's provider calls on the job queue: the refund and the worker's transfer that follow a settlement,
// and the close of a checkout its milestone no longer waits for; one job per milestone (or checkout) and purpose, keyed so that queuing one again (payout.request) moves it rather than
// adding a second. Queued inside the step's transaction: a job exists exactly when its step committed. The
// milestone's clocks (payment window, approval window) are not jobs: see clocks.ts.
import type { Db } from '../db/sql';
import { scheduleJob } from '../jobs/queue';

export type EscrowTask = 'escrow.refund' | 'escrow.transfer';

export const timerKey = (task: EscrowTask, milestoneId: string) => `${task}:${milestoneId}`;

/** The worker's transfer; refunds are queued with their record (refunds.ts), under the same kind of key. */
export function timer(db: Db, task: 'escrow.transfer', milestoneId: string, runAt: Date) {
  return scheduleJob(db, { task, payload: { milestoneId }, runAt, key: timerKey(task, milestoneId) });
}

/** A checkout left open by a milestone cancelled or replaced: closed at the provider (escrow.close_checkout). */
export function closeCheckoutLater(db: Db, milestoneId: string, sessionId: string, runAt: Date) {
  return scheduleJob(db, { task: 'escrow.close_checkout', payload: { milestoneId, sessionId }, runAt, key: `escrow.close_checkout:${sessionId}` });
}

/**
 * Of `milestoneIds`, those whose transfer job is waiting, running or retrying. Queuing one again would reset
 * its attempts (graphile-worker resets them whenever a key is added again, in every job_key_mode), so that a
 * transfer failing on every attempt would be retried every hour forever and never reach its last attempt,
 * which keeps it for a person: the payout run leaves these alone. A job that used up its attempts, or is
 * locked by a runner that died over 4 hours ago on its last one, will never run again: it may be queued anew.
 */
export async function transferJobsAlive(db: Db, milestoneIds: readonly string[]): Promise<Set<string>> {
  if (milestoneIds.length === 0) return new Set();
  const keys = milestoneIds.map((id) => timerKey('escrow.transfer', id));
  const rows = await db<{ key: string }[]>`
    select key from graphile_worker.jobs
    where key = any(${keys}) and (attempts < max_attempts or locked_at > now() - interval '4 hours')`;
  const alive = new Set(rows.map((r) => r.key));
  return new Set(milestoneIds.filter((id) => alive.has(timerKey('escrow.transfer', id))));
}
