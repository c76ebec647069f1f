// Gigs' expiry on the server's clock: the cron task moves overdue drafts and open gigs to expired, once, and
// leaves the rest alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { applied, createOperator, createUser, gigInput, run, uuidv7 } from '../../test/fixtures';
import { createLogger } from '../log';
import { GIG_CRONTAB, gigTasks } from './tasks';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

const statusOf = async (id: string) => (await db.sql<{ status: string }[]>`select status from gigs where id = ${id}`)[0]!.status;

it('expires open gigs whose time has passed, once, every minute, and leaves the others', async () => {
  const client = await createUser(db.sql);
  const op = await createOperator(db.sql);
  const soon = new Date(Date.now() + 3_600_000).toISOString();
  const [overdue, current, taken] = [gigInput({ expiresAt: soon }), gigInput({ expiresAt: soon }), gigInput({ expiresAt: soon })];
  for (const g of [overdue, current, taken]) applied(await run(db.sql, client, 'gig.post', g));
  applied(await run(db.sql, op, 'gig.accept', { gigId: taken.gigId, bookingId: uuidv7() }));
  // Their time passes for two of them by the server's clock.
  await db.sql`update gigs set expires_at = now() - interval '1 minute' where id in ${db.sql([overdue.gigId, taken.gigId])}`;

  const task = gigTasks['gigs.expire'];
  const ctx = { sql: db.sql, log: createLogger('silent'), jobId: uuidv7(), key: null, attempt: 1, maxAttempts: 1, signal: undefined };
  await task.run(task.payload.parse({}), ctx);
  expect([await statusOf(overdue.gigId), await statusOf(current.gigId), await statusOf(taken.gigId)]).toEqual(['expired', 'open', 'assigned']);
  const versionOf = async () => (await db.sql<{ version: number }[]>`select version from gigs where id = ${overdue.gigId}`)[0]!.version;
  const version = await versionOf();
  await task.run(task.payload.parse({}), ctx);
  expect(await versionOf()).toBe(version);
  expect(GIG_CRONTAB).toEqual([expect.objectContaining({ task: 'gigs.expire', match: '* * * * *' })]);
});
