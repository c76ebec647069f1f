// Jobs run by hand in tests, as a runner would run them, so that a test decides what happens between them;
// and a logger whose lines the test can read.
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Sql } from '../src/db/sql';
import type { Logger } from '../src/log';
import type { TaskContext, TaskRegistry } from '../src/jobs/tasks';

/** A logger at info level whose lines, parsed, land in `logged`. */
export function capturedLog(): { log: Logger; logged: Record<string, unknown>[] } {
  const logged: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, logged };
}

/** What a task is given when a test runs it. */
export function taskContext(sql: Sql, log: Logger, opts: { key?: string | null; jobId?: string; attempt?: number; maxAttempts?: number } = {}): TaskContext {
  return { sql, log, jobId: opts.jobId ?? `test-${uuidv7()}`, key: opts.key ?? null, attempt: opts.attempt ?? 1, maxAttempts: opts.maxAttempts ?? 25, signal: undefined };
}

/** The jobs queued under `key`. */
export const queuedJobs = (sql: Sql, key: string) => sql<{ id: string; payload: unknown }[]>`select id, payload from graphile_worker._private_jobs where key = ${key}`;

/** Runs the job queued under `key` with its own task, then completes it (deletes it); throws what the task throws. */
export async function runQueuedJob(sql: Sql, tasks: TaskRegistry, log: Logger, key: string, attempt = 1): Promise<void> {
  const [job] = await sql<{ id: string; task: string; payload: unknown }[]>`
    select j.id, t.identifier as task, j.payload
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where j.key = ${key}`;
  if (!job) throw new Error(`no job queued under ${key}`);
  const task = tasks[job.task];
  if (!task) throw new Error(`job ${key} is for ${job.task}, which these tasks do not have`);
  await task.run(task.payload.parse(job.payload), taskContext(sql, log, { key, jobId: job.id, attempt }));
  await sql`delete from graphile_worker._private_jobs where id = ${job.id}`;
}
