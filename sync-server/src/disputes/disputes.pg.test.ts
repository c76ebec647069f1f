// Disputes against the real database: who may open, answer, accept and decide; the money moving once through
// the milestone's settlement, with the ledger balanced after; the response window; the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandInput } from '@shared/commands';
import type { RejectionCode } from '@shared/rejections';
import { MAX_CHANGE_ROUNDS } from '@shared/booking-machine';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp } from '../../test/app';
import { createDemoRail } from '../payments/demo';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { balance, trialBalance } from '../ledger/ledger';
import { accounts } from '../ledger/accounts';
import { createLogger } from '../log';
import { escrowTasks } from '../escrow/tasks';
import { sweepClocks } from '../escrow/clocks';
import { timerKey } from '../escrow/timers';
import { startJobRunner } from '../jobs/runner';
import { insertAttachment } from '../store/disputes';
import { EVIDENCE_NEWS_WINDOW_MS, MAX_EVIDENCE_PER_SIDE } from '../commands/handlers/dispute';
import { closeWindow, DISPUTE_REMINDERS_H, DISPUTE_RESPONSE_MS, disputeTasks, reminderKey, remindSilentSide, windowKey } from './tasks';

let db: TestDb;
let client: string;
let worker: string;
let admin: string;
let stranger: string;

beforeAll(async () => {
  db = await createTestDb();
  client = await createUser(db.sql, ['consumer'], 'Cleo Client');
  worker = await createOperator(db.sql);
  admin = await createUser(db.sql, ['consumer', 'admin'], 'Ada Admin');
  stranger = await createUser(db.sql);
});
afterAll(() => db.drop());

const AMOUNT = 8000; // the fixture gig's price; plumbing takes a 10% fee
const DAY = 24 * 3_600_000;

/** A single-price booking, funded; started and its work submitted when asked. */
async function fundedMilestone(opts: { submitted?: boolean; budget?: { amount: number; currency: string } } = {}) {
  const { bookingId, gigId } = await acceptedBooking(db.sql, client, worker, { funded: true, budget: opts.budget });
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
  if (opts.submitted) {
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: m!.id }));
  }
  return { bookingId, gigId, milestoneId: m!.id };
}

function open(actor: string, milestoneId: string, refundAmount: number, opts: { now?: Date; disputeId?: string } = {}) {
  return run(db.sql, actor, 'dispute.open', { disputeId: opts.disputeId ?? uuidv7(), milestoneId, reason: 'The tap still drips', refundAmount }, opts.now ? { now: () => opts.now! } : {});
}

/** A funded milestone in dispute; `at` backdates the opening (and so its window). */
async function disputed(by: 'client' | 'worker', refundAmount: number, at?: Date) {
  const m = await fundedMilestone();
  const disputeId = uuidv7();
  applied(await open(by === 'client' ? client : worker, m.milestoneId, refundAmount, { now: at, disputeId }));
  return { ...m, disputeId };
}

async function dispute(id: string) {
  const [d] = await db.sql`select * from disputes where id = ${id}`;
  return d!;
}
async function milestone(id: string) {
  const [m] = await db.sql`select status, released_amount, refunded_amount, fee_amount, auto_approve_at, approval_check_at from milestones where id = ${id}`;
  return m!;
}
const bookingStatus = async (id: string) => (await db.sql`select status from bookings where id = ${id}`)[0]!.status as string;
const jobs = async (key: string) => db.sql<{ runAt: Date }[]>`select run_at from graphile_worker.jobs where key = ${key}`;
const settlements = async (milestoneId: string) =>
  (await db.sql`select count(*)::int as n from ledger_postings where milestone_id = ${milestoneId} and kind in ('release', 'refund', 'split')`)[0]!.n as number;

/**
 * The ledger after a settlement: every currency sums to zero, the milestone's escrow is empty, and what it
 * paid out (released to the worker and the fee, refunded to the client) is what was funded and what the
 * milestone row and the dispute say.
 */
async function ledgerSettled(milestoneId: string, refunded: number) {
  const { totals } = await trialBalance(db.sql);
  for (const total of Object.values(totals)) expect(total).toBe(0);
  expect(await balance(db.sql, accounts.escrow(milestoneId, 'USD').id)).toBe(0);
  const [flows] = await db.sql<{ funded: number; paidOut: number; toRefunds: number; toWorker: number; toFees: number }[]>`
    select coalesce(sum(e.amount) filter (where e.account_id = ${accounts.escrow(milestoneId, 'USD').id} and e.amount > 0), 0)::int8 as funded,
           coalesce(-sum(e.amount) filter (where e.account_id = ${accounts.escrow(milestoneId, 'USD').id} and e.amount < 0), 0)::int8 as paid_out,
           coalesce(sum(e.amount) filter (where e.account_id = ${accounts.refunds('USD').id}), 0)::int8 as to_refunds,
           coalesce(sum(e.amount) filter (where e.account_id = ${accounts.workerPayable(worker, 'USD').id}), 0)::int8 as to_worker,
           coalesce(sum(e.amount) filter (where e.account_id = ${accounts.platformFees('USD').id}), 0)::int8 as to_fees
    from ledger_entries e join ledger_postings p on p.id = e.posting_id
    where p.milestone_id = ${milestoneId}`;
  expect(flows).toEqual({ funded: AMOUNT, paidOut: AMOUNT, toRefunds: refunded, toWorker: (AMOUNT - refunded) * 0.9, toFees: (AMOUNT - refunded) * 0.1 });
  const m = await milestone(milestoneId);
  expect(m.releasedAmount + m.refundedAmount).toBe(AMOUNT);
  expect(m).toMatchObject({ releasedAmount: AMOUNT - refunded, refundedAmount: refunded, feeAmount: (AMOUNT - refunded) * 0.1 });
  expect(await settlements(milestoneId)).toBe(1);
}

