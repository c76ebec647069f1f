// Escrow against the real database: every money step posts to the ledger once, the booking keeps in step,
// and the clocks run exactly while they should, and act once when due.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../db/migrate';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { balance, trialBalance } from '../ledger/ledger';
import { accounts } from '../ledger/accounts';
import { confirmPayment as confirmMilestonePayment, fireMilestoneEvent } from './events';
import { createLogger } from '../log';
import { applyCommand } from '../commands/apply';
import { timerKey } from './timers';
import { nextApprovalCheck, PAYMENT_WINDOW_MS } from './step';
import { sweepClocks } from './clocks';
import { createDemoRail } from '../payments/demo';

let db: TestDb;
let client: string;
let worker: string;

beforeAll(async () => {
  db = await createTestDb();
  client = await createUser(db.sql);
  worker = await createOperator(db.sql);
});
afterAll(() => db.drop());

async function milestones(bookingId: string) {
  return db.sql<{ id: string; status: string; amount: number; feeBps: number; releasedAmount: number; refundedAmount: number; feeAmount: number; paymentIntentId: string | null }[]>`
    select id, status, amount, fee_bps, released_amount, refunded_amount, fee_amount, payment_intent_id from milestones where booking_id = ${bookingId} order by position`;
}
async function timers(milestoneId: string): Promise<string[]> {
  const rows = await db.sql<{ key: string }[]>`select key from graphile_worker.jobs where key like ${'%:' + milestoneId} order by key`;
  return rows.map((r) => r.key);
}
async function clocks(milestoneId: string) {
  const [row] = await db.sql<{ status: string; paymentExpiresAt: Date | null; autoApproveAt: Date | null; approvalCheckAt: Date | null }[]>`
    select status, payment_expires_at, auto_approve_at, approval_check_at from milestones where id = ${milestoneId}`;
  return row!;
}
async function bookingStatus(id: string) {
  return (await db.sql<{ status: string }[]>`select status from bookings where id = ${id}`)[0]!.status;
}
async function ledgerIsBalanced() {
  const { totals } = await trialBalance(db.sql);
  for (const total of Object.values(totals)) expect(total).toBe(0);
}

/** The worker's plan of two parts ($30 and $60) in place of the single price, accepted by the client: their ids. */
async function twoParts(bookingId: string, first: string, second: string): Promise<[string, string]> {
  const planId = uuidv7();
  const [a, b] = [uuidv7(), uuidv7()];
  applied(await run(db.sql, worker, 'milestone.propose', {
    bookingId, planId,
    milestones: [
      { milestoneId: a, description: first, amount: { amount: 3000, currency: 'USD' } },
      { milestoneId: b, description: second, amount: { amount: 6000, currency: 'USD' } },
    ],
  }));
  applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId }));
  return [a, b];
}

