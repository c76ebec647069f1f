// A client's money: the payments they made, the refunds they received, and a receipt per paid milestone.
// Read from the ledger by following the client's money: their funding account gives it to a milestone's
// escrow account, and every posting that later takes money out of that escrow says where it went. Money sent
// back is then the provider's to refund: each refund shows what the provider has made of it (client_refunds).
import { CURRENCIES, money, splitFee, sum, type CurrencyCode } from '@shared/money';
import type { MilestoneState } from '@shared/milestone-machine';
import type { BankReturn, ClientPayment, ClientPayments, ClientRefund, Receipt, RefundProgress } from '@shared/money-api';
import type { Db, Sql } from '../db/sql';
import { refundFor, type ClientRefund as ClientRefundRow } from '../escrow/refunds';
import { accounts } from '../ledger/accounts';
import type { Period } from './period';
import { perCurrency } from './totals';

/** One posting that moved the client's money into or out of a milestone's escrow. */
interface Flow {
  postingId: string;
  /** The posting's dedupe key: a refund owed is recorded under it (client_refunds.cause). */
  cause: string;
  kind: string;
  createdAt: Date;
  milestoneId: string | null;
  bookingId: string | null;
  memo: string;
  currency: CurrencyCode;
  /** What the client paid in (funding postings). */
  paid: number;
  /** What went back to the client. */
  refunded: number;
  /** What was released to the worker (gross), and the platform's fee within it. */
  released: number;
  fee: number;
}

interface MilestoneFacts {
  id: string;
  bookingId: string;
  clientId: string;
  workerId: string;
  clientName: string;
  workerName: string;
  title: string | null;
  description: string;
  status: MilestoneState;
  amount: number;
  currency: CurrencyCode;
  feeBps: number;
  paymentIntentId: string | null;
  chargeId: string | null;
}

const EVERY_CURRENCY = Object.keys(CURRENCIES) as CurrencyCode[];

/**
 * Every posting that moved money through the escrow accounts the client paid into (those of one milestone
 * when `milestoneId` is given), oldest first. In steps that each walk an index with the ids the step before
 * found, so that the cost follows the client's history and not the ledger's size (a join left to the planner
 * would hash whole tables once its estimate reaches a few hundred rows): the escrow accounts the client's
 * funding accounts paid into, the postings on those accounts, then those postings with all their entries.
 */
async function clientFlows(db: Db, clientId: string, milestoneId?: string): Promise<Flow[]> {
  const funding = EVERY_CURRENCY.map((c) => accounts.clientFunding(clientId, c).id);
  const escrows = await db<{ accountId: string; ownerId: string }[]>`
    select distinct x.account_id, xa.owner_id
    from ledger_entries f
    join ledger_entries x on x.posting_id = f.posting_id
    join ledger_accounts xa on xa.id = x.account_id and xa.kind = 'escrow'
    where f.account_id = any(${funding})`;
  const ids = escrows.filter((e) => milestoneId === undefined || e.ownerId === milestoneId).map((e) => e.accountId);
  if (ids.length === 0) return [];
  const postings = (await db<{ postingId: string }[]>`select distinct posting_id from ledger_entries where account_id = any(${ids})`).map((p) => p.postingId);
  return db<Flow[]>`
    select p.id as posting_id, p.dedupe_key as cause, p.kind, p.created_at, p.milestone_id, p.booking_id, p.memo, min(e.currency) as currency,
           coalesce(-sum(e.amount) filter (where a.kind = 'client_funding'), 0)::int8 as paid,
           coalesce(sum(e.amount) filter (where a.kind = 'refunds'), 0)::int8 as refunded,
           coalesce(sum(e.amount) filter (where a.kind in ('worker_payable', 'platform_fees')), 0)::int8 as released,
           coalesce(sum(e.amount) filter (where a.kind = 'platform_fees'), 0)::int8 as fee
    from ledger_postings p
    join ledger_entries e on e.posting_id = p.id
    join ledger_accounts a on a.id = e.account_id
    where p.id = any(${postings}::uuid[]) and e.posting_id = any(${postings}::uuid[])
    group by p.id
    order by p.created_at, p.id`;
}

