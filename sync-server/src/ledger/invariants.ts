// The ledger's invariants, checked over the whole ledger after the fact. The database holds L1, L3 and L5 as
// postings are written (migration 003); this re-checks them for anything written around it (a superuser, a
// disabled trigger, an account created with the wrong flag), and adds what only the whole picture shows:
// the trial balance, each milestone's escrow against its state and columns, and posting ids that carry
// their time. Reports, benchmarks and model tests call it; it writes nothing.
import { HELD_STATES, type MilestoneState } from '@shared/milestone-machine';
import type { LedgerCheck, LedgerViolation } from '@shared/money-api';
import type { Sql } from '../db/sql';

/**
 * How far a posting's id time may stray from its created_at. The id is a UUIDv7 taken by the server that
 * posts (its clock, during the transaction); created_at is the database's clock at the transaction's start.
 */
export const POSTING_ID_SLACK_MS = 3_600_000;

const uuidAt = (ms: number, fill: '0' | 'f') => {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${fill.repeat(4)}-${fill.repeat(4)}-${fill.repeat(12)}`;
};

/**
 * Posting ids are UUIDv7 (ledger.ts `post`): their first 48 bits are the time in milliseconds, so the primary
 * keys of ledger_postings and ledger_entries (posting_id first) already index the ledger by time. This is the
 * id range, both ends included, holding every posting created in [start, end) give or take
 * POSTING_ID_SLACK_MS; readers still filter on created_at for the exact boundary. The 'posting_id_time'
 * check below flags any posting that would fall outside.
 */
export function postingIdRange(start: Date, end: Date): { lo: string; hi: string } {
  return { lo: uuidAt(start.getTime() - POSTING_ID_SLACK_MS, '0'), hi: uuidAt(end.getTime() + POSTING_ID_SLACK_MS, 'f') };
}

interface EscrowFlow {
  milestoneId: string;
  currency: string;
  balance: number;
  funded: number;
  released: number;
  fee: number;
  refunded: number;
  /** What clients' banks hold of it for chargebacks: taken, less what they gave back. */
  banked: number;
}

interface MilestoneMoneyRow {
  id: string;
  status: MilestoneState;
  bankDisputeId: string | null;
  amount: number;
  currency: string;
  releasedAmount: number;
  refundedAmount: number;
  feeAmount: number;
}

/** Checks everything in one snapshot, so that a posting and the milestone update beside it are seen together. */
export async function checkLedgerInvariants(sql: Sql, opts: { limit?: number } = {}): Promise<LedgerCheck> {
  const limit = opts.limit ?? 100;
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [totals, [postings], [accounts], unbalanced, oneSided, foreign, negative, flagged, badIds, escrows, milestones, banks, fees] = await Promise.all([
      tx<{ currency: string; entries: number; total: number }[]>`
        select currency, count(*)::int8 as entries, sum(amount)::int8 as total from ledger_entries group by currency order by currency`,
      tx<{ n: number }[]>`select count(*)::int8 as n from ledger_postings`,
      tx<{ n: number }[]>`select count(*)::int8 as n from ledger_accounts`,
      tx<{ postingId: string; currency: string; off: number }[]>`
        select posting_id, currency, sum(amount)::int8 as off from ledger_entries
        group by posting_id, currency having sum(amount) <> 0 order by posting_id limit ${limit}`,
      tx<{ postingId: string; entries: number }[]>`
        select p.id as posting_id, count(e.posting_id)::int8 as entries
        from ledger_postings p left join ledger_entries e on e.posting_id = p.id
        group by p.id having count(e.posting_id) < 2 order by p.id limit ${limit}`,
      tx<{ postingId: string; accountId: string; currency: string; accountCurrency: string }[]>`
        select e.posting_id, e.account_id, e.currency, a.currency as account_currency
        from ledger_entries e join ledger_accounts a on a.id = e.account_id
        where e.currency <> a.currency order by e.posting_id limit ${limit}`,
      // By kind as well as by flag: an escrow account created as may-go-negative would slip past the trigger.
      tx<{ accountId: string; kind: string; currency: string; balance: number }[]>`
        select a.id as account_id, a.kind, a.currency, sum(e.amount)::int8 as balance
        from ledger_accounts a join ledger_entries e on e.account_id = a.id
        where not a.may_go_negative or a.kind in ('escrow', 'worker_payable', 'platform_fees')
        group by a.id having sum(e.amount) < 0 order by a.id limit ${limit}`,
      tx<{ accountId: string; kind: string }[]>`
        select id as account_id, kind from ledger_accounts
        where may_go_negative and kind in ('escrow', 'worker_payable', 'platform_fees') order by id limit ${limit}`,
      // The first 48 bits of a UUIDv7 are its time in milliseconds; the version nibble is the 13th hex digit.
      tx<{ postingId: string; createdAt: Date }[]>`
        select id as posting_id, created_at from ledger_postings
        where substr(id::text, 15, 1) <> '7'
           or abs(('x' || translate(substr(id::text, 1, 13), '-', ''))::bit(48)::int8 - (extract(epoch from created_at) * 1000)::int8) > ${POSTING_ID_SLACK_MS}
        order by id limit ${limit}`,
      // Each escrow account (one per milestone and currency) with what came in and where what left it went.
      tx<EscrowFlow[]>`
        with moved as (
          select a.id, sum(x.amount) filter (where xa.kind in ('worker_payable', 'platform_fees')) as released,
                 sum(x.amount) filter (where xa.kind = 'platform_fees') as fee,
                 sum(x.amount) filter (where xa.kind = 'refunds') as refunded
          from ledger_accounts a
          join ledger_entries d on d.account_id = a.id and d.amount < 0
          join ledger_entries x on x.posting_id = d.posting_id and x.amount > 0
          join ledger_accounts xa on xa.id = x.account_id
          where a.kind = 'escrow'
          group by a.id
        ),
        -- Chargebacks: what banks took from the escrow, and what they gave back when they decided for us.
        bank as (
          select e.account_id as id,
                 coalesce(sum(-e.amount) filter (where p.kind = 'chargeback'), 0) as taken,
                 coalesce(sum(e.amount) filter (where p.kind = 'chargeback_reversal'), 0) as returned
          from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
          where p.kind in ('chargeback', 'chargeback_reversal') and a.kind = 'escrow'
          group by e.account_id
        )
        select a.owner_id as milestone_id, a.currency, sum(e.amount)::int8 as balance,
               (coalesce(sum(e.amount) filter (where e.amount > 0), 0) - coalesce(min(b.returned), 0))::int8 as funded,
               coalesce(min(m.released), 0)::int8 as released, coalesce(min(m.fee), 0)::int8 as fee, coalesce(min(m.refunded), 0)::int8 as refunded,
               (coalesce(min(b.taken), 0) - coalesce(min(b.returned), 0))::int8 as banked
        from ledger_accounts a join ledger_entries e on e.account_id = a.id left join moved m on m.id = a.id left join bank b on b.id = a.id
        where a.kind = 'escrow'
        group by a.id`,
      tx<MilestoneMoneyRow[]>`select id, status, bank_dispute_id, amount, currency, released_amount, refunded_amount, fee_amount from milestones`,
      // Each currency's bank accounts against the chargebacks recorded as taken and not given back, and the
      // refunds owed that banks gave clients instead against what those chargebacks took from refunds.
      tx<{ currency: string; banked: number; lost: number; recorded: number; recordedLost: number; fromRefunds: number; refundsTaken: number }[]>`
        with ledger as (
          select a.currency, coalesce(sum(e.amount) filter (where a.kind = 'bank_disputes'), 0) as banked,
                 coalesce(-sum(e.amount) filter (where a.kind = 'platform_losses'), 0) as lost
          from ledger_accounts a join ledger_entries e on e.account_id = a.id
          where a.kind in ('bank_disputes', 'platform_losses') group by a.currency),
        recorded as (
          select currency, sum(from_escrow + from_refund + from_platform) as recorded, sum(from_platform) as recorded_lost, sum(from_refund) as from_refunds
          from bank_disputes where withdrawn_at is not null and reinstated_at is null group by currency),
        taken as (select currency, sum(amount) as refunds_taken from client_refunds where status = 'taken_by_bank' group by currency),
        currencies as (select currency from ledger union select currency from recorded union select currency from taken)
        select c.currency, coalesce(l.banked, 0)::int8 as banked, coalesce(l.lost, 0)::int8 as lost,
               coalesce(r.recorded, 0)::int8 as recorded, coalesce(r.recorded_lost, 0)::int8 as recorded_lost,
               coalesce(r.from_refunds, 0)::int8 as from_refunds, coalesce(t.refunds_taken, 0)::int8 as refunds_taken
        from currencies c left join ledger l on l.currency = c.currency left join recorded r on r.currency = c.currency
        left join taken t on t.currency = c.currency`,
      // The provider's fees recorded (escrow/fees.ts) against what the ledger says the provider kept.
      tx<{ currency: string; kept: number; recorded: number }[]>`
        with recorded as (select currency, sum(amount) as recorded from provider_fees group by currency),
        kept as (
          select a.currency, sum(e.amount) as kept from ledger_accounts a join ledger_entries e on e.account_id = a.id
          where a.kind = 'provider_fees' group by a.currency)
        select coalesce(r.currency, k.currency) as currency, coalesce(k.kept, 0)::int8 as kept, coalesce(r.recorded, 0)::int8 as recorded
        from recorded r full join kept k on k.currency = r.currency`,
    ]);
    const violations: LedgerViolation[] = [
      ...unbalanced.map((u) => ({ invariant: 'posting_balanced' as const, ...u })),
      ...oneSided.map((o) => ({ invariant: 'posting_sides' as const, ...o })),
      ...foreign.map((f) => ({ invariant: 'entry_currency' as const, ...f })),
      ...negative.map((n) => ({ invariant: 'not_negative' as const, ...n })),
      ...flagged.map((f) => ({ invariant: 'account_may_go_negative' as const, ...f })),
      ...totals.filter((t) => t.total !== 0).map((t) => ({ invariant: 'trial_balance' as const, currency: t.currency, total: t.total })),
      ...milestoneViolations(milestones, escrows, limit),
      ...banks
        .filter((b) => b.banked !== b.recorded || b.lost !== b.recordedLost)
        .map((b) => ({ invariant: 'bank_hold' as const, milestoneId: null, currency: b.currency, banked: b.banked, recorded: b.recorded, heldBy: null })),
      ...banks
        .filter((b) => b.fromRefunds !== b.refundsTaken)
        .map((b) => ({ invariant: 'bank_refunds' as const, currency: b.currency, takenFromRefunds: b.fromRefunds, refundsMarked: b.refundsTaken })),
      ...badIds.map((b) => ({ invariant: 'posting_id_time' as const, ...b })),
      ...fees.filter((f) => f.kept !== f.recorded).map((f) => ({ invariant: 'provider_fees' as const, ...f })),
    ];
    return {
      ok: violations.length === 0,
      postings: postings!.n,
      entries: totals.reduce((n, t) => n + t.entries, 0),
      accounts: accounts!.n,
      milestones: milestones.length,
      totals: Object.fromEntries(totals.map((t) => [t.currency, t.total])),
      violations,
    };
  });
}

/**
 * Each milestone against its escrow account. The ledger may hold more refunded than the milestone row:
 * a payment the milestone could not take arrives in its escrow and leaves it at once (escrow/events.ts).
 * Per milestone, released + refunded + what a bank took back <= funded.
 */
function milestoneViolations(milestones: readonly MilestoneMoneyRow[], escrows: readonly EscrowFlow[], limit: number): LedgerViolation[] {
  const key = (id: string, currency: string) => `${id}:${currency}`;
  const flows = new Map(escrows.map((e) => [key(e.milestoneId, e.currency), e]));
  const overdrawn: LedgerViolation[] = [];
  const escrow: LedgerViolation[] = [];
  const columns: LedgerViolation[] = [];
  const none = { balance: 0, funded: 0, released: 0, fee: 0, refunded: 0, banked: 0 };
  for (const m of milestones) {
    const currency = m.currency;
    const f = flows.get(key(m.id, currency)) ?? none;
    flows.delete(key(m.id, currency));
    // A milestone still open holds its amount, less what a bank took back for a chargeback it has not decided.
    const expected = HELD_STATES.includes(m.status) ? m.amount - f.banked : 0;
    if (f.balance !== expected) escrow.push({ invariant: 'milestone_escrow', milestoneId: m.id, status: m.status, currency, expected, balance: f.balance });
    if (f.released + f.refunded + f.banked > f.funded)
      overdrawn.push({ invariant: 'milestone_overdrawn', milestoneId: m.id, currency, funded: f.funded, released: f.released, refunded: f.refunded });
    // Held by a bank exactly while part of its escrow is with that bank.
    if (HELD_STATES.includes(m.status) && (f.banked > 0) !== (m.bankDisputeId !== null))
      escrow.push({ invariant: 'bank_hold', milestoneId: m.id, currency, banked: f.banked, recorded: f.banked, heldBy: m.bankDisputeId });
    if (m.releasedAmount !== f.released) columns.push({ invariant: 'milestone_columns', milestoneId: m.id, field: 'released_amount', milestone: m.releasedAmount, ledger: f.released });
    if (m.feeAmount !== f.fee) columns.push({ invariant: 'milestone_columns', milestoneId: m.id, field: 'fee_amount', milestone: m.feeAmount, ledger: f.fee });
    if (m.refundedAmount > f.refunded) columns.push({ invariant: 'milestone_columns', milestoneId: m.id, field: 'refunded_amount', milestone: m.refundedAmount, ledger: f.refunded });
  }
  // Escrow in another currency than its milestone's (a payment in the wrong currency), or of no milestone: it
  // could only have been returned, so it must be empty.
  for (const f of flows.values()) {
    if (f.balance !== 0) escrow.push({ invariant: 'milestone_escrow', milestoneId: f.milestoneId, status: null, currency: f.currency, expected: 0, balance: f.balance });
    if (f.released + f.refunded + f.banked > f.funded)
      overdrawn.push({ invariant: 'milestone_overdrawn', milestoneId: f.milestoneId, currency: f.currency, funded: f.funded, released: f.released, refunded: f.refunded });
  }
  return [...overdrawn.slice(0, limit), ...escrow.slice(0, limit), ...columns.slice(0, limit)];
}