describe('a single-price booking', () => {
  it('is one agreed milestone at the gig price, with the category fee fixed', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await milestones(bookingId);
    expect(m).toMatchObject({ status: 'agreed', amount: 8000, feeBps: 1000 }); // plumbing: the default 10%
  });

  it('takes a review only for the hand-in it was made on: not for work sent back or handed in again since, nor once disputed', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const first = new Date(Date.now() - 60_000);
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id }, { now: () => first }));
    // The client approves on a phone that cannot send yet, and meanwhile sends the work back from a laptop.
    const seen = first.toISOString();
    applied(await run(db.sql, client, 'milestone.request_changes', { milestoneId: m!.id, reason: 'Second coat is patchy', submittedAt: seen }));
    expect(await run(db.sql, client, 'milestone.approve', { milestoneId: m!.id, submittedAt: seen })).toMatchObject({
      status: 'rejected', rejection: { code: 'invalid_state', message: expect.stringMatching(/^Changes were asked for on this work since/) },
    });
    // Handed in again: the phone's approval, arriving now, is about work the client has not seen.
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id, note: 'Touch-up only' }));
    const stale = await run(db.sql, client, 'milestone.approve', { milestoneId: m!.id, submittedAt: seen });
    expect(stale).toMatchObject({ status: 'rejected', rejection: { code: 'work_resubmitted' } });
    expect((await run(db.sql, client, 'milestone.request_changes', { milestoneId: m!.id, reason: 'Again', submittedAt: seen })).rejection?.code).toBe('work_resubmitted');
    expect((await clocks(m!.id)).status).toBe('submitted');
    expect(await balance(db.sql, accounts.escrow(m!.id, 'USD').id)).toBe(8000);
    // The hand-in there now, named, is reviewed; a dispute opened meanwhile says so to a review that comes after it.
    const now = (await db.sql<{ submittedAt: Date }[]>`select submitted_at from milestones where id = ${m!.id}`)[0]!.submittedAt;
    applied(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId: m!.id, reason: 'Only a touch-up', refundAmount: 4000 }));
    expect((await run(db.sql, client, 'milestone.approve', { milestoneId: m!.id, submittedAt: now.toISOString() })).rejection?.code).toBe('dispute_open');

    // Named as it is, a review goes through.
    const other = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [o] = await milestones(other.bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId: other.bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: o!.id }));
    const handedIn = (await db.sql<{ submittedAt: Date }[]>`select submitted_at from milestones where id = ${o!.id}`)[0]!.submittedAt;
    expect(applied(await run(db.sql, client, 'milestone.approve', { milestoneId: o!.id, submittedAt: handedIn.toISOString() }))).toMatchObject({ status: 'released' });
  });

  it('funds, releases net of the fee, and completes the booking; every posting once', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await milestones(bookingId);
    const funding = new Date();
    const fund = applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }, { now: () => funding }));
    expect(fund.status).toBe('payment_pending');
    expect((await clocks(m!.id)).paymentExpiresAt!.getTime()).toBe(funding.getTime() + PAYMENT_WINDOW_MS);
    // Paying again in the window (back from the checkout): done, the window unchanged; the worker may not.
    expect(applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }, { now: () => new Date(funding.getTime() + 60_000) })).status).toBe('payment_pending');
    expect((await clocks(m!.id)).paymentExpiresAt!.getTime()).toBe(funding.getTime() + PAYMENT_WINDOW_MS);
    expect((await run(db.sql, worker, 'milestone.fund', { milestoneId: m!.id })).status).toBe('rejected');
    // Past the window, before the sweep has lapsed it: nothing to pay into, and said so.
    const late = await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }, { now: () => new Date(funding.getTime() + PAYMENT_WINDOW_MS) });
    expect(late.rejection?.code).toBe('deadline_passed');
    expect(await clocks(m!.id)).toMatchObject({ status: 'payment_pending', paymentExpiresAt: new Date(funding.getTime() + PAYMENT_WINDOW_MS) });

    const payment = { milestoneId: m!.id, paymentIntentId: `pi_${m!.id}`, chargeId: `ch_${m!.id}`, amount: 8000, currency: 'USD' };
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_1')).toBe('funded');
    // The same payment again, by another event or a replay: no second effect.
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_2')).toBe('already_funded');
    expect(await balance(db.sql, accounts.escrow(m!.id, 'USD').id)).toBe(8000);
    expect(await clocks(m!.id)).toMatchObject({ status: 'funded', paymentExpiresAt: null });
    expect(await bookingStatus(bookingId)).toBe('funded');

    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id, note: 'Done' }));
    // The clock's first look is the 24-hour reminder; the steps so far queued no job.
    const [{ autoApproveAt, approvalCheckAt, submittedAt }] = await db.sql`select auto_approve_at, approval_check_at, submitted_at from milestones where id = ${m!.id}` as never as [{ autoApproveAt: Date; approvalCheckAt: Date; submittedAt: Date }];
    expect(autoApproveAt.getTime() - submittedAt.getTime()).toBe(72 * 3_600_000);
    expect(autoApproveAt.getTime() - approvalCheckAt.getTime()).toBe(24 * 3_600_000);
    expect(await timers(m!.id)).toEqual([]);

    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: m!.id }));
    const [after] = await milestones(bookingId);
    expect(after).toMatchObject({ status: 'released', releasedAmount: 8000, feeAmount: 800, refundedAmount: 0 });
    expect(await balance(db.sql, accounts.escrow(m!.id, 'USD').id)).toBe(0);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBeGreaterThanOrEqual(7200);
    expect(await bookingStatus(bookingId)).toBe('completed');
    const postings = await db.sql`select kind from ledger_postings where milestone_id = ${m!.id} order by created_at`;
    expect(postings.map((p) => p.kind)).toEqual(['funding', 'release']);
    await ledgerIsBalanced();
  });

  it('refunds a funded booking in full when it is cancelled before work starts', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Fixed it myself' }));
    const [after] = await milestones(bookingId);
    expect(after).toMatchObject({ status: 'refunded', refundedAmount: 8000, releasedAmount: 0 });
    expect(await balance(db.sql, accounts.escrow(m!.id, 'USD').id)).toBe(0);
    expect(await timers(m!.id)).toContain(timerKey('escrow.refund', m!.id));
    expect(await bookingStatus(bookingId)).toBe('cancelled');
    await ledgerIsBalanced();
  });

  it('lets an admin outside the booking cancel it for both sides only with a written reason, kept in the audit log', async () => {
    const admin = await createUser(db.sql, ['consumer', 'admin'], 'Ada Admin');
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    const audits = () => db.sql`select admin_id, action, subject_id, reason, details from admin_audit where subject_id = ${bookingId}`;
    expect((await run(db.sql, admin, 'booking.cancel', { bookingId, reason: '  ' })).rejection?.code).toBe('reason_required');
    expect((await run(db.sql, admin, 'booking.cancel', { bookingId })).rejection?.code).toBe('reason_required');
    expect((await milestones(bookingId))[0]).toMatchObject({ status: 'funded', refundedAmount: 0 });
    expect(await audits()).toEqual([]);

    // Once work has started no one cancels (a dispute settles the money), and the refusal says so.
    const started = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, worker, 'booking.start', { bookingId: started.bookingId }));
    const late = await run(db.sql, admin, 'booking.cancel', { bookingId: started.bookingId, reason: 'Client asked us to' });
    expect(late.rejection).toEqual({ code: 'invalid_state', message: 'Work has started on this booking, so it can no longer be cancelled: a dispute on a part settles where its money goes.' });

    applied(await run(db.sql, admin, 'booking.cancel', { bookingId, reason: 'Worker reported the address is unsafe' }));
    expect((await milestones(bookingId))[0]).toMatchObject({ status: 'refunded', refundedAmount: 8000 });
    expect(await audits()).toEqual([
      expect.objectContaining({
        adminId: admin, action: 'booking.cancel', subjectId: bookingId, reason: 'Worker reported the address is unsafe',
        details: expect.objectContaining({ from: 'funded', refunded: [{ milestoneId: m!.id, amount: 8000, currency: 'USD' }], gigEnded: expect.any(String) }),
      }),
    ]);
    // Both sides are told, with the reason; and the gig is not offered to anyone else (the address was unsafe).
    const told = await db.sql<{ userId: string; data: { reason?: string } }[]>`
      select user_id, data from outbox where data->>'bookingId' = ${bookingId} and template = 'booking.cancelled.admin'`;
    expect(told.map((n) => n.userId).sort()).toEqual([client, worker].sort());
    expect(told.every((n) => n.data.reason === 'Worker reported the address is unsafe')).toBe(true);
    const [gig] = await db.sql<{ status: string; bookingId: string | null }[]>`select g.status, g.booking_id from gigs g join bookings b on b.gig_id = g.id where b.id = ${bookingId}`;
    expect(gig).toEqual({ status: 'closed', bookingId });
    await ledgerIsBalanced();
  });

  it('refunds a payment that arrives for a milestone cancelled meanwhile, and posts it once', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }));
    applied(await run(db.sql, client, 'booking.cancel', { bookingId }));
    const payment = { milestoneId: m!.id, paymentIntentId: `pi_late_${m!.id}`, chargeId: null, amount: 8000, currency: 'USD' };
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_late')).toBe('refunded_late');
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_late_again')).toBe('refunded_late');
    const postings = await db.sql`select kind, dedupe_key from ledger_postings where milestone_id = ${m!.id} order by dedupe_key`;
    expect(postings.map((p) => p.dedupeKey)).toEqual([`funding:pi_late_${m!.id}`, `late-refund:pi_late_${m!.id}`]);
    expect(await balance(db.sql, accounts.escrow(m!.id, 'USD').id)).toBe(0);
    const [job] = await db.sql`select count(*)::int as n from graphile_worker.jobs where key = ${'escrow.refund_payment:pi_late_' + m!.id}`;
    expect(job!.n).toBe(1);
    await ledgerIsBalanced();
  });

  it('does not fund with a payment already sent back: one that came while the plan was only proposed', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const planId = uuidv7();
    const proposed = uuidv7();
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId, milestones: [{ milestoneId: proposed, description: 'All of it', amount: { amount: 8000, currency: 'USD' } }],
    }));
    const payment = { milestoneId: proposed, paymentIntentId: `pi_early_${proposed}`, chargeId: null, amount: 8000, currency: 'USD' };
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_early')).toBe('refunded_late');
    applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId }));
    // Another event about the same payment, now that the milestone could take it: the money has gone back already.
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_early_again')).toBe('refunded_late');
    expect((await milestones(bookingId)).find((m) => m.id === proposed)!.status).toBe('agreed');
    expect(await balance(db.sql, accounts.escrow(proposed, 'USD').id)).toBe(0);
    await ledgerIsBalanced();
  });

  it('restarts the approval clock on resubmission and stops it on request for changes', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const t0 = new Date('2030-01-01T10:00:00Z');
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }, { now: () => t0 }));
    applied(await run(db.sql, client, 'booking.request_changes', { bookingId, reason: 'Still drips' }));
    expect(await clocks(m!.id)).toMatchObject({ status: 'changes_requested', autoApproveAt: null, approvalCheckAt: null });
    const t1 = new Date('2030-01-02T10:00:00Z');
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }, { now: () => t1 }));
    // Three days from the resubmission, less the 24-hour reminder.
    expect((await clocks(m!.id)).approvalCheckAt!.toISOString()).toBe('2030-01-04T10:00:00.000Z');
  });

  it('is approved by the timer once due, and the timer does nothing when the client approved first', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
    const due = (x: { status: string; autoApproveAt: Date | null }) => x.status === 'submitted' && x.autoApproveAt !== null && x.autoApproveAt <= new Date(Date.now() + 73 * 3_600_000);
    const early = await fireMilestoneEvent(db.sql, m!.id, 'auto_approve', 'job-1', { when: (x) => x.status === 'submitted' && x.autoApproveAt! <= new Date() });
    expect(early).toMatchObject({ moved: false, why: 'not due' });
    const fired = await fireMilestoneEvent(db.sql, m!.id, 'auto_approve', 'job-2', { when: due });
    expect(fired).toMatchObject({ moved: true, status: 'released' });
    expect(await bookingStatus(bookingId)).toBe('completed');
    const again = await fireMilestoneEvent(db.sql, m!.id, 'auto_approve', 'job-3', { when: due });
    expect(again.moved).toBe(false);
    const [t] = await db.sql`select timeline from milestones where id = ${m!.id}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'auto_approve', by: 'system', status: 'released' });
    await ledgerIsBalanced();
  });

  it('refuses to submit unpaid work, saying why, and changes nothing', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [m] = await milestones(bookingId);
    const out = await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id });
    expect(out.rejection?.code).toBe('not_funded');
    expect((await milestones(bookingId))[0]!.status).toBe('agreed');
  });
});

describe('the approval clock', () => {
  it('looks at the 24-hour reminder, the 2-hour reminder, then the deadline', () => {
    const deadline = new Date('2030-01-04T10:00:00Z');
    const h = (n: number) => new Date(deadline.getTime() - n * 3_600_000);
    expect(nextApprovalCheck(deadline, h(72))).toEqual(h(24));
    expect(nextApprovalCheck(deadline, h(24))).toEqual(h(2));
    expect(nextApprovalCheck(deadline, h(10))).toEqual(h(2));
    expect(nextApprovalCheck(deadline, h(2))).toEqual(deadline);
    expect(nextApprovalCheck(deadline, h(-1))).toEqual(deadline);
  });
});

describe('the clocks sweep', () => {
  const HOUR = 3_600_000;
  const ago = (h: number) => new Date(Date.now() - h * HOUR);
  // No checkout here was made at a provider: the rail is never asked.
  const rail = () => createDemoRail({ sql: db.sql, publicBaseUrl: 'http://localhost' });
  const sweep = () => sweepClocks(db.sql, rail(), createLogger('silent'));
  const news = (milestoneId: string, template: string) =>
    db.sql<{ data: { hoursLeft?: number } }[]>`select data from outbox where template = ${template} and data->>'milestoneId' = ${milestoneId} order by created_at, dedupe_key`;
  /** A funded single-price booking whose work was submitted `hoursAgo` hours ago (the window is 72 hours). */
  async function submitted(hoursAgo: number) {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [m] = await milestones(bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const at = ago(hoursAgo);
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }, { now: () => at }));
    return { bookingId, milestoneId: m!.id, at };
  }

  it('lapses a checkout whose window has passed, once, and leaves one paid meanwhile alone', async () => {
    const lapsed = (await milestones((await acceptedBooking(db.sql, client, worker)).bookingId))[0]!;
    const paid = await acceptedBooking(db.sql, client, worker);
    const [p] = await milestones(paid.bookingId);
    for (const id of [lapsed.id, p!.id]) applied(await run(db.sql, client, 'milestone.fund', { milestoneId: id }, { now: () => ago(2) }));
    await confirmMilestonePayment(db.sql, { milestoneId: p!.id, paymentIntentId: `pi_${p!.id}`, chargeId: null, amount: 8000, currency: 'USD' }, 'evt_paid');

    const first = await sweep();
    expect(first.expired).toBeGreaterThanOrEqual(1);
    expect(await clocks(lapsed.id)).toMatchObject({ status: 'agreed', paymentExpiresAt: null });
    expect(await clocks(p!.id)).toMatchObject({ status: 'funded' });
    expect(await balance(db.sql, accounts.escrow(p!.id, 'USD').id)).toBe(8000);
    await sweep();
    expect(await news(lapsed.id, 'milestone.payment_expired')).toHaveLength(1);
    expect(await timers(lapsed.id)).toEqual([]);
  });

  it('sends the 24-hour reminder once and moves the clock to the 2-hour one', async () => {
    const { milestoneId, at } = await submitted(50);
    const { autoApproveAt } = await clocks(milestoneId);
    expect(autoApproveAt!.getTime()).toBe(at.getTime() + 72 * HOUR);
    await sweep();
    await sweep();
    expect((await news(milestoneId, 'milestone.approval_reminder')).map((n) => n.data.hoursLeft)).toEqual([24]);
    expect(await clocks(milestoneId)).toMatchObject({ status: 'submitted', approvalCheckAt: new Date(autoApproveAt!.getTime() - 2 * HOUR) });
    // A booking of one part: its title says which work it is.
    expect((await news(milestoneId, 'milestone.approval_reminder'))[0]!.data).not.toHaveProperty('part');
  });

  it('names the part in the reminder when the booking has several', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [a] = await twoParts(bookingId, 'Tiles up', 'Grout and seal');
    await confirmPayment(db.sql, bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: a }, { now: () => ago(50) }));
    await sweep();
    expect((await news(a, 'milestone.approval_reminder')).map((n) => n.data)).toEqual([expect.objectContaining({ hoursLeft: 24, part: 'Tiles up' })]);
  });

  it('sends only the 2-hour reminder when the sweep first looks inside it, then waits for the deadline', async () => {
    const { milestoneId } = await submitted(71);
    await sweep();
    expect((await news(milestoneId, 'milestone.approval_reminder')).map((n) => n.data.hoursLeft)).toEqual([2]);
    const { autoApproveAt, approvalCheckAt } = await clocks(milestoneId);
    expect(approvalCheckAt).toEqual(autoApproveAt);
  });

  it('approves on the client’s behalf at the deadline, once, however many sweeps run at the same time', async () => {
    const { bookingId, milestoneId } = await submitted(73);
    await Promise.all([sweep(), sweep(), sweep()]);
    expect(await clocks(milestoneId)).toMatchObject({ status: 'released', autoApproveAt: null, approvalCheckAt: null });
    expect(await bookingStatus(bookingId)).toBe('completed');
    const postings = await db.sql`select kind from ledger_postings where milestone_id = ${milestoneId}`;
    expect(postings.map((p) => p.kind).sort()).toEqual(['funding', 'release']);
    const [t] = await db.sql`select timeline from milestones where id = ${milestoneId}`;
    expect(t!.timeline.filter((e: { event: string }) => e.event === 'auto_approve')).toHaveLength(1);
    expect(await news(milestoneId, 'milestone.released')).toHaveLength(1);
    await ledgerIsBalanced();
  });

  it('pages through more due milestones than one read takes', async () => {
    const lapsing: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [m] = await milestones((await acceptedBooking(db.sql, client, worker)).bookingId);
      applied(await run(db.sql, client, 'milestone.fund', { milestoneId: m!.id }, { now: () => ago(2) }));
      lapsing.push(m!.id);
    }
    await sweepClocks(db.sql, rail(), createLogger('silent'), { batch: 2 });
    for (const id of lapsing) expect(await clocks(id)).toMatchObject({ status: 'agreed', paymentExpiresAt: null });
  });

  it('gives submitted work found without its next look one, as an instance still on older code leaves it', async () => {
    const { milestoneId } = await submitted(50);
    await db.sql`update milestones set approval_check_at = null where id = ${milestoneId}`;
    expect((await sweep()).repaired).toBeGreaterThanOrEqual(1);
    // Looked at in the same sweep: the 24-hour reminder was due.
    expect((await news(milestoneId, 'milestone.approval_reminder')).map((n) => n.data.hoursLeft)).toEqual([24]);
    expect((await clocks(milestoneId)).approvalCheckAt).not.toBeNull();
  });

  it('leaves alone work the client sent back before the sweep came', async () => {
    // Inside the last 2 hours, with the reminder due: past the deadline the work can no longer be sent back.
    const { bookingId, milestoneId } = await submitted(71);
    applied(await run(db.sql, client, 'booking.request_changes', { bookingId, reason: 'The tap still drips' }));
    await sweep();
    expect(await clocks(milestoneId)).toMatchObject({ status: 'changes_requested', approvalCheckAt: null });
    expect(await news(milestoneId, 'milestone.approval_reminder')).toHaveLength(0);
  });
});

describe('a plan of milestones', () => {
  it('replaces the single price once the other side accepts, and completes only after the last release', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [single] = await milestones(bookingId);
    const planId = uuidv7();
    const [a, b] = [uuidv7(), uuidv7()];
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId,
      milestones: [
        { milestoneId: a, description: 'Parts and first fix', amount: { amount: 3000, currency: 'USD' } },
        { milestoneId: b, description: 'Finish', amount: { amount: 6000, currency: 'USD' } },
      ],
    }));
    // The proposer cannot accept its own terms.
    expect((await run(db.sql, worker, 'milestone.accept', { bookingId, planId })).rejection?.code).toBe('forbidden');
    expect(applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId }))).toMatchObject({ amount: 9000 });
    expect((await milestones(bookingId)).map((m) => [m.id, m.status])).toEqual([[single!.id, 'cancelled'], [a, 'agreed'], [b, 'agreed']]);
    expect((await db.sql`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(9000);
    // The worker who proposed it hears it was accepted, with what the booking now comes to.
    const told = await db.sql<{ userId: string; data: Record<string, unknown> }[]>`
      select user_id, data from outbox where template = 'milestone.plan_accepted' and data->>'planId' = ${planId}`;
    expect(told).toEqual([{ userId: worker, data: { bookingId, planId, count: 2, total: 9000, currency: 'USD' } }]);

    await confirmPayment(db.sql, bookingId); // a
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: a }));
    expect(applied(await run(db.sql, client, 'booking.approve', { bookingId }))).toMatchObject({ milestoneId: a, status: 'in_progress' });
    expect(await bookingStatus(bookingId)).toBe('in_progress');
    expect((await run(db.sql, worker, 'booking.deliver', { bookingId })).rejection?.code).toBe('not_funded');
    await confirmPayment(db.sql, bookingId); // b
    // The first part's payment said "you can start"; the next one's, paid mid-job, says to go on.
    const funded = await db.sql<{ template: string; data: { milestoneId: string } }[]>`
      select template, data from outbox where user_id = ${worker} and template like 'milestone.funded%' and data->>'bookingId' = ${bookingId} order by created_at`;
    expect(funded.map((n) => [n.data.milestoneId, n.template])).toEqual([[a, 'milestone.funded'], [b, 'milestone.funded.next']]);
    // Of a booking of two parts, each piece of news names its part.
    expect(funded.map((n) => (n.data as { part?: string }).part)).toEqual(['Parts and first fix', 'Finish']);
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
    applied(await run(db.sql, client, 'booking.approve', { bookingId }));
    expect(await bookingStatus(bookingId)).toBe('completed');
    expect((await milestones(bookingId)).map((m) => m.feeAmount)).toEqual([0, 300, 600]);
    await ledgerIsBalanced();
  });

  it('lets either side drop a part not yet paid for once work has started; the last one dropped ends the booking', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [a, b] = await twoParts(bookingId, 'Rewire the garage', 'New lights');
    // Before work starts the plan is changed, or the booking cancelled, instead.
    expect((await run(db.sql, worker, 'milestone.withdraw', { milestoneId: b })).rejection).toEqual({
      code: 'invalid_state', message: 'Before work starts, change the payment plan or cancel the booking instead.',
    });
    await confirmPayment(db.sql, bookingId); // a
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    // A paid part is approved, or settled by a dispute: never dropped.
    expect((await run(db.sql, client, 'milestone.withdraw', { milestoneId: a })).rejection?.message).toMatch(/^Only a part not yet paid for can be dropped/);
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: a }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: a }));
    expect(await bookingStatus(bookingId)).toBe('in_progress');

    // The client does not pay for the rest: the worker drops it, and with it nothing is left to do.
    expect(applied(await run(db.sql, worker, 'milestone.withdraw', { milestoneId: b, reason: 'Not paid after two weeks' }))).toMatchObject({ status: 'cancelled' });
    expect((await milestones(bookingId)).find((m) => m.id === b)!.status).toBe('cancelled');
    // Kept in the part's history as dropped, by whom and why: the devices show it apart from a replaced part.
    const [dropped] = await db.sql<{ timeline: { event: string; by: string; actorId: string; note?: string }[] }[]>`select timeline from milestones where id = ${b}`;
    expect(dropped!.timeline.at(-1)).toMatchObject({ event: 'withdraw', status: 'cancelled', by: 'worker', actorId: worker, note: 'Not paid after two weeks' });
    expect(await bookingStatus(bookingId)).toBe('completed');
    // Its price is now what was done: the part dropped is no longer in it.
    expect((await db.sql`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(3000);
    const told = await db.sql<{ userId: string; data: Record<string, unknown> }[]>`
      select user_id, data from outbox where template = 'milestone.withdrawn.last' and data->>'milestoneId' = ${b}`;
    expect(told).toEqual([{ userId: client, data: expect.objectContaining({ bookingId, amount: 6000, reason: 'Not paid after two weeks' }) }]);
    // A stranger is not told the part exists.
    const stranger = await createUser(db.sql);
    expect((await run(db.sql, stranger, 'milestone.withdraw', { milestoneId: b })).rejection?.code).toBe('not_found');
    await ledgerIsBalanced();
  });

  it('lets the worker stop work under way and give back all that is held; what was released stays theirs', async () => {
    const { gigId, bookingId } = await acceptedBooking(db.sql, client, worker);
    const planId = uuidv7();
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId,
      milestones: [
        { milestoneId: a, description: 'Strip the walls', amount: { amount: 3000, currency: 'USD' } },
        { milestoneId: b, description: 'Plaster', amount: { amount: 6000, currency: 'USD' } },
        { milestoneId: c, description: 'Paint', amount: { amount: 2500, currency: 'USD' } },
      ],
    }));
    applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId }));
    // The plan's parts, in its order (the single price it replaced stays, cancelled, before them).
    const parts = async () => {
      const all = await milestones(bookingId);
      return [a, b, c].map((id) => all.find((m) => m.id === id)!);
    };
    await confirmPayment(db.sql, bookingId); // a
    // Before work starts the booking is cancelled instead.
    expect((await run(db.sql, worker, 'booking.give_back', { bookingId, reason: 'Hurt my back', held: 3000 })).rejection?.code).toBe('invalid_state');
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: a }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: a }));
    await confirmPayment(db.sql, bookingId); // b
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b }));
    const payableBefore = await balance(db.sql, accounts.workerPayable(worker, 'USD').id);

    // Only the worker, and only saying why; the client's way out is a dispute. Each refusal moves nothing.
    expect((await run(db.sql, client, 'booking.give_back', { bookingId, reason: 'Too slow', held: 6000 })).rejection?.code).toBe('forbidden');
    expect((await run(db.sql, worker, 'booking.give_back', { bookingId, reason: '   ', held: 6000 })).rejection?.code).toBe('invalid_command');
    // Confirmed while nothing was held (before the client paid the part now handed in): what would go back has changed.
    expect((await run(db.sql, worker, 'booking.give_back', { bookingId, reason: 'Moving away', held: 0 })).rejection?.code).toBe('held_changed');
    expect((await run(db.sql, client, 'booking.cancel', { bookingId })).rejection?.code).toBe('invalid_state');
    expect((await parts()).map((m) => m.status)).toEqual(['released', 'submitted', 'agreed']);

    const id = uuidv7();
    expect(applied(await run(db.sql, worker, 'booking.give_back', { bookingId, reason: 'Hurt my back, cannot finish', held: 6000 }, { id }))).toMatchObject({ status: 'cancelled' });
    const after = await parts();
    expect(after.map((m) => m.status)).toEqual(['released', 'refunded', 'cancelled']);
    // The part handed in goes back whole, with no fee; the one released stays the worker's, untouched.
    expect(after[1]).toMatchObject({ refundedAmount: 6000, releasedAmount: 0, feeAmount: 0 });
    expect(after[0]).toMatchObject({ releasedAmount: 3000, refundedAmount: 0 });
    expect(await balance(db.sql, accounts.escrow(b, 'USD').id)).toBe(0);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(payableBefore);
    expect(await timers(b)).toContain(timerKey('escrow.refund', b));
    expect(await clocks(b)).toMatchObject({ autoApproveAt: null, approvalCheckAt: null });
    expect(await bookingStatus(bookingId)).toBe('cancelled');
    const [ended] = await db.sql<{ timeline: { event: string; by: string; note?: string }[] }[]>`select timeline from bookings where id = ${bookingId}`;
    expect(ended!.timeline.at(-1)).toMatchObject({ event: 'give_back', by: 'worker', note: 'Hurt my back, cannot finish' });
    const [part] = await db.sql<{ timeline: { event: string; status: string; by: string }[] }[]>`select timeline from milestones where id = ${b}`;
    expect(part!.timeline.at(-1)).toMatchObject({ event: 'give_back', status: 'refunded', by: 'worker' });

    // The client hears it once, with what comes back and why (not a text per part), and the gig is on offer again.
    const told = await db.sql<{ userId: string; template: string; data: Record<string, unknown> }[]>`
      select user_id, template, data from outbox where dedupe_key like ${id + ':%'}`;
    expect(told).toEqual([{ userId: client, template: 'booking.given_back.reopened', data: expect.objectContaining({ refunded: 6000, currency: 'USD', reason: 'Hurt my back, cannot finish' }) }]);
    const [gig] = await db.sql<{ status: string; bookingId: string | null }[]>`select status, booking_id from gigs where id = ${gigId}`;
    expect(gig).toEqual({ status: 'open', bookingId: null });
    await ledgerIsBalanced();
  });

  it('refuses a plan once a part it would replace has been paid since it was proposed: the client would pay twice', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [single] = await milestones(bookingId);
    const planId = uuidv7();
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId, milestones: [{ milestoneId: uuidv7(), description: 'All of it, and the skirting', amount: { amount: 9500, currency: 'USD' } }],
    }));
    await confirmPayment(db.sql, bookingId); // the single price, paid while the plan waited
    // The payment withdrew the plan, by the system, saying why; accepting it now is refused.
    const [, withdrawn] = await db.sql<{ status: string; timeline: { event: string; by: string; note?: string }[] }[]>`
      select status, timeline from milestones where booking_id = ${bookingId} order by position`;
    expect(withdrawn).toMatchObject({ status: 'cancelled', timeline: [{ event: 'proposed' }, { event: 'cancel', by: 'system', note: expect.stringMatching(/was paid before it was accepted/) }] });
    // Its proposer hears it, once: nobody else would say so.
    const told = await db.sql<{ userId: string }[]>`select user_id from outbox where template = 'milestone.plan_withdrawn' and data->>'bookingId' = ${bookingId}`;
    expect(told).toEqual([{ userId: worker }]);
    const out = await run(db.sql, client, 'milestone.accept', { bookingId, planId });
    expect(out).toMatchObject({ status: 'rejected', rejection: { code: 'plan_stale' } });
    expect((await milestones(bookingId)).map((m) => [m.id, m.status])).toEqual([[single!.id, 'funded'], [expect.any(String), 'cancelled']]);
    expect((await db.sql`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(8000);
    // A plan proposed after that payment is one the client can still agree.
    const later = uuidv7();
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId: later, milestones: [{ milestoneId: uuidv7(), description: 'The skirting', amount: { amount: 1500, currency: 'USD' } }],
    }));
    expect(applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId: later }))).toMatchObject({ amount: 9500 });
  });

  it('takes a plan named by one of its parts, as a device names it, and only while it is the one waiting', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const propose = (by: string, amounts: number[]) => {
      const ids = amounts.map(() => uuidv7());
      return run(db.sql, by, 'milestone.propose', {
        bookingId, planId: uuidv7(), milestones: ids.map((milestoneId, i) => ({ milestoneId, description: `Part ${i + 1}`, amount: { amount: amounts[i]!, currency: 'USD' } })),
      }).then((out) => (applied(out), ids));
    };
    const [older] = await propose(worker, [4000, 4000]);
    const [, newer] = await propose(worker, [5000, 4500]);
    // The older plan was withdrawn by the newer one: accepting it by its part is refused, and changes nothing.
    const stale = await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: older! });
    expect(stale).toMatchObject({ status: 'rejected', rejection: { code: 'plan_stale' } });
    // A part of no plan (the booking's single price), of no booking, or of a plan waiting on another booking names no plan here.
    const [single] = await milestones(bookingId);
    expect((await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: single!.id })).rejection?.code).toBe('not_found');
    expect((await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: uuidv7() })).rejection?.code).toBe('not_found');
    const other = await acceptedBooking(db.sql, client, worker);
    const elsewhere = uuidv7();
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId: other.bookingId, planId: uuidv7(), milestones: [{ milestoneId: elsewhere, description: 'Elsewhere', amount: { amount: 100, currency: 'USD' } }],
    }));
    expect((await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: elsewhere })).rejection?.code).toBe('not_found');
    expect((await milestones(other.bookingId)).map((m) => m.status)).toEqual(['agreed', 'proposed']);
    expect(applied(await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: newer! }))).toMatchObject({ status: 'agreed', amount: 9500 });
    expect((await milestones(bookingId)).filter((m) => m.status === 'agreed').map((m) => m.amount)).toEqual([5000, 4500]);
    // Accepted once: again, it is no longer open.
    expect((await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: newer! })).rejection?.code).toBe('plan_stale');
  });

  it('withdraws a plan still waiting when the booking ends, and refuses a due date already past', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    // A due date is the last second of a day in UTC; one past in every time zone is refused, today's never.
    const past = new Date(Date.now() - 25 * 3_600_000).toISOString();
    const today = `${new Date().toISOString().slice(0, 10)}T23:59:59.000Z`;
    const extra = (dueAt: string | null) => ({
      bookingId, planId: uuidv7(), milestones: [{ milestoneId: uuidv7(), description: 'The skirting too', amount: { amount: 1500, currency: 'USD' }, dueAt }],
    });
    const late = await run(db.sql, worker, 'milestone.propose', extra(past));
    expect(late).toMatchObject({ status: 'rejected', rejection: { code: 'plan_invalid' } });
    expect(late.rejection!.message).toMatch(/already passed/);
    applied(await run(db.sql, worker, 'milestone.propose', extra(today)));
    // Yesterday (in UTC) is still today where the clock is up to 12 hours behind UTC, until noon UTC; after
    // that it is over everywhere, and refused.
    const at = (iso: string) => ({ now: () => new Date(iso) });
    applied(await run(db.sql, worker, 'milestone.propose', extra('2026-11-21T23:59:59.000Z'), at('2026-11-22T11:00:00.000Z')));
    expect((await run(db.sql, worker, 'milestone.propose', extra('2026-11-21T23:59:59.000Z'), at('2026-11-22T13:00:00.000Z'))).rejection?.code).toBe('plan_invalid');
    applied(await run(db.sql, worker, 'milestone.propose', extra(new Date(Date.now() + 86_400_000).toISOString())));
    const [single] = await milestones(bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: single!.id }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: single!.id }));
    expect(await bookingStatus(bookingId)).toBe('completed');
    // The plan the client never accepted is gone with the booking, by the system, and cannot be accepted now.
    const [withdrawn] = await db.sql<{ id: string; status: string; timeline: { event: string; by: string }[] }[]>`
      select id, status, timeline from milestones where booking_id = ${bookingId} and id <> ${single!.id} order by position desc limit 1`;
    expect(withdrawn).toMatchObject({ status: 'cancelled', timeline: [{ event: 'proposed' }, { event: 'cancel', by: 'system' }] });
    expect((await run(db.sql, client, 'milestone.accept', { bookingId, milestoneId: withdrawn!.id })).rejection?.code).toBe('plan_stale');
    expect((await db.sql`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(8000);
  });

  it('migration 017 withdraws plans left waiting on ended bookings or outrun by a payment, and leaves the others', async () => {
    // What the rules before 017 left behind: plans still proposed on a completed booking and beside a part
    // paid after them. Made with today's rules, which withdraw them, then put back as they were.
    const propose = async (bookingId: string) => {
      const milestoneId = uuidv7();
      applied(await run(db.sql, worker, 'milestone.propose', {
        bookingId, planId: uuidv7(), milestones: [{ milestoneId, description: 'More', amount: { amount: 900, currency: 'USD' } }],
      }));
      return milestoneId;
    };
    const ended = await acceptedBooking(db.sql, client, worker, { funded: true });
    const endedPlan = await propose(ended.bookingId);
    const [endedSingle] = await milestones(ended.bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId: ended.bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: endedSingle!.id }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: endedSingle!.id }));
    const outrun = await acceptedBooking(db.sql, client, worker);
    const outrunPlan = await propose(outrun.bookingId);
    await confirmPayment(db.sql, outrun.bookingId);
    const waiting = await acceptedBooking(db.sql, client, worker, { funded: true });
    const waitingPlan = await propose(waiting.bookingId);
    await db.sql`update milestones set status = 'proposed', timeline = timeline - (jsonb_array_length(timeline) - 1) where id in ${db.sql([endedPlan, outrunPlan])}`;

    await db.sql.unsafe(await fs.readFile(path.join(MIGRATIONS_DIR, '017_withdraw_stale_plans.sql'), 'utf8'));
    const rows = await db.sql<{ id: string; status: string; timeline: { event: string; by: string; note?: string; at: string }[] }[]>`
      select id, status, timeline from milestones where id in ${db.sql([endedPlan, outrunPlan, waitingPlan])}`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(endedPlan)).toMatchObject({ status: 'cancelled', timeline: [{ event: 'proposed' }, { event: 'cancel', by: 'system', note: 'The booking ended before this plan was accepted.' }] });
    expect(byId.get(outrunPlan)).toMatchObject({ status: 'cancelled', timeline: [{ event: 'proposed' }, { event: 'cancel', by: 'system', note: expect.stringMatching(/was paid before it was accepted/) }] });
    expect(byId.get(outrunPlan)!.timeline[1]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(byId.get(waitingPlan)).toMatchObject({ status: 'proposed', timeline: [{ event: 'proposed' }] });
  });

  it('refuses a plan that reuses a milestone id, storing the refusal so that a replay gets it too', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const milestoneId = uuidv7();
    const plan = () => ({ bookingId, planId: uuidv7(), milestones: [{ milestoneId, description: 'All', amount: { amount: 3000, currency: 'USD' } }] });
    applied(await run(db.sql, client, 'milestone.propose', plan()));
    const again = { id: uuidv7(), type: 'milestone.propose' as const, payload: plan(), issuedAt: new Date().toISOString() };
    const out = await applyCommand(db.sql, client, again);
    expect(out.rejection?.code).toBe('duplicate_id');
    expect(await applyCommand(db.sql, client, again)).toMatchObject({ status: 'rejected', replayed: true, rejection: { code: 'duplicate_id' } });
  });

  it('refuses a plan in another currency', async () => {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const out = await run(db.sql, client, 'milestone.propose', {
      bookingId, planId: uuidv7(), milestones: [{ milestoneId: uuidv7(), description: 'All', amount: { amount: 3000, currency: 'EUR' } }],
    });
    expect(out.rejection?.code).toBe('plan_invalid');
  });
});
