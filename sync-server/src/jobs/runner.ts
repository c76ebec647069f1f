// graphile-worker's Node side: installing its schema, and running our tasks and cron items in this process.
import { createRequire } from 'node:module';
import pg from 'pg';
import { Logger as WorkerLogger, parseCronItems, run, runMigrations, type CronItem as WorkerCronItem, type Task } from 'graphile-worker';
import { createSql, type Sql } from '../db/sql';
import type { Logger } from '../log';
import { JOB_SCHEMA, type TaskName } from './queue';
import { MalformedJobPayload, type TaskRegistry } from './tasks';

/** Names the installed job schema, e.g. for the test template's cache key: graphile-worker's version. */
export const JOB_SCHEMA_VERSION = `graphile-worker@${(createRequire(import.meta.url)('graphile-worker/package.json') as { version: string }).version}`;

/** How often an idle runner looks for jobs that became due. New jobs due now arrive by LISTEN at once. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/**
 * graphile-worker connects with `pg`, which reads libpq's `?host=/socket/dir` form itself; we only name
 * the connections so that they can be told apart from the pool's in pg_stat_activity.
 */
export function jobConnectionString(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('application_name')) u.searchParams.set('application_name', 'fieldwork-jobs');
  return u.toString();
}

/**
 * Installs or upgrades graphile-worker's schema. Idempotent. graphile-worker's own migrate races when
 * several processes install into an empty database at once (duplicate schema), so we hold an advisory
 * lock around it, as migrate() does for ours.
 */