/** The provider follows the ledger: a refund job when money goes back, a transfer in the payout run when it goes to the worker. */
async function providerJobs(milestoneId: string) {
  const t = createTestApp(db.sql);
  await db.sql`
    insert into payout_accounts (user_id, provider, account_id, transfers_active, details_submitted)
    values (${worker}, 'demo', ${'acct_' + worker}, true, true)
    on conflict (user_id) do update set transfers_active = true`;
  const ctx = { sql: db.sql, log: createLogger('silent'), jobId: uuidv7(), key: null, attempt: 1, maxAttempts: 1, signal: undefined };
  await escrowTasks(t.deps.payments)['escrow.payout_run'].run({}, ctx);
  return {
    refund: (await jobs(timerKey('escrow.refund', milestoneId))).length === 1,
    transfer: (await jobs(timerKey('escrow.transfer', milestoneId))).length === 1,
  };
}

describe('opening a dispute', () => {
  it('by the client on submitted work: milestone and booking disputed, the approval clock stopped, five days to answer, the worker told', async () => {
    const { bookingId, milestoneId } = await fundedMilestone({ submitted: true });
    expect((await milestone(milestoneId)).approvalCheckAt).not.toBeNull();
    const at = new Date();
    const disputeId = uuidv7();
    const out = applied(await open(client, milestoneId, 3000, { disputeId, now: at }));
    expect(out).toMatchObject({ disputeId, status: 'disputed' });
    expect(await milestone(milestoneId)).toMatchObject({ status: 'disputed', autoApproveAt: null, approvalCheckAt: null });
    expect(await bookingStatus(bookingId)).toBe('disputed');
    const d = await dispute(disputeId);
    expect(d).toMatchObject({ status: 'open', openedBy: 'client', openedById: client, refundAmount: 3000, amount: AMOUNT, currency: 'USD', respondedAt: null, evidence: [] });
    expect(d.respondBy.getTime() - at.getTime()).toBe(DISPUTE_RESPONSE_MS);
    expect(DISPUTE_RESPONSE_MS).toBe(5 * DAY);
    const [window] = await jobs(windowKey(disputeId));
    expect(window!.runAt.getTime()).toBe(d.respondBy.getTime());
    const [news] = await db.sql`select user_id, template, data from outbox where dedupe_key like ${'%:dispute.opened'} and data->>'disputeId' = ${disputeId}`;
    expect(news).toMatchObject({ userId: worker, template: 'dispute.opened', data: { refundAmount: 3000, respondBy: d.respondBy.toISOString() } });
    const [t] = await db.sql`select timeline from milestones where id = ${milestoneId}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'dispute', by: 'client', note: 'The tap still drips' });
  });

  it('by the worker on funded work, claiming less than the whole amount', async () => {
    const { bookingId, milestoneId } = await fundedMilestone();
    const disputeId = uuidv7();
    applied(await open(worker, milestoneId, 2000, { disputeId }));
    expect(await dispute(disputeId)).toMatchObject({ openedBy: 'worker', refundAmount: 2000 });
    expect(await bookingStatus(bookingId)).toBe('disputed');
  });

  it('refuses a claim that asks for nothing, or more than is held, and changes nothing', async () => {
    const { bookingId, milestoneId } = await fundedMilestone();
    for (const [actor, refund] of [[client, 0], [worker, AMOUNT], [client, AMOUNT + 1], [worker, AMOUNT + 1]] as const) {
      const out = await open(actor, milestoneId, refund);
      expect(out.rejection?.code, `${actor === client ? 'client' : 'worker'} claiming ${refund}`).toBe('claim_invalid');
    }
    expect(await milestone(milestoneId)).toMatchObject({ status: 'funded' });
    expect(await bookingStatus(bookingId)).toBe('funded');
    expect((await db.sql`select count(*)::int as n from disputes where milestone_id = ${milestoneId}`)[0]!.n).toBe(0);
  });

  it('refuses a claim or a split the payment provider could not refund: KWD goes in steps of 0.010', async () => {
    const { milestoneId } = await fundedMilestone({ budget: { amount: 10_000, currency: 'KWD' } });
    const offStep = await open(client, milestoneId, 5_005);
    expect(offStep.rejection).toMatchObject({ code: 'claim_invalid', message: expect.stringContaining('steps of 0.010 KWD') });
    expect((await milestone(milestoneId)).status).toBe('funded');
    const disputeId = uuidv7();
    applied(await open(client, milestoneId, 5_000, { disputeId }));
    const split = (refundAmount: number) => run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'split', refundAmount, reason: 'Half the work was done' });
    expect((await split(2_505)).rejection?.code).toBe('claim_invalid');
    expect((await dispute(disputeId)).status).toBe('open');
    applied(await split(2_500));
    expect(await milestone(milestoneId)).toMatchObject({ status: 'split', refundedAmount: 2_500, releasedAmount: 7_500 });
  });

  it('refuses a second dispute on the milestone, a reused dispute id, unpaid work, and anyone but the two sides', async () => {
    const { milestoneId, disputeId } = await disputed('client', AMOUNT);
    expect((await open(worker, milestoneId, 0)).rejection?.code).toBe('dispute_open');
    const other = await fundedMilestone();
    expect((await open(client, other.milestoneId, 100, { disputeId })).rejection?.code).toBe('duplicate_id');
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const [unpaid] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
    expect((await open(client, unpaid!.id, 100)).rejection?.code).toBe('invalid_state');
    expect((await open(admin, other.milestoneId, 100)).rejection?.code).toBe('forbidden');
    expect((await open(stranger, other.milestoneId, 100)).rejection?.code).toBe('not_found');
    expect(await milestone(other.milestoneId)).toMatchObject({ status: 'funded' });
  });
});

describe('evidence', () => {
  it('takes text, chat messages and the sender’s own attachments from both sides; the other side’s first word is the answer', async () => {
    const { bookingId, disputeId } = await disputed('client', AMOUNT);
    const messageId = uuidv7();
    applied(await run(db.sql, worker, 'message.send', { bookingId, messageId, body: 'I came on Tuesday, nobody opened.' }));
    const attachmentId = uuidv7();
    await insertAttachment(db.sql, { id: attachmentId, disputeId, uploadedBy: worker, name: 'doorbell.txt', contentType: 'text/plain', size: 2, sha256: 'a'.repeat(64), bytes: Buffer.from('hi') });

    // The opener's own evidence is not an answer.
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Nobody came.' }));
    expect((await dispute(disputeId)).respondedAt).toBeNull();
    const answer = uuidv7();
    const at = new Date(Date.now() + 60_000);
    applied(await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: answer, disputeId, text: 'I did.', messageIds: [messageId], attachmentIds: [attachmentId] }, { now: () => at }));
    applied(await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'And again.' }, { now: () => new Date(at.getTime() + 60_000) }));
    applied(await run(db.sql, admin, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Asked both for photos.' }));
    const d = await dispute(disputeId);
    expect(d.respondedAt.getTime()).toBe(at.getTime());
    expect(d.evidence.map((e: { by: string }) => e.by)).toEqual(['client', 'worker', 'worker', 'admin']);
    expect(d.evidence[1]).toMatchObject({ id: answer, actorId: worker, text: 'I did.', messageIds: [messageId], attachmentIds: [attachmentId] });
    const [news] = await db.sql`select user_id from outbox where template = 'dispute.evidence_added' and data->>'evidenceId' = ${answer}`;
    expect(news!.userId).toBe(client);
  });

  it('tells the other side once of several items of evidence added one after another, and a mediator’s apart', async () => {
    const { disputeId } = await disputed('client', AMOUNT);
    // A run that crosses a whole minute of the clock, two items seconds apart around it: still one piece of news.
    const start = Math.ceil(Date.now() / 60_000) * 60_000 - 1_000;
    for (const [i, text] of ['A photo of the leak.', 'The receipt.', 'One more photo.'].entries())
      applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text }, { now: () => new Date(start + i * 3_000) }));
    const news = async () => (await db.sql`select user_id from outbox where template = 'dispute.evidence_added' and data->>'disputeId' = ${disputeId} order by created_at`).map((r) => r.userId);
    expect(await news()).toEqual([worker]);
    // A mediator asks for photos meanwhile: both sides hear of it.
    applied(await run(db.sql, admin, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Send photos of the pipe, please.' }, { now: () => new Date(start + 8_000) }));
    expect((await news()).sort()).toEqual([client, worker, worker].sort());
    // Later, more from the client: news again.
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'And a video.' }, { now: () => new Date(start + 6_000 + EVIDENCE_NEWS_WINDOW_MS) }));
    expect((await news()).filter((u) => u === worker)).toHaveLength(3);
  });

  it('refuses messages of another booking, attachments not the sender’s, a reused evidence id, strangers, and evidence after the decision', async () => {
    const { disputeId } = await disputed('client', AMOUNT);
    const elsewhere = await fundedMilestone();
    const foreignMessage = uuidv7();
    applied(await run(db.sql, client, 'message.send', { bookingId: elsewhere.bookingId, messageId: foreignMessage, body: 'About the other job' }));
    const workersFile = uuidv7();
    await insertAttachment(db.sql, { id: workersFile, disputeId, uploadedBy: worker, name: 'w.txt', contentType: 'text/plain', size: 1, sha256: 'b'.repeat(64), bytes: Buffer.from('w') });
    const evidenceId = uuidv7();
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId, disputeId, text: 'First' }));
    const before = await dispute(disputeId);

    const refusals: [string, CommandInput<'dispute.add_evidence'>, RejectionCode][] = [
      [client, { evidenceId: uuidv7(), disputeId, text: '', messageIds: [foreignMessage] }, 'not_found'],
      [client, { evidenceId: uuidv7(), disputeId, text: 'x', messageIds: [uuidv7()] }, 'not_found'],
      [client, { evidenceId: uuidv7(), disputeId, text: '', attachmentIds: [workersFile] }, 'not_found'],
      [client, { evidenceId, disputeId, text: 'The same id, another command' }, 'duplicate_id'],
      [stranger, { evidenceId: uuidv7(), disputeId, text: 'Me too' }, 'not_found'],
    ];
    for (const [actor, payload, code] of refusals) expect((await run(db.sql, actor, 'dispute.add_evidence', payload)).rejection?.code, JSON.stringify(payload)).toBe(code);
    expect((await dispute(disputeId)).version).toBe(before.version);

    applied(await run(db.sql, worker, 'dispute.accept', { disputeId }));
    expect((await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Late' })).rejection?.code).toBe('invalid_state');
  });
});

describe('evidence bounds', () => {
  const file = (disputeId: string, actor: string, n: number) =>
    run(db.sql, actor, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: `Item ${n}` });

  /**
   * The opener files as much as one side may; the other side's answer still goes in and counts, and the
   * window then waits for a mediator instead of applying the claim.
   */
  async function openerFillsTheirShare(d: { milestoneId: string; disputeId: string }, opener: string, other: string) {
    for (let n = 0; n < MAX_EVIDENCE_PER_SIDE; n++) applied(await file(d.disputeId, opener, n));
    const more = await file(d.disputeId, opener, MAX_EVIDENCE_PER_SIDE);
    expect(more.rejection?.code).toBe('evidence_limit');
    expect(more.rejection?.message).toBe(`You have added ${MAX_EVIDENCE_PER_SIDE} items of evidence to this dispute, the most it takes from one side; what you added counts for the decision.`);
    expect(applied(await run(db.sql, other, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: d.disputeId, text: 'That is not what happened' }))).toMatchObject({ responded: true });
    // …and so does the rest of the other side's share, and a mediator's.
    for (let n = 1; n < MAX_EVIDENCE_PER_SIDE; n++) applied(await file(d.disputeId, other, n));
    applied(await run(db.sql, admin, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: d.disputeId, text: 'Asked both for photos.' }));
    const after = await dispute(d.disputeId);
    expect(after.respondedAt).not.toBeNull();
    expect(after.evidence).toHaveLength(2 * MAX_EVIDENCE_PER_SIDE + 1);
    expect(await closeWindow(db.sql, d.disputeId, `job-${d.disputeId}`, new Date(Date.now() + DISPUTE_RESPONSE_MS + 60_000))).toEqual({ settled: false, why: 'answered' });
    expect(await milestone(d.milestoneId)).toMatchObject({ status: 'disputed' });
    expect(await settlements(d.milestoneId)).toBe(0);
  }

  it('are per side: a client who files all theirs cannot keep the worker from answering', async () => {
    const d = await fundedMilestone({ submitted: true });
    const disputeId = uuidv7();
    applied(await open(client, d.milestoneId, AMOUNT, { disputeId }));
    await openerFillsTheirShare({ ...d, disputeId }, client, worker);
  });

  it('are per side: a worker who opens on work never started and files all theirs cannot keep the client from answering', async () => {
    const payable = () => balance(db.sql, accounts.workerPayable(worker, 'USD').id);
    const before = await payable();
    const d = await disputed('worker', 0);
    await openerFillsTheirShare(d, worker, client);
    expect(await payable()).toBe(before);
  });

  it('give mediators a bound of their own', async () => {
    const { disputeId } = await disputed('client', AMOUNT);
    for (let n = 0; n < MAX_EVIDENCE_PER_SIDE; n++) applied(await file(disputeId, admin, n));
    expect((await file(disputeId, admin, MAX_EVIDENCE_PER_SIDE)).rejection?.code).toBe('evidence_limit');
    applied(await file(disputeId, client, 0));
    applied(await file(disputeId, worker, 0));
  });
});

describe('the other side accepts the claim', () => {
  const cases = [
    { outcome: 'refund_all', opener: 'client', refund: AMOUNT, status: 'refunded', refundJob: true, transferJob: false },
    { outcome: 'release_all', opener: 'worker', refund: 0, status: 'released', refundJob: false, transferJob: true },
    { outcome: 'split', opener: 'client', refund: 3000, status: 'split', refundJob: true, transferJob: true },
    { outcome: 'split', opener: 'worker', refund: 500, status: 'split', refundJob: true, transferJob: true },
  ] as const;
  for (const c of cases)
    it(`${c.outcome} when the ${c.opener} claimed ${c.refund} back: the ledger moves once and the provider jobs follow`, async () => {
      const { bookingId, gigId, milestoneId, disputeId } = await disputed(c.opener, c.refund);
      const acceptor = c.opener === 'client' ? worker : client;
      const out = applied(await run(db.sql, acceptor, 'dispute.accept', { disputeId }));
      expect(out).toMatchObject({ outcome: c.outcome, status: c.status, bookingStatus: 'resolved' });
      expect(await milestone(milestoneId)).toMatchObject({ status: c.status });
      expect(await dispute(disputeId)).toMatchObject({
        status: 'resolved', outcome: c.outcome, resolvedHow: 'accepted', resolvedById: acceptor, refundedAmount: c.refund, releasedAmount: AMOUNT - c.refund,
      });
      expect(await bookingStatus(bookingId)).toBe('resolved');
      expect((await db.sql`select status from gigs where id = ${gigId}`)[0]!.status).toBe('closed');
      await ledgerSettled(milestoneId, c.refund);
      expect(await providerJobs(milestoneId)).toEqual({ refund: c.refundJob, transfer: c.transferJob });
      // One text for the decision, to the side that did not accept, in its own words: the settlement's own
      // released/refunded news is folded into it.
      // All of it one way is said as all of it, not as "$0.00" the other way.
      const texts = await db.sql<{ userId: string; template: string }[]>`
        select user_id, template from outbox where data->>'milestoneId' = ${milestoneId} and (template in ('milestone.released', 'milestone.refunded') or template like 'dispute.resolved%')`;
      const said = c.outcome === 'split' ? '' : `.${c.outcome}`;
      expect(texts).toEqual([c.opener === 'client' ? { userId: client, template: `dispute.resolved.client${said}` } : { userId: worker, template: `dispute.resolved${said}` }]);
    });

  it('is not for the side that opened the dispute, nor for an admin outside the booking', async () => {
    const { milestoneId, disputeId } = await disputed('client', AMOUNT);
    expect((await run(db.sql, client, 'dispute.accept', { disputeId })).rejection?.code).toBe('forbidden');
    expect((await run(db.sql, admin, 'dispute.accept', { disputeId })).rejection?.code).toBe('forbidden');
    expect((await run(db.sql, stranger, 'dispute.accept', { disputeId })).rejection?.code).toBe('not_found');
    expect((await dispute(disputeId)).status).toBe('open');
    expect(await settlements(milestoneId)).toBe(0);
  });
});

describe('an admin decides', () => {
  it('with a written reason, kept in the audit log by the same transaction', async () => {
    const { bookingId, milestoneId, disputeId } = await disputed('worker', 0);
    const reason = 'Photos show half the tiling done.';
    const cmd = uuidv7();
    const out = applied(await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'split', refundAmount: 2500, reason }, { id: cmd }));
    expect(out).toMatchObject({ outcome: 'split', status: 'split', bookingStatus: 'resolved' });
    expect(await dispute(disputeId)).toMatchObject({ resolvedHow: 'admin', resolvedById: admin, resolutionReason: reason, refundedAmount: 2500, releasedAmount: 5500 });
    await ledgerSettled(milestoneId, 2500);
    const audit = await db.sql`select * from admin_audit where subject_id = ${disputeId}`;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      adminId: admin, action: 'dispute.resolve', subjectType: 'dispute', reason,
      details: { outcome: 'split', refunded: 2500, released: 5500, amount: AMOUNT, bookingId, milestoneId, commandId: cmd, claim: { openedBy: 'worker', refundAmount: 0 } },
    });
    const [t] = await db.sql`select timeline from bookings where id = ${bookingId}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'resolve', status: 'resolved', note: reason });
  });

  it('refuses a split that is really all or nothing, non-admins, and an admin who is a party; no audit row, no money', async () => {
    const { milestoneId, disputeId } = await disputed('client', 4000);
    for (const refundAmount of [AMOUNT, AMOUNT + 5])
      expect((await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'split', refundAmount, reason: 'x' })).rejection?.code).toBe('claim_invalid');
    for (const actor of [client, worker])
      expect((await run(db.sql, actor, 'dispute.resolve', { disputeId, outcome: 'refund_all', reason: 'Mine' })).rejection?.code).toBe('forbidden');
    expect((await run(db.sql, stranger, 'dispute.resolve', { disputeId, outcome: 'refund_all', reason: 'x' })).rejection?.code).toBe('not_found');
    // The schema: a reason, and an amount with a split only.
    expect((await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'refund_all', reason: '  ' })).rejection?.code).toBe('invalid_command');
    expect((await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'release_all', refundAmount: 5, reason: 'x' })).rejection?.code).toBe('invalid_command');

    const adminClient = await createUser(db.sql, ['consumer', 'admin']);
    const own = await acceptedBooking(db.sql, adminClient, worker, { funded: true });
    const [m] = await db.sql`select id from milestones where booking_id = ${own.bookingId}`;
    const ownDispute = uuidv7();
    applied(await run(db.sql, worker, 'dispute.open', { disputeId: ownDispute, milestoneId: m!.id, reason: 'Unpaid', refundAmount: 0 }));
    expect((await run(db.sql, adminClient, 'dispute.resolve', { disputeId: ownDispute, outcome: 'refund_all', reason: 'Mine' })).rejection?.code).toBe('forbidden');

    expect(await settlements(milestoneId)).toBe(0);
    expect((await db.sql`select count(*)::int as n from admin_audit where subject_id in ${db.sql([disputeId, ownDispute])}`)[0]!.n).toBe(0);
  });
});

