// The task registry: each task's payload schema beside the function that runs it.
//
// A task must be idempotent. A job can run more than once:
// - a runner dies mid-run (crash, SIGKILL, lost connection): its job stays locked and another runner
//   takes it again after graphile-worker's 4-hour lock expiry, as a new attempt;
// - the task's work committed but marking the job done did not (connection lost in between);
// - the job was replaced while running (see queue.ts): the running attempt still finishes.
// So a task does its work in one transaction that first locks the row it acts on and checks that the
// state is still the one the job was scheduled for (e.g. the milestone is still submitted, with the
// same submission), and gives external calls an idempotency key derived from the job's facts. Retries
// span days and Stripe forgets idempotency keys after 24 hours, so our own record of the effect (a ledger
// entry, a transfer row) is what makes the second run a no-op.
import { z } from 'zod';
import type { Sql } from '../db/sql';
import type { Logger } from '../log';

export interface TaskContext {
  /** Our pool. The task opens its own transaction; nothing here is inside the job's bookkeeping. */
  readonly sql: Sql;
  readonly log: Logger;
  readonly jobId: string;
  readonly key: string | null;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted a few seconds into a shutdown: long work should stop and throw (the job is retried). */
  readonly signal: AbortSignal | undefined;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  /** Validates the stored payload before `run`; a mismatch fails the attempt with MalformedJobPayload. */
  payload: S;
  run(payload: z.output<S>, ctx: TaskContext): Promise<void>;
}

export type TaskRegistry = Record<string, TaskDefinition>;

/**
 * Declares tasks by name with their payload schemas; `run`'s payload is typed from the schema.
 *
 *   export const escrowTasks = defineTasks({
 *     'milestone-auto-approve': { payload: z.object({ milestoneId: z.uuid() }), run: async (p, ctx) => { … } },
 *   });
 */
export function defineTasks<S extends Record<string, z.ZodType>>(tasks: { [K in keyof S]: TaskDefinition<S[K]> }): { [K in keyof S]: TaskDefinition<S[K]> } {
  return tasks;
}

/**
 * The stored payload does not match the task's schema. The attempt fails and is retried like any other
 * failure: during a rolling deploy a runner on the previous version may meet a payload written by the
 * next one, and a runner on the next version will then accept it. A payload that never fits ends as a
 * permanently failed job with this message as its last_error.
 */
export class MalformedJobPayload extends Error {
  override name = 'MalformedJobPayload';
  constructor(task: string, jobId: string, error: z.ZodError) {
    super(`Job ${jobId} (${task}) has a malformed payload: ${error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  }
}

/** What graphile-worker adds to a cron job's payload: the tick's time, usable as an idempotency key. */
export const cronTick = z.object({ _cron: z.object({ ts: z.iso.datetime(), backfilled: z.boolean().optional() }) });
