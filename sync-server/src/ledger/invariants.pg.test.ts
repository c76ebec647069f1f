// checkLedgerInvariants: clean over money moved the real way, and loud about a ledger damaged around post()
// and the database's own guards. This file's database is spoiled on purpose (the ledger is append-only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v4 as uuidv4 } from 'uuid';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { createTestDb, type TestDb } from '../../test/db';
import { confirmPayment as confirmMilestonePayment } from '../escrow/events';
import { transaction } from '../db/tx';
import { accounts } from './accounts';
import { post } from './ledger';
import { checkLedgerInvariants, postingIdRange } from './invariants';

let db: TestDb;
let client: string;
let worker: string;

beforeAll(async () => {
  db = await createTestDb();
  client = await createUser(db.sql);
  worker = await createOperator(db.sql);
});
afterAll(() => db.drop());

const milestoneOf = async (bookingId: string) => (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`)[0]!.id;

/** A posting written straight into the tables, as a script or a careless migration might. */
async function rawPosting(entries: { accountId: string; amount: number }[], opts: { id?: string; unbalanced?: boolean } = {}) {
  const id = opts.id ?? uuidv7();
  await db.sql.begin(async (tx) => {
    // The table's owner may switch off the zero-sum check (L1) for a moment; this is what the check is for.
    if (opts.unbalanced) await tx`alter table ledger_entries disable trigger ledger_entries_balanced`;
    await tx`insert into ledger_postings (id, kind, dedupe_key) values (${id}, 'adjustment', ${`raw:${id}`})`;
    for (const e of entries) await tx`insert into ledger_entries (posting_id, account_id, amount, currency) values (${id}, ${e.accountId}, ${e.amount}, 'USD')`;
    if (opts.unbalanced) {
      await tx`set constraints all immediate`; // the other deferred checks run now, so the table can be altered back
      await tx`alter table ledger_entries enable trigger ledger_entries_balanced`;
    }
  });
  return id;
}

describe('checkLedgerInvariants', () => {
  it('finds nothing wrong after releases, refunds and a payment that came too late', async () => {
    const released = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, worker, 'booking.start', { bookingId: released.bookingId }));
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId: released.bookingId }));
    applied(await run(db.sql, client, 'booking.approve', { bookingId: released.bookingId }));
    const cancelled = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: cancelled.bookingId }));
    const late = await acceptedBooking(db.sql, client, worker);
    const lateMilestone = await milestoneOf(late.bookingId);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: late.bookingId }));
    const payment = { milestoneId: lateMilestone, paymentIntentId: `pi_late_${lateMilestone}`, chargeId: null, amount: 8000, currency: 'USD' };
    expect(await confirmMilestonePayment(db.sql, payment, 'evt_late')).toBe('refunded_late');
    const held = await acceptedBooking(db.sql, client, worker);
    expect(await confirmPayment(db.sql, held.bookingId)).toBe('funded');

    const check = await checkLedgerInvariants(db.sql);
    expect(check).toMatchObject({ ok: true, violations: [], totals: { USD: 0 }, milestones: 4 });
    // funding + release, funding + refund, late funding + late refund, funding.
    expect(check.postings).toBe(7);
    expect(check.entries).toBe(2 + 3 + 2 + 2 + 2 + 2 + 2);
  });

  it('reports a damaged ledger, each kind of damage under its invariant', async () => {
    const held = await acceptedBooking(db.sql, client, worker, { funded: true });
    const heldMilestone = await milestoneOf(held.bookingId);

    // L1 switched off: one entry with nothing to balance it.
    const unbalanced = await rawPosting([{ accountId: accounts.platformFees('USD').id, amount: 50 }], { unbalanced: true });
    // Balanced, and allowed by the database (the escrow keeps 7000 ≥ 0): money out of a held milestone's escrow.
    await rawPosting([{ accountId: accounts.escrow(heldMilestone, 'USD').id, amount: -1000 }, { accountId: accounts.refunds('USD').id, amount: 1000 }]);
    // An escrow account created as one that may go negative slips past L3 at write time, then is overdrawn.
    const ghost = uuidv7();
    const escrow = accounts.escrow(ghost, 'USD');
    await db.sql`insert into ledger_accounts (id, kind, currency, owner_id, may_go_negative) values (${escrow.id}, 'escrow', 'USD', ${ghost}, true)`;
    await transaction(db.sql, (tx) =>
      post(tx, { kind: 'adjustment', dedupeKey: `overdraw:${ghost}`, entries: [{ account: { ...escrow, mayGoNegative: true }, amount: { amount: -700, currency: 'USD' } }, { account: accounts.refunds('USD'), amount: { amount: 700, currency: 'USD' } }] }),
    );
    // A posting whose id is no UUIDv7: reports reading postings by time through their ids would miss it.
    const v4 = uuidv4();
    await rawPosting([{ accountId: accounts.refunds('USD').id, amount: 1 }, { accountId: accounts.clientFunding(client, 'USD').id, amount: -1 }], { id: v4 });

    const check = await checkLedgerInvariants(db.sql);
    expect(check.ok).toBe(false);
    expect(check.totals.USD).toBe(50);
    expect(check.violations).toEqual(
      expect.arrayContaining([
        { invariant: 'posting_balanced', postingId: unbalanced, currency: 'USD', off: 50 },
        { invariant: 'posting_sides', postingId: unbalanced, entries: 1 },
        { invariant: 'trial_balance', currency: 'USD', total: 50 },
        { invariant: 'milestone_escrow', milestoneId: heldMilestone, status: 'funded', currency: 'USD', expected: 8000, balance: 7000 },
        { invariant: 'not_negative', accountId: escrow.id, kind: 'escrow', currency: 'USD', balance: -700 },
        { invariant: 'account_may_go_negative', accountId: escrow.id, kind: 'escrow' },
        { invariant: 'milestone_overdrawn', milestoneId: ghost, currency: 'USD', funded: 0, released: 0, refunded: 700 },
        { invariant: 'milestone_escrow', milestoneId: ghost, status: null, currency: 'USD', expected: 0, balance: -700 },
        expect.objectContaining({ invariant: 'posting_id_time', postingId: v4 }),
      ]),
    );
    expect(check.violations).toHaveLength(9);
  });
});

describe('postingIdRange', () => {
  it('brackets the ids of postings made in the period, with slack for the clocks', () => {
    const start = new Date('2026-03-01T00:00:00Z');
    const end = new Date('2026-04-01T00:00:00Z');
    const { lo, hi } = postingIdRange(start, end);
    const at = (ms: number) => uuidv7({ msecs: ms });
    expect(at(start.getTime()) >= lo && at(start.getTime()) <= hi).toBe(true);
    expect(at(end.getTime() - 1) <= hi).toBe(true);
    // Outside by more than the hour of slack.
    expect(at(start.getTime() - 2 * 3_600_000) < lo).toBe(true);
    expect(at(end.getTime() + 2 * 3_600_000) > hi).toBe(true);
  });
});