describe('the response window', () => {
  it('lets the claim apply by default when the other side stays silent, once', async () => {
    const { bookingId, milestoneId, disputeId } = await disputed('client', 3000, new Date(Date.now() - 6 * DAY));
    const first = await closeWindow(db.sql, disputeId, 'job-a');
    expect(first).toEqual({ settled: true, outcome: 'split' });
    expect(await dispute(disputeId)).toMatchObject({ status: 'resolved', resolvedHow: 'default', resolvedById: null, refundedAmount: 3000 });
    expect(await bookingStatus(bookingId)).toBe('resolved');
    const [t] = await db.sql`select timeline from milestones where id = ${milestoneId}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'split', by: 'system' });
    await ledgerSettled(milestoneId, 3000);
    // A late or repeated job finds it decided and does nothing.
    expect(await closeWindow(db.sql, disputeId, 'job-b')).toEqual({ settled: false, why: 'decided' });
    await ledgerSettled(milestoneId, 3000);
  });

  it('waits for a mediator once the other side has answered, and both may still add evidence after the window', async () => {
    const { milestoneId, disputeId } = await disputed('worker', 0, new Date(Date.now() - 6 * DAY));
    // Answered on the fourth day of the window.
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'The work is not finished.' }, { now: () => new Date(Date.now() - 2 * DAY) }));
    expect(await closeWindow(db.sql, disputeId, 'job-c')).toEqual({ settled: false, why: 'answered' });
    expect(await dispute(disputeId)).toMatchObject({ status: 'open' });
    expect(await milestone(milestoneId)).toMatchObject({ status: 'disputed' });
    expect(await settlements(milestoneId)).toBe(0);
    for (const actor of [worker, client, admin]) applied(await run(db.sql, actor, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'For the mediator' }));
  });

  it('takes no answer once it has closed in silence, before the job has run: the claim applies by default', async () => {
    // The last moment of the window still counts as an answer…
    const inTime = await disputed('client', 3000, new Date(Date.now() - 6 * DAY));
    const lastMoment = new Date((await dispute(inTime.disputeId)).respondBy.getTime() - 1);
    applied(await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: inTime.disputeId, text: 'Just in time' }, { now: () => lastMoment }));
    expect(await closeWindow(db.sql, inTime.disputeId, 'job-in-time')).toEqual({ settled: false, why: 'answered' });
    // …its end does not, from either side, and nothing is written.
    const { milestoneId, disputeId } = await disputed('client', 3000, new Date(Date.now() - 6 * DAY));
    const before = await dispute(disputeId);
    const { respondBy } = before;
    for (const [actor, at] of [[worker, respondBy], [worker, new Date()], [client, new Date()]] as const) {
      const out = await run(db.sql, actor, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Too late' }, { now: () => at });
      expect(out.rejection?.code).toBe('deadline_passed');
      expect(out.rejection?.message).toMatch(/ran out without an answer/);
    }
    expect(await dispute(disputeId)).toMatchObject({ version: before.version, respondedAt: null, evidence: [] });
    // A mediator's note is taken (for a dispute the window could not settle), and is no answer.
    applied(await run(db.sql, admin, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'Looked at it' }));
    expect(await dispute(disputeId)).toMatchObject({ respondedAt: null });
    expect(await closeWindow(db.sql, disputeId, 'job-late')).toEqual({ settled: true, outcome: 'split' });
    await ledgerSettled(milestoneId, 3000);
  });

  it('does nothing before the window closes, and looks again at the deadline', async () => {
    const { milestoneId, disputeId } = await disputed('client', AMOUNT);
    await db.sql`select graphile_worker.remove_job(${windowKey(disputeId)})`;
    expect(await closeWindow(db.sql, disputeId, 'job-d')).toEqual({ settled: false, why: 'not_due' });
    expect(await settlements(milestoneId)).toBe(0);
    const [window] = await jobs(windowKey(disputeId));
    expect(window!.runAt.getTime()).toBe((await dispute(disputeId)).respondBy.getTime());
  });

  it('closes through the real job runner', async () => {
    const { milestoneId, disputeId } = await disputed('worker', 1000, new Date(Date.now() - 6 * DAY));
    const runner = await startJobRunner({ connectionString: db.url, sql: db.sql, tasks: disputeTasks, concurrency: 1, pollInterval: 50, log: createLogger('silent') });
    try {
      const until = Date.now() + 10_000;
      while ((await dispute(disputeId)).status === 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await runner.stop();
    }
    expect(await dispute(disputeId)).toMatchObject({ status: 'resolved', resolvedHow: 'default' });
    await ledgerSettled(milestoneId, 1000);
  });
});

describe('reminders to the side that has not answered', () => {
  const HOUR = 3_600_000;
  const reminders = async (disputeId: string) =>
    db.sql<{ userId: string; channel: string; data: { hoursLeft: number; respondBy: string } }[]>`
      select user_id, channel, data from outbox where template = 'dispute.response_reminder' and data->>'disputeId' = ${disputeId} order by created_at, dedupe_key`;

  it('are set for 24 h and 2 h before the window closes, and each reaches the silent side once', async () => {
    const { disputeId } = await disputed('client', 3000);
    const { respondBy } = await dispute(disputeId);
    const before = (h: number) => new Date(respondBy.getTime() - h * HOUR);
    expect(DISPUTE_REMINDERS_H).toEqual([24, 2]);
    for (const h of DISPUTE_REMINDERS_H) expect((await jobs(reminderKey(disputeId, h))).map((j) => j.runAt)).toEqual([before(h)]);

    expect(await remindSilentSide(db.sql, disputeId, 24, before(24))).toBe(true);
    await remindSilentSide(db.sql, disputeId, 24, before(23)); // a repeated run
    expect(await reminders(disputeId)).toEqual([{ userId: worker, channel: 'sms', data: expect.objectContaining({ hoursLeft: 24, respondBy: respondBy.toISOString(), refundAmount: 3000 }) }]);
    expect(await remindSilentSide(db.sql, disputeId, 2, before(2))).toBe(true);
    expect((await reminders(disputeId)).map((r) => r.data.hoursLeft)).toEqual([24, 2]);

    // A claim of all of it back is carried as such, for the text to say it as all of it.
    const all = await disputed('client', (await dispute(disputeId)).amount);
    expect(await remindSilentSide(db.sql, all.disputeId, 24, before(24))).toBe(true);
    expect((await reminders(all.disputeId))[0]!.data).toMatchObject({ claimAllBack: (await dispute(all.disputeId)).amount });
    expect((await reminders(all.disputeId))[0]!.data).not.toHaveProperty('refundAmount');
  });

  it('are not sent once the other side has answered, once the dispute is decided, or after the window', async () => {
    const answered = await disputed('worker', 0);
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: answered.disputeId, text: 'Not finished.' }));
    const decided = await disputed('worker', 0);
    applied(await run(db.sql, client, 'dispute.accept', { disputeId: decided.disputeId }));
    const closed = await disputed('worker', 0, new Date(Date.now() - 6 * DAY));
    for (const { disputeId } of [answered, decided, closed]) {
      for (const h of DISPUTE_REMINDERS_H) expect(await remindSilentSide(db.sql, disputeId, h)).toBe(false);
      expect(await reminders(disputeId)).toEqual([]);
    }
  });

  it('run late, through the real job runner, send only the nearer reminder', async () => {
    // Opened so that 1 hour is left: both reminders are overdue, as after the job runner was down.
    const { disputeId } = await disputed('worker', 1000, new Date(Date.now() - DISPUTE_RESPONSE_MS + HOUR));
    const runner = await startJobRunner({ connectionString: db.url, sql: db.sql, tasks: disputeTasks, concurrency: 1, pollInterval: 50, log: createLogger('silent') });
    try {
      const until = Date.now() + 10_000;
      const pending = async () => (await Promise.all(DISPUTE_REMINDERS_H.map((h) => jobs(reminderKey(disputeId, h))))).flat().length;
      while ((await pending()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await pending()).toBe(0);
    } finally {
      await runner.stop();
    }
    expect(await reminders(disputeId)).toEqual([{ userId: client, channel: 'push', data: expect.objectContaining({ hoursLeft: 2 }) }]);
    expect(await dispute(disputeId)).toMatchObject({ status: 'open' });
  });
});

describe('competing decisions', () => {
  it('settle once: an acceptance, an admin decision and the window racing each other', async () => {
    for (let round = 0; round < 4; round++) {
      const { milestoneId, disputeId } = await disputed('client', 3000, new Date(Date.now() - 6 * DAY));
      const [accepted, resolved, windowed] = await Promise.all([
        run(db.sql, worker, 'dispute.accept', { disputeId }),
        run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'refund_all', reason: 'No work was done.' }),
        closeWindow(db.sql, disputeId, `job-race-${round}`),
      ]);
      const winners = [accepted.status === 'applied', resolved.status === 'applied', windowed.settled].filter(Boolean);
      expect(winners).toHaveLength(1);
      for (const o of [accepted, resolved]) if (o.status === 'rejected') expect(o.rejection?.code).toBe('invalid_state');
      const d = await dispute(disputeId);
      expect(await settlements(milestoneId)).toBe(1);
      await ledgerSettled(milestoneId, d.refundedAmount);
      const audits = (await db.sql`select count(*)::int as n from admin_audit where subject_id = ${disputeId}`)[0]!.n;
      expect(audits).toBe(d.resolvedHow === 'admin' ? 1 : 0);
    }
  });
});

describe('a booking of several milestones', () => {
  async function plan(amounts: number[]) {
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const planId = uuidv7();
    const ids = amounts.map(() => uuidv7());
    applied(await run(db.sql, worker, 'milestone.propose', {
      bookingId, planId, milestones: amounts.map((amount, i) => ({ milestoneId: ids[i]!, description: `Part ${i + 1}`, amount: { amount, currency: 'USD' } })),
    }));
    applied(await run(db.sql, client, 'milestone.accept', { bookingId, planId }));
    return { bookingId, ids };
  }

  it('goes back to work when one part’s dispute is decided and others remain, and completes after the last', async () => {
    const { bookingId, ids: [a, b] } = await plan([3000, 5000]);
    await confirmPayment(db.sql, bookingId); // a
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const disputeId = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: a!, reason: 'Wrong parts', refundAmount: 3000 }));
    expect(await bookingStatus(bookingId)).toBe('disputed');
    expect(applied(await run(db.sql, worker, 'dispute.accept', { disputeId }))).toMatchObject({ status: 'refunded', bookingStatus: 'in_progress' });
    expect(await bookingStatus(bookingId)).toBe('in_progress');
    // In a booking of several parts, the news of the dispute names its part.
    const news = await db.sql<{ template: string; data: { part?: string } }[]>`select template, data from outbox where data->>'disputeId' = ${disputeId} order by created_at, template`;
    expect(news.map((n) => [n.template, n.data.part])).toEqual([['dispute.opened', 'Part 1'], ['dispute.resolved.client.refund_all', 'Part 1']]);
    const [t] = await db.sql`select timeline from bookings where id = ${bookingId}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'resolve_part', by: 'system', status: 'in_progress' });

    await confirmPayment(db.sql, bookingId); // b
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b! }));
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: b! }));
    expect(await bookingStatus(bookingId)).toBe('completed');
    const { totals } = await trialBalance(db.sql);
    for (const total of Object.values(totals)) expect(total).toBe(0);
  });

  it('stays disputed while another part is still in dispute, and is resolved with the last', async () => {
    const { bookingId, ids: [a, b] } = await plan([3000, 5000]);
    await confirmPayment(db.sql, bookingId);
    await confirmPayment(db.sql, bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const [da, db_] = [uuidv7(), uuidv7()];
    applied(await run(db.sql, client, 'dispute.open', { disputeId: da, milestoneId: a!, reason: 'Wrong parts', refundAmount: 3000 }));
    applied(await run(db.sql, worker, 'dispute.open', { disputeId: db_, milestoneId: b!, reason: 'Finished, not paid', refundAmount: 0 }));
    expect(applied(await run(db.sql, worker, 'dispute.accept', { disputeId: da }))).toMatchObject({ bookingStatus: 'disputed' });
    expect(await bookingStatus(bookingId)).toBe('disputed');
    expect(applied(await run(db.sql, admin, 'dispute.resolve', { disputeId: db_, outcome: 'release_all', reason: 'Work verified on site' }))).toMatchObject({ bookingStatus: 'resolved' });
    expect(await bookingStatus(bookingId)).toBe('resolved');
    for (const id of [a!, b!]) expect(await balance(db.sql, accounts.escrow(id, 'USD').id)).toBe(0);
  });
  it('lets the other parts carry on during a dispute, and returns to the client’s review when one was submitted meanwhile', async () => {
    const { bookingId, ids: [a, b] } = await plan([3000, 5000]);
    await confirmPayment(db.sql, bookingId);
    await confirmPayment(db.sql, bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const disputeId = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: a!, reason: 'Wrong parts', refundAmount: 1000 }));
    // The worker finishes the other part while the first is argued over; the booking stays disputed.
    expect(applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b! }))).toMatchObject({ status: 'submitted' });
    expect(await bookingStatus(bookingId)).toBe('disputed');
    expect(applied(await run(db.sql, worker, 'dispute.accept', { disputeId }))).toMatchObject({ status: 'split', bookingStatus: 'delivered' });
    const [t] = await db.sql`select timeline from bookings where id = ${bookingId}`;
    expect(t!.timeline.at(-1)).toMatchObject({ event: 'resolve_to_review', by: 'system', status: 'delivered' });
    // …where the client approves it as usual, which completes the booking.
    expect(applied(await run(db.sql, client, 'milestone.approve', { milestoneId: b! }))).toMatchObject({ status: 'released' });
    expect(await bookingStatus(bookingId)).toBe('completed');
    const { totals } = await trialBalance(db.sql);
    for (const total of Object.values(totals)) expect(total).toBe(0);
  });

  it('keeps the booking with the client while two parts submitted during a dispute wait for review, by hand or by the clock', async () => {
    const { bookingId, ids: [a, b, c, d] } = await plan([3000, 3000, 3000, 3000]);
    for (let i = 0; i < 4; i++) await confirmPayment(db.sql, bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const disputeId = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: a!, reason: 'Wrong parts', refundAmount: 1000 }));
    for (const id of [b!, c!]) applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: id }));
    expect(applied(await run(db.sql, worker, 'dispute.accept', { disputeId }))).toMatchObject({ bookingStatus: 'delivered' });

    // One approved, the other still waits: the booking stays delivered, so the client can approve that too.
    expect(applied(await run(db.sql, client, 'milestone.approve', { milestoneId: b! }))).toMatchObject({ status: 'released' });
    expect(await bookingStatus(bookingId)).toBe('delivered');
    // Changes asked for while another part waits count against the rounds and leave the booking with the client…
    const rounds = (await db.sql`select change_rounds from bookings where id = ${bookingId}`)[0]!.changeRounds as number;
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: d! }));
    applied(await run(db.sql, client, 'milestone.request_changes', { milestoneId: d!, reason: 'Paint the trim too' }));
    expect(await bookingStatus(bookingId)).toBe('delivered');
    expect((await db.sql`select change_rounds from bookings where id = ${bookingId}`)[0]!.changeRounds).toBe(rounds + 1);
    // …and the worker can resubmit while the other part is still under review.
    expect(applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: d! }))).toMatchObject({ status: 'submitted' });
    expect(await bookingStatus(bookingId)).toBe('delivered');

    // The approval clock releases a part the client leaves alone, and the booking follows.
    await db.sql`update milestones set auto_approve_at = now() - interval '1 minute', approval_check_at = now() - interval '1 minute' where id = ${c!}`;
    expect(await sweepClocks(db.sql, createDemoRail({ sql: db.sql, publicBaseUrl: 'http://localhost' }), createLogger('silent'))).toMatchObject({ refused: 0 });
    expect((await milestone(c!)).status).toBe('released');
    expect(await bookingStatus(bookingId)).toBe('delivered');
    applied(await run(db.sql, client, 'milestone.approve', { milestoneId: d! }));
    expect(await bookingStatus(bookingId)).toBe('completed');
    const { totals } = await trialBalance(db.sql);
    for (const total of Object.values(totals)) expect(total).toBe(0);
  });

  it('counts changes asked for on another part during a dispute against the booking’s rounds', async () => {
    const { bookingId, ids: [a, b] } = await plan([3000, 5000]);
    await confirmPayment(db.sql, bookingId);
    await confirmPayment(db.sql, bookingId);
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    applied(await run(db.sql, client, 'dispute.open', { disputeId: uuidv7(), milestoneId: a!, reason: 'Wrong parts', refundAmount: 1000 }));
    for (let round = 1; round <= MAX_CHANGE_ROUNDS; round++) {
      applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b! }));
      applied(await run(db.sql, client, 'milestone.request_changes', { milestoneId: b!, reason: `Round ${round}` }));
    }
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b! }));
    expect((await run(db.sql, client, 'milestone.request_changes', { milestoneId: b!, reason: 'Once more' })).rejection?.code).toBe('change_rounds_exhausted');
    const [after] = await db.sql`select status, change_rounds from bookings where id = ${bookingId}`;
    expect(after).toMatchObject({ status: 'disputed', changeRounds: MAX_CHANGE_ROUNDS });
    expect((await milestone(b!)).status).toBe('submitted');
  });
});

describe('the audit log', () => {
  it('is append-only: updates, deletes and truncation raise', async () => {
    const { disputeId } = await disputed('client', AMOUNT);
    applied(await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'refund_all', reason: 'No show' }));
    await expect(db.sql`update admin_audit set reason = 'Rewritten' where subject_id = ${disputeId}`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from admin_audit where subject_id = ${disputeId}`).rejects.toThrow(/append-only/);
    await expect(db.sql`truncate admin_audit`).rejects.toThrow(/append-only/);
    expect((await db.sql`select reason from admin_audit where subject_id = ${disputeId}`)[0]!.reason).toBe('No show');
  });
});
