// Running jobs: once across instances, across restarts, with retries and backoff, and cron ticks once.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { z } from 'zod';
import { createSql, withDatabase } from '../db/sql';
import { createLogger, type Logger } from '../log';
import { createTestDb, type TestDb } from '../../test/db';
import { scheduleJob } from './queue';
import { installJobSchema, startJobRunner, type CronItem, type JobRunner } from './runner';
import { cronTick, defineTasks, type TaskRegistry } from './tasks';

let db: TestDb;
const runners: JobRunner[] = [];

beforeAll(async () => {
  db = await createTestDb();
  await db.sql`create table job_runs (id text primary key, runs int not null default 1, runner text not null)`;
  await db.sql`create table attempts (id text not null, attempt int not null, at timestamptz not null default clock_timestamp(), primary key (id, attempt))`;
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await db.drop();
});

const silent = createLogger(process.env.JOBS_TEST_LOG ?? 'silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Tasks that record which runner ran them, so that two runners in one process can be told apart. */
function recorder(runner: string) {
  return defineTasks({
    record: {
      payload: z.object({ id: z.string() }),
      run: async ({ id }, { sql }) => {
        await sleep(2); // long enough that one runner cannot drain the queue alone
        await sql`insert into job_runs (id, runner) values (${id}, ${runner}) on conflict (id) do update set runs = job_runs.runs + 1`;
      },
    },
  });
}

async function start<R extends TaskRegistry>(tasks: R, opts: { concurrency?: number; crontab?: CronItem<R>[]; log?: Logger } = {}) {
  const runner = await startJobRunner({ connectionString: db.url, sql: db.sql, tasks, concurrency: opts.concurrency ?? 2, pollInterval: 50, log: opts.log ?? silent, crontab: opts.crontab });
  runners.push(runner);
  return runner;
}

const jobsOf = (task: string) =>
  db.sql<{ id: number; attempts: number; maxAttempts: number; runAt: Date; lockedAt: Date | null; lastError: string | null }[]>`
    select id, attempts, max_attempts, run_at, locked_at, last_error from graphile_worker.jobs where task_identifier = ${task}`;
/** Makes a job due now instead of waiting out its backoff. */
const dueNow = (id: number) => db.sql`select graphile_worker.reschedule_jobs(array[${id}]::bigint[], run_at => now())`;

describe('installJobSchema', () => {
  it('installs once when several servers start together on an empty database', async () => {
    const admin = createSql(inject('pgAdminUrl'), { max: 1 });
    const name = `fw_jobs_install_${process.pid}_${Date.now()}`;
    await admin.unsafe(`create database "${name}"`);
    const url = withDatabase(inject('pgAdminUrl'), name);
    try {
      // Without our advisory lock, graphile-worker's own migrate fails here on pg_namespace_nspname_index.
      await Promise.all([1, 2, 3, 4].map(() => installJobSchema(url)));
      await installJobSchema(url); // and again: idempotent
      const sql = createSql(url, { max: 1 });
      const [m] = await sql<{ n: number; latest: number }[]>`select count(*)::int as n, max(id) as latest from graphile_worker.migrations`;
      expect(m!.n).toBe(m!.latest);
      await sql.end();
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  it.runIf(new URL(inject('pgAdminUrl')).searchParams.get('host')?.startsWith('/'))('connects graphile-worker through the socket directory in ?host=', async () => {
    await start(recorder('a'));
    const conns = await db.sql<{ tcp: boolean }[]>`
      select client_addr is not null as tcp from pg_stat_activity where datname = current_database() and application_name = 'fieldwork-jobs'`;
    expect(conns.length).toBeGreaterThan(0);
    expect(conns.every((c) => !c.tcp)).toBe(true);
  });
});

describe('running', () => {
  it('runs each of 200 jobs exactly once across two runners, and both take part', async () => {
    await Promise.all([start(recorder('a'), { concurrency: 4 }), start(recorder('b'), { concurrency: 4 })]);
    const ids = Array.from({ length: 200 }, (_, i) => `many-${i}`);
    await db.sql.begin(async (tx) => {
      for (const id of ids) await scheduleJob(tx, { task: 'record', payload: { id }, runAt: new Date() });
    });
    await waitFor(async () => (await db.sql`select 1 from job_runs where id like 'many-%'`).length === 200 && (await jobsOf('record')).length === 0, 15_000);
    const rows = await db.sql<{ runner: string; jobs: number; maxRuns: number }[]>`
      select runner, count(*)::int as jobs, max(runs) as max_runs from job_runs where id like 'many-%' group by runner order by runner`;
    expect(rows.map((r) => r.runner)).toEqual(['a', 'b']);
    expect(rows.reduce((n, r) => n + r.jobs, 0)).toBe(200);
    expect(rows.every((r) => r.maxRuns === 1)).toBe(true);
  });

  it('survives a restart: a job due after the runner stopped runs on the next one', async () => {
    const first = await start(recorder('before'));
    await scheduleJob(db.sql, { task: 'record', payload: { id: 'restart' }, runAt: new Date(Date.now() + 1000) });
    await first.stop();
    await sleep(1100);
    expect(await db.sql`select 1 from job_runs where id = 'restart'`).toHaveLength(0);
    await start(recorder('after'));
    const [row] = await waitFor(async () => {
      const r = await db.sql<{ runner: string; runs: number }[]>`select runner, runs from job_runs where id = 'restart'`;
      return r.length > 0 && r;
    });
    expect(row).toEqual({ runner: 'after', runs: 1 });
  });

  it('retries a failing job with a growing backoff until it succeeds', async () => {
    const tasks = defineTasks({
      flaky: {
        payload: z.object({ id: z.string() }),
        run: async ({ id }, { sql, attempt }) => {
          await sql`insert into attempts (id, attempt) values (${id}, ${attempt})`;
          if (attempt <= 2) throw new Error(`transient failure ${attempt}`);
        },
      },
    });
    await start(tasks);
    await scheduleJob<typeof tasks>(db.sql, { task: 'flaky', payload: { id: 'flaky' }, runAt: new Date(), maxAttempts: 5 });
    const at = async (n: number) => (await db.sql<{ at: Date }[]>`select at from attempts where id = 'flaky' and attempt = ${n}`)[0]?.at;
    const failed = (n: number) => waitFor(async () => (await jobsOf('flaky')).find((j) => j.attempts === n && j.lockedAt === null && j.lastError));

    // After attempt n fails, it is due e^n seconds later: 2.7 s, then 7.4 s.
    const first = await failed(1);
    const gap1 = (first.runAt.getTime() - (await at(1))!.getTime()) / 1000;
    expect(first.lastError).toBe('transient failure 1');
    expect(gap1).toBeGreaterThan(2.6);
    expect(gap1).toBeLessThan(3.0);
    // The first backoff is waited out for real: attempt 2 does not come early.
    const second = await failed(2);
    expect(((await at(2))!.getTime() - (await at(1))!.getTime()) / 1000).toBeGreaterThanOrEqual(2.6);
    const gap2 = (second.runAt.getTime() - (await at(2))!.getTime()) / 1000;
    expect(gap2).toBeGreaterThan(7.2);
    expect(gap2).toBeLessThan(7.6);
    // The second we skip, to keep the test short.
    await dueNow(second.id);
    await waitFor(async () => (await at(3)) && (await jobsOf('flaky')).length === 0);
    expect(await db.sql`select attempt from attempts where id = 'flaky' order by attempt`).toEqual([{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }]);
  });

  it('stops retrying at max_attempts and keeps the job with its last error', async () => {
    const tasks = defineTasks({
      doomed: {
        payload: z.object({}),
        run: async (_p, { sql, attempt }) => {
          await sql`insert into attempts (id, attempt) values ('doomed', ${attempt})`;
          throw new Error(`still broken (${attempt})`);
        },
      },
    });
    await start(tasks);
    await scheduleJob<typeof tasks>(db.sql, { task: 'doomed', payload: {}, runAt: new Date(), maxAttempts: 3 });
    for (let n = 1; n <= 3; n++) {
      const job = await waitFor(async () => (await jobsOf('doomed')).find((j) => j.attempts === n && j.lockedAt === null && j.lastError));
      await dueNow(job.id); // past any backoff: only max_attempts can stop it now
    }
    await sleep(300);
    expect(await db.sql`select attempt from attempts where id = 'doomed' order by attempt`).toEqual([{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }]);
    expect(await jobsOf('doomed')).toMatchObject([{ attempts: 3, maxAttempts: 3, lockedAt: null, lastError: 'still broken (3)' }]);
  });

  it('fails a malformed payload with a clear error, logs it, and keeps running other jobs', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    await start(recorder('a'), { log });
    await scheduleJob(db.sql, { task: 'record', payload: { id: 42 }, runAt: new Date() });
    const [bad] = await waitFor(async () => {
      const j = (await jobsOf('record')).filter((x) => x.lastError);
      return j.length > 0 && j;
    });
    expect(bad!.lastError).toBe(`Job ${bad!.id} (record) has a malformed payload: id: Invalid input: expected string, received number`);
    expect(bad!.attempts).toBe(1);
    const logged = lines.find((l) => l.level === 50 && String(l.msg).includes('malformed payload'));
    expect(logged).toMatchObject({ component: 'jobs', jobId: String(bad!.id), task: 'record', attempt: 1, err: { type: 'MalformedJobPayload' } });
    expect(JSON.stringify(logged)).not.toContain('"payload"'); // job rows are reduced to id and task

    await scheduleJob(db.sql, { task: 'record', payload: { id: 'after-malformed' }, runAt: new Date() });
    await waitFor(async () => (await db.sql`select 1 from job_runs where id = 'after-malformed'`).length > 0);
  });
});

describe('crontab', () => {
  // A live tick comes only on a minute boundary, so the test uses backfill, which schedules the ticks
  // missed since the schedule was last run through the same once-per-identifier statement as live ticks.
  it('schedules each tick once across two runners', async () => {
    await db.sql`create table ticks (ts text primary key, runs int not null default 1, backfilled boolean not null)`;
    const tasks = defineTasks({
      payout: {
        payload: cronTick,
        run: async ({ _cron }, { sql }) => {
          await sql`insert into ticks (ts, backfilled) values (${_cron.ts}, ${_cron.backfilled ?? false}) on conflict (ts) do update set runs = ticks.runs + 1`;
        },
      },
    });
    // As if the schedule had been known for an hour and never run: the last 5 minutes are due.
    await db.sql`insert into graphile_worker._private_known_crontabs (identifier, known_since) values ('payouts', now() - interval '1 hour')`;
    const crontab: CronItem<typeof tasks>[] = [{ task: 'payout', match: '* * * * *', identifier: 'payouts', backfillPeriod: 5 * 60_000 }];
    await Promise.all([start(tasks, { crontab }), start(tasks, { crontab })]);
    await waitFor(async () => (await db.sql`select 1 from ticks`).length >= 4 && (await jobsOf('payout')).length === 0);
    await sleep(300);
    const ticks = await db.sql<{ ts: string; runs: number; backfilled: boolean }[]>`select ts, runs, backfilled from ticks order by ts`;
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks.every((t) => t.runs === 1)).toBe(true);
    expect(ticks.filter((t) => t.backfilled).length).toBeGreaterThanOrEqual(4);
    expect(new Set(ticks.map((t) => new Date(t.ts).getUTCSeconds()))).toEqual(new Set([0]));
  });
  it('runs the ticks of a queued schedule one at a time, across runners, where they would otherwise overlap', async () => {
    const spans: { from: number; to: number }[] = [];
    const tasks = defineTasks({
      slow: {
        payload: cronTick,
        run: async () => {
          const from = Date.now();
          await sleep(150);
          spans.push({ from, to: Date.now() });
        },
      },
    });
    await db.sql`insert into graphile_worker._private_known_crontabs (identifier, known_since) values ('slow-ticks', now() - interval '1 hour')`;
    const crontab: CronItem<typeof tasks>[] = [{ task: 'slow', match: '* * * * *', identifier: 'slow-ticks', backfillPeriod: 4 * 60_000, queueName: 'slow-ticks' }];
    await Promise.all([start(tasks, { crontab, concurrency: 4 }), start(tasks, { crontab, concurrency: 4 })]);
    await waitFor(async () => spans.length >= 3 && (await jobsOf('slow')).length === 0);
    const sorted = [...spans].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
  });
});
