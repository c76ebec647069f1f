// The write path runs from cached plans. Planning a short statement costs Postgres more than running it, and
// two ways to lose the plan cache look harmless in code: postgres.js's `unsafe` without `prepare: true` sends
// an unnamed statement (parsed and planned on every call), and an array parameter makes Postgres prefer a
// fresh custom plan on every call. One connection walks bookings through every money step, one command at a
// time (the path a command takes at rest); then that connection's prepared statements are read back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ max: 1 });
});
afterAll(() => db.drop());

/** Postgres tries a custom plan for a prepared statement's first five runs, then keeps the cheaper kind. */
const FIRST_CUSTOM_PLANS = 5;
const BOOKINGS = FIRST_CUSTOM_PLANS + 4;

it('plans each statement of a booking\'s life a handful of times, not once per command', async () => {
  const client = await createUser(db.sql);
  const worker = await createOperator(db.sql);
  for (let i = 0; i < BOOKINGS; i++) {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }));
    expect(await confirmPayment(db.sql, bookingId)).toBe('funded');
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body: `Message ${i}` }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id, note: 'Done' }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: m!.id }));
  }
  // And a dispute's steps, which read the dispute under its lock.
  const { bookingId } = await acceptedBooking(db.sql, client, worker);
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
  applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }));
  expect(await confirmPayment(db.sql, bookingId)).toBe('funded');
  const disputeId = uuidv7();
  applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: m!.id, reason: 'Not started', refundAmount: 8000 }));
  for (const [who, text] of [[worker, 'I came by twice'], [client, 'Nobody came']] as const)
    applied(await run(db.sql, who, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text, messageIds: [], attachmentIds: [] }));

  const statements = await db.sql<{ statement: string; genericPlans: number; customPlans: number }[]>`
    select regexp_replace(statement, '[[:space:]]+', ' ', 'g') as statement, generic_plans, custom_plans from pg_prepared_statements`;
  const planned = (pattern: RegExp) => statements.filter((s) => pattern.test(s.statement));

  // The reads every milestone and dispute step makes are named prepared statements, not unnamed ones (which
  // pg_prepared_statements never lists).
  expect(planned(/as siblings from milestones m where m\.id = \$1/)).toHaveLength(1);
  expect(planned(/from milestones where booking_id = \$1 and not deleted order by position$/)).toHaveLength(1);
  expect(planned(/from disputes where id = \$1 and not deleted for update$/)).toHaveLength(1);
  // Everything that ran once per booking or more settled on its cached plan after the first tries.
  const replanned = statements.filter((s) => s.customPlans > FIRST_CUSTOM_PLANS);
  expect(replanned.map((s) => `${s.customPlans} custom plans: ${s.statement.slice(0, 160)}`)).toEqual([]);
  // The check reads something: the commands' own statements ran from the cache.
  const prelude = planned(/left join commands c on c\.id = \$/);
  expect(prelude).toHaveLength(1);
  expect(prelude[0]!.genericPlans).toBeGreaterThanOrEqual(BOOKINGS * 4 - FIRST_CUSTOM_PLANS);
});
