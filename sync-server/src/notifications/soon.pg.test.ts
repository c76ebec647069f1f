// A command that writes news asks for a delivery run a moment later: once for a burst, and again for news
// written while the last ask was too recent; a command that writes none does not ask. The run it queues is the
// delivery task's, and delivers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run } from '../../test/fixtures';
import { capturedLog, queuedJobs, runQueuedJob } from '../../test/jobs';
import { createLogger } from '../log';
import { createDevSink } from '../sms/dev-sink';
import { createWebPushSender } from '../push/sender';
import { TEST_VAPID } from '../../test/app';
import { notificationTasks } from './tasks';
import { deliverSoon, MIN_GAP_MS, SOON_JOB_KEY } from './soon';

let db: TestDb;
let uninstall: () => void = () => undefined;
beforeAll(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  uninstall();
  await db.sql`delete from graphile_worker._private_jobs where key = ${SOON_JOB_KEY}`;
});
afterAll(() => db.drop());

/** The nudge is not awaited by the command: waits for its job to land, up to `ms`. */
async function soonJob(ms = 1_000) {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const [row] = await db.sql<{ runAt: Date; queue: string | null; task: string }[]>`
      select j.run_at, q.queue_name as queue, t.identifier as task from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.key = ${SOON_JOB_KEY}`;
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

describe('delivering soon after a command wrote news', () => {
  it('queues one delivery run on the cron queue, two seconds on, for a burst; running it sends the news', async () => {
    uninstall = deliverSoon(db.sql, createLogger('silent'));
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, client, worker);
    await acceptedBooking(db.sql, client, worker);
    const job = await soonJob();
    const now = (await db.sql<{ now: Date }[]>`select now()`)[0]!.now;
    expect(job).toMatchObject({ task: 'notifications.deliver', queue: 'notifications-deliver' });
    expect(job!.runAt.getTime() - now.getTime()).toBeGreaterThan(0);
    expect(job!.runAt.getTime() - now.getTime()).toBeLessThanOrEqual(2_000);
    expect(await queuedJobs(db.sql, SOON_JOB_KEY)).toHaveLength(1);

    const { log, logged } = capturedLog();
    const sms = createDevSink(db.sql, log);
    await runQueuedJob(db.sql, notificationTasks(sms, createWebPushSender(TEST_VAPID, 'mailto:ops@fieldwork.example'), 'https://fieldwork.example'), log, SOON_JOB_KEY);
    expect(logged.find((l) => l.msg === 'news sent')).toMatchObject({ sent: expect.any(Number) });
    const unsent = await db.sql`select template from outbox where user_id = ${client} and sent_at is null`;
    expect(unsent).toEqual([]);
  });

  it('asks again at the end of the gap for news written while the last ask was too recent', async () => {
    uninstall = deliverSoon(db.sql, createLogger('silent'));
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, client, worker);
    expect(await soonJob()).not.toBeNull();
    // That run went (a runner took and finished it); news written right after must not wait for the minute.
    await db.sql`delete from graphile_worker._private_jobs where key = ${SOON_JOB_KEY}`;
    await acceptedBooking(db.sql, client, worker);
    expect(await soonJob(MIN_GAP_MS + 1_000)).not.toBeNull();
  });

  it('asks nothing for a command that wrote no news', async () => {
    uninstall = deliverSoon(db.sql, createLogger('silent'));
    applied(await run(db.sql, await createOperator(db.sql), 'availability.set', { available: false }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await queuedJobs(db.sql, SOON_JOB_KEY)).toHaveLength(0);
  });
});
