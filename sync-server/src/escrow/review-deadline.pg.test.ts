// The client's review deadline belongs to the server's clock, not to the sweep: once auto_approve_at has
// passed, the work can no longer be sent back or disputed, even before the sweep has approved it (late, or
// its job runner down); approving it by hand still can. Whoever approves, the client hears of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOutcome } from '../commands/apply';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp } from '../../test/app';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { createLogger } from '../log';
import { escrowTasks } from './tasks';

let db: TestDb;
let client: string;
let worker: string;

beforeAll(async () => {
  db = await createTestDb();
  client = await createUser(db.sql, ['consumer'], 'Cleo Client');
  worker = await createOperator(db.sql);
});
afterAll(() => db.drop());

const HOUR = 3_600_000;

/** A funded single-price booking whose work was submitted `hoursAgo` hours ago (plumbing: 72 hours to review). */
async function submitted(hoursAgo: number) {
  const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
  applied(await run(db.sql, worker, 'booking.start', { bookingId }));
  applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id }, { now: () => new Date(Date.now() - hoursAgo * HOUR) }));
  const [clock] = await db.sql<{ autoApproveAt: Date }[]>`select auto_approve_at from milestones where id = ${m!.id}`;
  return { bookingId, milestoneId: m!.id, autoApproveAt: clock!.autoApproveAt };
}

async function state(bookingId: string, milestoneId: string) {
  const [row] = await db.sql`
    select m.status, m.auto_approve_at, b.status as booking_status, b.change_rounds, (select count(*)::int from disputes where milestone_id = m.id) as disputes
    from milestones m join bookings b on b.id = m.booking_id where m.id = ${milestoneId} and b.id = ${bookingId}`;
  return row!;
}

const sweep = () =>
  escrowTasks(createTestApp(db.sql).deps.payments)['escrow.sweep'].run({}, {
    sql: db.sql, log: createLogger('silent'), jobId: uuidv7(), key: null, attempt: 1, maxAttempts: 1, signal: undefined,
  });

const news = (milestoneId: string) =>
  db.sql<{ userId: string; template: string }[]>`select user_id, template from outbox where data->>'milestoneId' = ${milestoneId} order by template`;

function refusedAsLate(out: CommandOutcome) {
  expect(out.status).toBe('rejected');
  expect(out.rejection?.code).toBe('deadline_passed');
  expect(out.rejection?.message).toMatch(/time to review this work ran out/);
}

describe('after the review deadline, before the sweep', () => {
  it('refuses a dispute from either side and a request for changes by either command, changing nothing; the sweep then approves', async () => {
    const { bookingId, milestoneId } = await submitted(73);
    const before = await state(bookingId, milestoneId);
    expect(before).toMatchObject({ status: 'submitted', bookingStatus: 'delivered' });
    refusedAsLate(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId, reason: 'Not done', refundAmount: 8000 }));
    refusedAsLate(await run(db.sql, worker, 'dispute.open', { disputeId: uuidv7(), milestoneId, reason: 'Pay me', refundAmount: 0 }));
    refusedAsLate(await run(db.sql, client, 'milestone.request_changes', { milestoneId, reason: 'The tap still drips' }));
    refusedAsLate(await run(db.sql, client, 'booking.request_changes', { bookingId, reason: 'The tap still drips' }));
    expect(await state(bookingId, milestoneId)).toEqual(before);

    await sweep();
    expect(await state(bookingId, milestoneId)).toMatchObject({ status: 'released', bookingStatus: 'completed', disputes: 0, changeRounds: before.changeRounds });
    // Approved on the client's behalf: the worker hears of the money, and the client of the approval.
    expect((await news(milestoneId)).filter((n) => ['milestone.released', 'milestone.auto_approved'].includes(n.template))).toEqual([
      { userId: client, template: 'milestone.auto_approved' },
      { userId: worker, template: 'milestone.released' },
    ]);
  });

  it('still lets the client approve by hand: the same outcome, and no notice of an approval on their behalf', async () => {
    const { bookingId, milestoneId } = await submitted(73);
    expect(applied(await run(db.sql, client, 'milestone.approve', { milestoneId }))).toMatchObject({ status: 'released' });
    expect(await state(bookingId, milestoneId)).toMatchObject({ status: 'released', bookingStatus: 'completed' });
    await sweep();
    expect((await news(milestoneId)).map((n) => n.template)).not.toContain('milestone.auto_approved');
  });

  it('draws the line at auto_approve_at on the server’s clock: a moment before, a dispute and a request for changes go in', async () => {
    const a = await submitted(71);
    const b = await submitted(71);
    const c = await submitted(71);
    const justBefore = (m: { autoApproveAt: Date }) => ({ now: () => new Date(m.autoApproveAt.getTime() - 1) });
    const at = (m: { autoApproveAt: Date }) => ({ now: () => m.autoApproveAt });
    refusedAsLate(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId: a.milestoneId, reason: 'Not done', refundAmount: 8000 }, at(a)));
    refusedAsLate(await run(db.sql, client, 'milestone.request_changes', { milestoneId: b.milestoneId, reason: 'Drips' }, at(b)));
    applied(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId: a.milestoneId, reason: 'Not done', refundAmount: 8000 }, justBefore(a)));
    applied(await run(db.sql, client, 'milestone.request_changes', { milestoneId: b.milestoneId, reason: 'Drips' }, justBefore(b)));
    applied(await run(db.sql, client, 'booking.request_changes', { bookingId: c.bookingId, reason: 'Drips' }, justBefore(c)));
    expect((await state(a.bookingId, a.milestoneId)).status).toBe('disputed');
    expect((await state(b.bookingId, b.milestoneId)).status).toBe('changes_requested');
    expect((await state(c.bookingId, c.milestoneId)).status).toBe('changes_requested');
  });
});