export function milestoneFacts(db: Db, ids: readonly string[]): Promise<MilestoneFacts[]> {
  return db<MilestoneFacts[]>`
    select m.id, m.booking_id, m.client_id, m.worker_id, c.display_name as client_name, w.display_name as worker_name, g.title,
           m.description, m.status, m.amount, m.currency, m.fee_bps, m.payment_intent_id, m.charge_id
    from milestones m
    join bookings b on b.id = m.booking_id
    left join gigs g on g.id = b.gig_id
    join users c on c.id = m.client_id
    join users w on w.id = m.worker_id
    where m.id = any(${ids as string[]})`;
}

/**
 * The platform's fee on a milestone, which the worker pays out of their share (the client pays the amount
 * and nothing on top): what the ledger took once the milestone was released, the agreed rate while its money
 * is still held, and nothing for one that ended without a release (refunded in full, or cancelled with its
 * late payment sent back): no fee was taken, and a receipt saying otherwise beside the refund misleads.
 */
function workerFee(m: MilestoneFacts, flows: readonly Flow[]): number {
  const taken = flows.filter((f) => f.milestoneId === m.id && f.released > 0);
  if (taken.length > 0) return sum(taken.map((f) => money(f.fee, f.currency)), m.currency).amount;
  if (m.status === 'refunded' || m.status === 'cancelled') return 0;
  return splitFee(money(m.amount, m.currency), m.feeBps).fee.amount;
}

const inPeriod = (at: Date, p: Period) => at >= p.start && at < p.end;

/**
 * What the provider made of each refund among `flows`, by its posting. Every posting that sends money back
 * records its refund owed in the same transaction; one without (a fault, which reconciliation reports as
 * refund_not_sent) has nothing that will ask the provider for it, so it shows as failed: a person must see to it.
 * One the provider took and has not made yet (sent: a pending refund can still fail) is on its way to the
 * client like one not yet asked for, and has no reference until it is made.
 */
async function refundProgress(db: Db, flows: readonly Flow[]): Promise<(f: Flow) => RefundProgress> {
  const causes = flows.filter((f) => f.refunded > 0).map((f) => f.cause);
  const rows = causes.length === 0 ? [] : await db<Pick<ClientRefundRow, 'cause' | 'status' | 'refundId'>[]>`
    select cause, status, refund_id from client_refunds where cause = any(${causes})`;
  const byCause = new Map(rows.map((r) => [r.cause, r]));
  return (f) => {
    const row = byCause.get(f.cause);
    if (!row) return { for: refundFor(f.cause), status: 'failed', reference: null };
    if (row.status === 'succeeded') return { for: refundFor(f.cause), status: 'succeeded', reference: row.refundId };
    const status = row.status === 'sent' ? 'pending' : row.status === 'taken_by_bank' ? 'returned_by_bank' : row.status;
    return { for: refundFor(f.cause), status, reference: null };
  };
}

/**
 * The client's disputes with their banks that took money back (withdrawn in the period, or of one milestone), and
 * how each bank decided: the part taken from escrow or the platform's pocket (the part taken from a refund owed
 * shows on that refund). An inquiry took nothing and is not listed. Each is in the period of its withdrawal, however
 * it ends: decided for Fieldwork, the money came back (reinstated_at) and the client is told the payment stands.
 */
function bankReturns(db: Db, clientId: string, of: { period: Period } | { milestoneId: string }) {
  return db<(Omit<BankReturn, 'title' | 'description' | 'currency'> & { currency: CurrencyCode })[]>`
    select d.id as dispute_id, d.withdrawn_at as at, d.milestone_id, d.booking_id, d.currency, d.from_escrow + d.from_platform as amount,
           case when d.reinstated_at is not null then 'for_fieldwork' when d.status = 'lost' then 'for_client' else 'deciding' end as outcome
    from bank_disputes d join milestones m on m.id = d.milestone_id
    where m.client_id = ${clientId} and d.withdrawn_at is not null and d.from_escrow + d.from_platform > 0
      and ${'period' in of ? db`d.withdrawn_at >= ${of.period.start} and d.withdrawn_at < ${of.period.end}` : db`d.milestone_id = ${of.milestoneId}`}
    order by d.withdrawn_at, d.id`;
}

