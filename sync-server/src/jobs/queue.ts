// Durable timers: jobs written in SQL into graphile-worker's queue, inside the caller's transaction.
//
// How the queue behaves (graphile-worker 0.16, schema `graphile_worker`):
// - A job exists if and only if the transaction that scheduled it committed: scheduleJob returns an
//   unawaited postgres.js query for `ctx.write(…)` in a command, or for any other transaction.
// - Due means run_at <= Postgres's now(); run_at comes from the server's clock (ctx.now), never a device's.
// - Each job runs once across all instances: a runner locks it (`for update skip locked`) before running.
//   "Once" means once to success; see tasks.ts for why a task must still be idempotent.
// - Queue names: none. Jobs run in parallel, up to each runner's concurrency. Two jobs about the same
//   thing serialize on that thing's row lock inside their tasks, as commands do, not on a named queue.
// - Retries: a failed attempt is retried at greatest(now, run_at) + e^min(attempts, 10) seconds, i.e.
//   after 2.7 s, 7.4 s, 20 s, 55 s, 2.5 min, … capped at e^10 s ≈ 6.1 h between attempts. The backoff is
//   graphile-worker's and not configurable per job. After DEFAULT_MAX_ATTEMPTS (25: about 4 days of
//   retries) a job stays in graphile_worker.jobs with attempts = max_attempts and its last_error, for
//   an operator, and never runs again on its own.
// - Keys: a keyed job is the one pending timer for that key. Scheduling the same key again replaces it
//   (new payload and run_at; the old run time never fires).
import type { PendingQuery, Row } from 'postgres';
import type { z } from 'zod';
import type { Db } from '../db/sql';
import type { TaskRegistry } from './tasks';

/** graphile-worker's schema, written out in the SQL below; the runner passes it so that GRAPHILE_WORKER_SCHEMA cannot move it. */
export const JOB_SCHEMA = 'graphile_worker';

/** Our default, passed explicitly so that a change of graphile-worker's default (also 25) changes nothing. */
export const DEFAULT_MAX_ATTEMPTS = 25;

export type TaskName<R extends TaskRegistry> = keyof R & string;

/** One job for one of the registry's tasks; its payload is the schema's input type. */
export type Job<R extends TaskRegistry = TaskRegistry> = {
  [K in TaskName<R>]: {
    task: K;
    payload: z.input<R[K]['payload']>;
    runAt: Date;
    /**
     * The timer's identity, e.g. `milestone-auto-approve:<milestoneId>`. Keys are unique across all
     * tasks, so put the task in the key.
     */
    key?: string;
    maxAttempts?: number;
  };
}[TaskName<R>];

/**
 * Schedules (or, with a key, moves) a timer. Not awaited here: the caller awaits it or passes it to
 * `ctx.write` so that it commits or rolls back with the command. Resolves to `[{ id }]`.
 * Typed by a registry: `scheduleJob<typeof escrowTasks>(tx, { task: 'auto-approve', … })`.
 *
 * With a key this removes the keyed job first and then adds the new one, rather than calling add_job
 * in 'replace' mode alone. add_job alone loses the new job if a runner locks the old one between the
 * two statements inside add_jobs (graphile/worker#580: it returns null and schedules nothing, and the
 * command would commit without its timer). Removing first takes the old row's lock, or if a runner got
 * there first, clears its key and stops its retries, exactly as 'replace' treats a running job. The
 * MATERIALIZED CTE makes the removal run before the add.
 */
export function scheduleJob<R extends TaskRegistry = TaskRegistry>(db: Db, job: Job<R>): PendingQuery<Row[]> {
  const key = job.key ?? null;
  return db`
    with previous as materialized (select graphile_worker.remove_job(${key}::text))
    select (graphile_worker.add_job(
      ${job.task}::text,
      ${db.json(job.payload as never)}::json,
      run_at => ${job.runAt}::timestamptz,
      max_attempts => ${job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}::int,
      job_key => ${key}::text,
      job_key_mode => 'replace'
    )).id
    from previous`;
}
