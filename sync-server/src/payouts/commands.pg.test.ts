// The commands payouts touch: gig.accept's gate and the worker's plan steps' (no paid work without a way to
// be paid), and payout.request (released money queued for transfer now). The transfers themselves run in escrow/payouts.pg.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '@shared/rejections';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, gigInput, run, setPayoutAccount, uuidv7 } from '../../test/fixtures';
import { timerKey } from '../escrow/timers';

let db: TestDb;
let client: string;

beforeAll(async () => {
  db = await createTestDb();
  client = await createUser(db.sql);
});
afterAll(() => db.drop());

const gigStatus = async (gigId: string) => (await db.sql`select status from gigs where id = ${gigId}`)[0]!.status as string;
const bookingsOf = async (gigId: string) => (await db.sql`select count(*)::int as n from bookings where gig_id = ${gigId}`)[0]!.n as number;

describe('gig.accept without payouts', () => {
  it('is refused, saying why, for an operator who never set up payouts or has not finished, and writes nothing', async () => {
    for (const payouts of ['none', 'pending'] as const) {
      const op = await createOperator(db.sql, { payouts });
      const gig = gigInput();
      applied(await run(db.sql, client, 'gig.post', gig));
      const out = await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() });
      expect(out.rejection, payouts).toEqual(rejection('payouts_not_set_up'));
      expect(await gigStatus(gig.gigId)).toBe('open');
      expect(await bookingsOf(gig.gigId)).toBe(0);

      // Once the provider says transfers are active, the same operator takes it.
      await setPayoutAccount(db.sql, op, { transfersActive: true });
      applied(await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() }));
      expect(await gigStatus(gig.gigId)).toBe('assigned');
    }
  });

  it('tells an operator who could not have taken the gig anyway the reason that applies first', async () => {
    const op = await createOperator(db.sql, { payouts: 'none', skills: { painting: 3 } });
    const gig = gigInput();
    applied(await run(db.sql, client, 'gig.post', gig));
    expect((await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() })).rejection?.code).toBe('skills_mismatch');
  });
});

describe('a payment plan from a worker without payouts', () => {
  const plan = (bookingId: string, amount = 8000) => ({
    bookingId, planId: uuidv7(), milestones: [{ milestoneId: uuidv7(), description: 'All of it', amount: { amount, currency: 'USD' } }],
  });
  const milestonesOf = async (bookingId: string) =>
    (await db.sql<{ planId: string | null; status: string }[]>`select plan_id, status from milestones where booking_id = ${bookingId} order by position`).map((m) => `${m.planId ? 'plan' : 'gig'}:${m.status}`);

  it('is refused, changing nothing, when the worker whose account lost its transfers proposes or accepts one', async () => {
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    // Stripe took the transfers capability away after the gig was accepted.
    await setPayoutAccount(db.sql, worker, { transfersActive: false });

    expect((await run(db.sql, worker, 'milestone.propose', plan(bookingId))).rejection).toEqual(rejection('payouts_not_set_up'));
    expect(await milestonesOf(bookingId)).toEqual(['gig:agreed']);

    // The client may still propose; the worker cannot take it on until payouts work again.
    const offer = plan(bookingId, 9000);
    applied(await run(db.sql, client, 'milestone.propose', offer));
    expect((await run(db.sql, worker, 'milestone.accept', { bookingId, planId: offer.planId })).rejection).toEqual(rejection('payouts_not_set_up'));
    expect(await milestonesOf(bookingId)).toEqual(['gig:agreed', 'plan:proposed']);
    expect((await db.sql`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(8000);

    await setPayoutAccount(db.sql, worker, { transfersActive: true });
    applied(await run(db.sql, worker, 'milestone.accept', { bookingId, planId: offer.planId }));
    expect(await milestonesOf(bookingId)).toEqual(['gig:cancelled', 'plan:agreed']);
    applied(await run(db.sql, worker, 'milestone.propose', plan(bookingId)));
  });
});

describe('payout.request', () => {
  /** A booking walked to approval: its milestone released to the worker. */
  async function released(worker: string) {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
    applied(await run(db.sql, client, 'booking.approve', { bookingId }));
    return (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId} and status = 'released'`)[0]!.id;
  }
  const transferJobs = async (ids: string[]) =>
    db.sql<{ key: string; runAt: Date }[]>`select key, run_at from graphile_worker.jobs where key = any(${ids.map((id) => timerKey('escrow.transfer', id))}) order by key`;

  it('queues a transfer now for each released milestone not yet transferred, and says how much', async () => {
    const worker = await createOperator(db.sql);
    const a = await released(worker);
    const b = await released(worker);
    await acceptedBooking(db.sql, client, worker, { funded: true }); // held in escrow: not the worker's yet
    const before = Date.now();
    const out = applied(await run(db.sql, worker, 'payout.request', {}));
    expect(out).toEqual({ milestones: [a, b], amount: 14_400, currency: 'USD' }); // 2 × (8000 less the 10% fee)
    const jobs = await transferJobs([a, b]);
    expect(jobs.map((j) => j.key)).toEqual([a, b].map((id) => timerKey('escrow.transfer', id)).sort());
    for (const j of jobs) expect(j.runAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(jobs[0]!.runAt.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Asking again before the jobs ran moves the same jobs; it adds none.
    applied(await run(db.sql, worker, 'payout.request', { currency: 'USD' }));
    expect(await transferJobs([a, b])).toHaveLength(2);

    // Once transferred, nothing is left to ask for.
    await db.sql`update milestones set transfer_id = 'tr_done', transferred_at = now() where id in ${db.sql([a, b])}`;
    expect((await run(db.sql, worker, 'payout.request', {})).rejection).toEqual(rejection('nothing_to_pay_out'));
  });

  it('refuses, changing nothing, without payouts set up, with nothing released, or in a currency with nothing', async () => {
    const pending = await createOperator(db.sql);
    const m = await released(pending);
    await setPayoutAccount(db.sql, pending, { transfersActive: false });
    expect((await run(db.sql, pending, 'payout.request', {})).rejection?.code).toBe('payouts_not_set_up');
    expect(await transferJobs([m])).toHaveLength(0);

    const idle = await createOperator(db.sql);
    expect((await run(db.sql, idle, 'payout.request', {})).rejection).toEqual(rejection('nothing_to_pay_out'));

    const worker = await createOperator(db.sql);
    const usd = await released(worker);
    expect((await run(db.sql, worker, 'payout.request', { currency: 'EUR' })).rejection?.code).toBe('nothing_to_pay_out');
    expect((await run(db.sql, worker, 'payout.request', { currency: 'usd' })).rejection?.code).toBe('invalid_command');
    expect(await transferJobs([usd])).toHaveLength(0);
  });
});