export async function installJobSchema(connectionString: string, log?: Logger): Promise<void> {
  const sql = createSql(connectionString, { max: 1, applicationName: 'fieldwork-jobs-migrate' });
  try {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('fieldwork:jobs-migrate'))`;
      await runMigrations({ connectionString: jobConnectionString(connectionString), schema: JOB_SCHEMA, maxPoolSize: 1, logger: workerLogger(log) });
    });
  } finally {
    await sql.end();
  }
}

export interface CronItem<R extends TaskRegistry> {
  task: TaskName<R>;
  /** Five-field cron pattern in UTC, e.g. '0 6 * * 1' for Mondays 06:00. */
  match: string;
  /**
   * Names the schedule in graphile_worker's known crontabs: each tick of an identifier is scheduled once
   * across all instances. Keep it stable across deploys. Default: the task's name.
   */
  identifier?: string;
  /** After downtime, ticks missed within this many ms before start are run (marked backfilled). Default 0. */
  backfillPeriod?: number;
  maxAttempts?: number;
  /** Ticks of one queue run one at a time, across instances: a slow tick delays the next instead of overlapping it. */
  queueName?: string;
  /** Extra payload, beside the `_cron` tick graphile-worker adds (see cronTick). */
  payload?: Record<string, unknown>;
}

export interface JobRunnerOptions<R extends TaskRegistry> {
  connectionString: string;
  /** Our pool, handed to tasks. */
  sql: Sql;
  tasks: R;
  crontab?: readonly CronItem<R>[];
  /** Jobs this process runs at once. graphile-worker's pool gets two connections more (LISTEN, cron). */
  concurrency: number;
  log: Logger;
  pollInterval?: number;
}

export interface JobRunner {
  /**
   * Stops taking jobs and waits for the running ones; their ctx.signal aborts after 5 s. A task that
   * ignores it holds stop() open, and if the process then exits anyway its job stays locked for 4 hours.
   */
  stop(): Promise<void>;
  /** Settles when the runner stops; rejects if it stopped on an error (already logged). */
  readonly done: Promise<void>;
}

/** Runs the registry's tasks and the crontab in this process until stop(). Signals are main.ts's business. */
export async function startJobRunner<R extends TaskRegistry>(opts: JobRunnerOptions<R>): Promise<JobRunner> {
  const log = opts.log.child({ component: 'jobs' });
  const taskList: Record<string, Task> = {};
  for (const [name, def] of Object.entries(opts.tasks)) {
    taskList[name] = async (raw, helpers) => {
      const { job } = helpers;
      const parsed = def.payload.safeParse(raw);
      if (!parsed.success) throw new MalformedJobPayload(name, job.id, parsed.error);
      await def.run(parsed.data, {
        sql: opts.sql,
        log: log.child({ task: name, jobId: job.id, attempt: job.attempts }),
        jobId: job.id,
        key: job.key,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        signal: helpers.abortSignal,
      });
    };
  }
  const cronItems: WorkerCronItem[] = (opts.crontab ?? []).map((c) => ({
    task: c.task,
    match: c.match,
    identifier: c.identifier ?? c.task,
    payload: c.payload ?? {},
    options: { backfillPeriod: c.backfillPeriod ?? 0, ...(c.maxAttempts ? { maxAttempts: c.maxAttempts } : {}), ...(c.queueName ? { queueName: c.queueName } : {}) },
  }));
  // Our own pool rather than one graphile-worker makes: it ends its pool without waiting and drops the pool's
  // error handler first, so a connection Postgres closes during shutdown became an uncaught error and the
  // process exited 1. Ours keeps its handlers until it has ended, after the runner stops.
  const pool = new pg.Pool({ connectionString: jobConnectionString(opts.connectionString), max: opts.concurrency + 2 });
  const poolError = (err: Error) => log.warn({ err }, 'job queue connection error');
  pool.on('error', poolError);
  pool.on('connect', (client) => client.on('error', poolError));
  const runner = await run({
    pgPool: pool,
    schema: JOB_SCHEMA,
    concurrency: opts.concurrency,
    pollInterval: opts.pollInterval ?? DEFAULT_POLL_INTERVAL_MS,
    noHandleSignals: true,
    logger: workerLogger(log),
    taskList,
    // Always given, even empty: otherwise graphile-worker looks for a crontab file in the working directory.
    parsedCronItems: parseCronItems(cronItems),
  }).catch(async (e: unknown) => {
    await pool.end();
    throw e;
  });
  // graphile-worker logs the cause; this keeps a failed runner from being an unhandled rejection.
  runner.promise.catch((err: unknown) => log.error({ err }, 'job runner stopped on an error'));
  let stopping: Promise<void> | undefined;
  return {
    done: runner.promise,
    stop: () =>
      (stopping ??= runner
        .stop()
        .catch(async (e: unknown) => {
          // After a fatal error graphile-worker has stopped itself and refuses a second stop.
          if (!/already stopped/.test(String(e))) throw e;
          await runner.promise.catch(() => undefined);
        })
        .finally(() => pool.end())),
  };
}

type Meta = Record<string, unknown>;

/** graphile-worker's logger writing to ours. Its job rows (with payloads) are reduced to their id and task. */
function workerLogger(log: Logger | undefined): WorkerLogger {
  return new WorkerLogger((scope) => {
    if (!log) return () => {};
    const child = log.child({
      ...(scope.label ? { label: scope.label } : {}),
      ...(scope.workerId ? { workerId: scope.workerId } : {}),
      ...(scope.taskIdentifier ? { task: scope.taskIdentifier } : {}),
      ...(scope.jobId ? { jobId: scope.jobId } : {}),
    });
    return (level, message, meta) => {
      const fields = tidy(meta);
      switch (level as string) {
        case 'error':
          return child.error(fields, message);
        case 'warning':
          return child.warn(fields, message);
        case 'info':
          return child.info(fields, message);
        default:
          return child.debug(fields, message);
      }
    };
  });
}

function tidy(meta: Meta | undefined): Meta {
  if (!meta) return {};
  const { job, error, fatalError, ...rest } = meta as Meta & { job?: { id: string; task_identifier: string; attempts: number } };
  return {
    ...rest,
    ...(job ? { jobId: job.id, task: job.task_identifier, attempt: job.attempts } : {}),
    ...(error || fatalError ? { err: error ?? fatalError } : {}),
  };
}
