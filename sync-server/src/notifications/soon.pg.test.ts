// A command that writes news asks for a delivery run a moment later, once for a burst; one that writes none
// does not ask.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run } from '../../test/fixtures';
import { queuedJobs } from '../../test/jobs';
import { createLogger } from '../log';
import { deliverSoon } from './soon';

let db: TestDb;
let uninstall: () => void = () => undefined;
beforeAll(async () => {
  db = await createTestDb();
});
afterEach(() => uninstall());
afterAll(() => db.drop());

const KEY = 'notifications-deliver-soon';
/** The nudge is not awaited by the command: wait for its job to land. */
async function soonJob() {
  for (let i = 0; i < 50; i++) {
    const [row] = await db.sql<{ runAt: Date; queue: string | null; task: string }[]>`
      select j.run_at, q.queue_name as queue, t.identifier as task from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.key = ${KEY}`;
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

describe('delivering soon after a command wrote news', () => {
  it('queues one delivery run on the cron queue a moment later, however many commands wrote news', async () => {
    uninstall = deliverSoon(db.sql, createLogger('silent'));
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const before = Date.now();
    await acceptedBooking(db.sql, client, worker);
    await acceptedBooking(db.sql, client, worker);
    const job = await soonJob();
    expect(job).toMatchObject({ task: 'notifications.deliver', queue: 'notifications-deliver' });
    expect(job!.runAt.getTime()).toBeGreaterThan(before);
    expect(job!.runAt.getTime()).toBeLessThan(Date.now() + 5_000);
    expect(await queuedJobs(db.sql, KEY)).toHaveLength(1);
    await db.sql`delete from graphile_worker._private_jobs where key = ${KEY}`;
  });

  it('asks nothing for a command that wrote no news', async () => {
    uninstall = deliverSoon(db.sql, createLogger('silent'));
    applied(await run(db.sql, await createOperator(db.sql), 'availability.set', { available: false }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await queuedJobs(db.sql, KEY)).toHaveLength(0);
  });
});