export async function clientPayments(sql: Sql, clientId: string, period: Period): Promise<ClientPayments> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [flows, byBank] = await Promise.all([clientFlows(tx, clientId), bankReturns(tx, clientId, { period })]);
    const shown = flows.filter((f) => inPeriod(f.createdAt, period) && (f.paid > 0 || f.refunded > 0));
    const milestoneIds = [...new Set([...shown.flatMap((f) => (f.milestoneId ? [f.milestoneId] : [])), ...byBank.map((b) => b.milestoneId)])];
    const [facts, progress] = await Promise.all([
      milestoneFacts(tx, milestoneIds).then((ms) => new Map(ms.map((m) => [m.id, m]))),
      refundProgress(tx, shown),
    ]);
    const about = (milestoneId: string | null) => {
      const m = milestoneId ? facts.get(milestoneId) : undefined;
      return { m, title: m?.title ?? m?.description ?? '', description: m?.description ?? '' };
    };
    const totals = perCurrency(['paid', 'refunded', 'byBank'] as const);
    const payments: ClientPayment[] = [];
    const refunds: ClientRefund[] = [];
    for (const f of shown) {
      const { m, title, description } = about(f.milestoneId);
      if (f.paid > 0) {
        payments.push({
          postingId: f.postingId, paidAt: f.createdAt, milestoneId: f.milestoneId, bookingId: f.bookingId, title, description,
          worker: m ? { id: m.workerId, name: m.workerName } : null, currency: f.currency, amount: f.paid,
          workerFee: m ? workerFee(m, flows) : 0, feeBps: m?.feeBps ?? null, status: m?.status ?? null,
        });
        totals.add(f.currency, { paid: f.paid });
      }
      if (f.refunded > 0) {
        refunds.push({
          postingId: f.postingId, refundedAt: f.createdAt, milestoneId: f.milestoneId, bookingId: f.bookingId, title, description, kind: f.kind,
          currency: f.currency, amount: f.refunded, ...progress(f),
        });
        totals.add(f.currency, { refunded: f.refunded });
      }
    }
    const bankReturned: BankReturn[] = byBank.map((b) => {
      // Decided for Fieldwork, the bank gave the money back: none of it is the client's (its currency still has totals).
      totals.add(b.currency, b.outcome === 'for_fieldwork' ? {} : { byBank: b.amount });
      const { title, description } = about(b.milestoneId);
      return { ...b, title, description };
    });
    return { from: period.from, to: period.to, payments, refunds, bankReturns: bankReturned, totals: totals.rows() };
  });
}

/** The receipt for one of the client's paid milestones; undefined when it is not theirs or was never paid. */
export async function receipt(sql: Sql, clientId: string, milestoneId: string): Promise<Receipt | undefined> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [[m], mine, byBank] = await Promise.all([milestoneFacts(tx, [milestoneId]), clientFlows(tx, clientId, milestoneId), bankReturns(tx, clientId, { milestoneId })]);
    if (!m || m.clientId !== clientId) return undefined;
    const payments = mine.filter((f) => f.paid > 0);
    if (payments.length === 0) return undefined;
    const refunds = mine.filter((f) => f.refunded > 0);
    const progress = await refundProgress(tx, refunds);
    // A payment in another currency than the milestone's is refunded as it arrives; it shows in the lines and refunds only.
    const total = (field: 'paid' | 'released' | 'refunded') =>
      sum(mine.filter((f) => f.currency === m.currency).map((f) => money(f[field], m.currency)), m.currency).amount;
    return {
      milestoneId: m.id,
      bookingId: m.bookingId,
      title: m.title ?? m.description,
      description: m.description,
      status: m.status,
      client: { id: m.clientId, name: m.clientName },
      worker: { id: m.workerId, name: m.workerName },
      currency: m.currency,
      amount: total('paid'),
      paidAt: payments[0]!.createdAt,
      paymentReference: m.paymentIntentId,
      chargeReference: m.chargeId,
      workerFee: workerFee(m, mine),
      feeBps: m.feeBps,
      released: total('released'),
      refunded: total('refunded'),
      refunds: refunds.map((f) => ({ postingId: f.postingId, at: f.createdAt, currency: f.currency, amount: f.refunded, ...progress(f) })),
      bankReturns: byBank.map((b) => ({ disputeId: b.disputeId, at: b.at, currency: b.currency, amount: b.amount, outcome: b.outcome })),
      lines: mine.map((f) => ({ at: f.createdAt, kind: f.kind, currency: f.currency, paid: f.paid, released: f.released, refunded: f.refunded, memo: f.memo })),
    };
  });
}
