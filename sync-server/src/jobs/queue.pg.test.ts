// Scheduling in SQL: transactions decide whether a timer exists, and a key moves it.
import type { PendingQuery, Row } from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../log';
import { createTestDb, type TestDb } from '../../test/db';
import { scheduleJob } from './queue';
import { startJobRunner, type JobRunner } from './runner';
import { defineTasks } from './tasks';

let db: TestDb;
const runners: JobRunner[] = [];

beforeAll(async () => {
  db = await createTestDb();
  await db.sql`create table job_runs (id text primary key, runs int not null default 1, ran_at timestamptz not null default clock_timestamp())`;
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await db.drop();
});

/** Each run of `record` counts against its payload's id. */
const tasks = defineTasks({
  record: {
    payload: z.object({ id: z.string() }),
    run: async ({ id }, { sql }) => {
      await sql`insert into job_runs (id) values (${id}) on conflict (id) do update set runs = job_runs.runs + 1`;
    },
  },
});

async function startRunner(extra: Partial<Parameters<typeof startJobRunner>[0]> = {}) {
  const runner = await startJobRunner({ connectionString: db.url, sql: db.sql, tasks, concurrency: 2, pollInterval: 50, log: createLogger(process.env.JOBS_TEST_LOG ?? 'silent'), ...extra });
  runners.push(runner);
  return runner;
}

async function waitFor<T>(check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runsOf = async (id: string) => (await db.sql<{ runs: number; ranAt: Date }[]>`select runs, ran_at from job_runs where id = ${id}`)[0];
const jobWithKey = async (key: string) =>
  (await db.sql<{ id: number; runAt: Date; attempts: number; maxAttempts: number; lockedAt: Date | null }[]>`
    select id, run_at, attempts, max_attempts, locked_at from graphile_worker.jobs where key = ${key}`)[0];
const jobById = async (id: number) =>
  (await db.sql<{ key: string | null; attempts: number; maxAttempts: number; lockedAt: Date | null; lastError: string | null }[]>`
    select key, attempts, max_attempts, locked_at, last_error from graphile_worker.jobs where id = ${id}`)[0];

describe('scheduling inside a transaction', () => {
  it('a job whose transaction rolls back never exists; committed, it runs once', async () => {
    await startRunner();
    const now = new Date();
    await db.sql
      .begin(async (tx) => {
        await scheduleJob<typeof tasks>(tx, { task: 'record', payload: { id: 'rolled-back' }, runAt: now, key: 'tx:rolled-back' });
        throw new Error('the command was refused');
      })
      .catch(() => undefined);
    await db.sql.begin(async (tx) => {
      await scheduleJob<typeof tasks>(tx, { task: 'record', payload: { id: 'committed' }, runAt: now, key: 'tx:committed' });
    });
    await waitFor(() => runsOf('committed'));
    await sleep(300); // several poll intervals: a second run would show
    expect((await runsOf('committed'))!.runs).toBe(1);
    expect(await runsOf('rolled-back')).toBeUndefined();
    expect(await jobWithKey('tx:rolled-back')).toBeUndefined();
    expect(await jobWithKey('tx:committed')).toBeUndefined(); // done jobs are deleted
  });

  it('checks task names and payloads against the registry when typed by it', () => {
    const runAt = new Date();
    const unsent = () => [
      scheduleJob<typeof tasks>(db.sql, { task: 'record', payload: { id: 'x' }, runAt }),
      // @ts-expect-error: the payload does not match the task's schema
      scheduleJob<typeof tasks>(db.sql, { task: 'record', payload: { id: 1 }, runAt }),
      // @ts-expect-error: no such task
      scheduleJob<typeof tasks>(db.sql, { task: 'nope', payload: { id: 'x' }, runAt }),
    ];
    expect(unsent).toBeTypeOf('function'); // checked by tsc; never sent
  });
});

describe('keys', () => {
  it('scheduling a key again moves its timer: the old run time does not fire, the new one does once', async () => {
    await startRunner();
    const t0 = Date.now();
    await scheduleJob(db.sql, { task: 'record', payload: { id: 'first' }, runAt: new Date(t0 + 300), key: 'moved' });
    const [moved] = await scheduleJob(db.sql, { task: 'record', payload: { id: 'second' }, runAt: new Date(t0 + 1200), key: 'moved' });
    expect(moved!.id).toEqual(expect.any(Number));
    await sleep(t0 + 900 - Date.now());
    expect(await runsOf('first')).toBeUndefined();
    expect(await runsOf('second')).toBeUndefined();
    const ran = await waitFor(() => runsOf('second'));
    expect(ran.ranAt.getTime()).toBeGreaterThanOrEqual(t0 + 1200 - 50);
    expect(ran.runs).toBe(1);
    expect(await runsOf('first')).toBeUndefined();
  });

  it('replacing a job that a runner locks at that very moment still leaves exactly one pending timer', async () => {
    // No runner: a transaction stands in for one taking the job, so that the interleaving is certain.
    const soon = new Date(Date.now() + 3_600_000);
    const later = new Date(Date.now() + 7_200_000);
    const race = async (replace: (key: string) => PendingQuery<Row[]>, key: string) => {
      const [old] = await scheduleJob(db.sql, { task: 'record', payload: { id: key }, runAt: soon, key });
      const worker = await db.sql.reserve();
      await worker`begin`;
      await worker`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'stand-in' where key = ${key}`;
      const replacing = replace(key).execute(); // sent now, not when awaited
      await waitFor(async () => (await db.sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`).length > 0);
      await worker`commit`;
      worker.release();
      const [added] = await replacing;
      return { old: old!.id as number, added: added!.id as number | null };
    };

    const ours = await race((key) => scheduleJob(db.sql, { task: 'record', payload: { id: key }, runAt: later, key }), 'race:ours');
    expect(ours.added).toEqual(expect.any(Number));
    expect(await jobWithKey('race:ours')).toMatchObject({ id: ours.added, runAt: later, attempts: 0, lockedAt: null });
    expect(await jobById(ours.old)).toMatchObject({ key: null, attempts: 25, maxAttempts: 25 }); // finishes, never retried

    // Why scheduleJob removes first: add_job's 'replace' alone returns no job and schedules nothing here.
    const plain = await race(
      (key) => db.sql`select (graphile_worker.add_job('record', '{}'::json, run_at => ${later}, job_key => ${key}, job_key_mode => 'replace')).id`,
      'race:plain',
    );
    expect(plain.added).toBeNull();
    expect(await jobWithKey('race:plain')).toMatchObject({ id: plain.old, runAt: soon });
  });
});
