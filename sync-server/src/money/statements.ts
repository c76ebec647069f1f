// A worker's statement: what each job earned in a period (gross, the platform's fee, net) and where their
// money is now (pending in escrow, available, paid out), per currency. Every figure is read from the ledger:
// earnings are credits to the worker's payable account, available is its balance, paid out its transfer
// postings, pending the escrow accounts of the worker's held milestones, net of the fee their release would
// take (so that all three are what reaches the worker: pending gross beside available net overstated it).
import { HELD_STATES } from '@shared/milestone-machine';
import { CURRENCIES, add, money, splitFee, type CurrencyCode } from '@shared/money';
import type { ReleasedBy, StatementJob, StatementPayout, UnsentPayout, UnsentReason, WorkerStatement } from '@shared/money-api';
import type { ResolvedHow } from '@shared/milestone-machine';
import type { Db, Sql } from '../db/sql';
import { accounts } from '../ledger/accounts';
import { nextPayoutRun } from '../escrow/tasks';
import { transferJobsAlive } from '../escrow/timers';
import { refusedSinceAccountChanged } from '../escrow/transfers';
import { getPayoutAccount, payoutStatus } from '../payouts/accounts';
import { awaitingTransfer } from '../store/milestones';
import { postingIdRange } from '../ledger/invariants';
import type { Period } from './period';
import { perCurrency } from './totals';

const EVERY_CURRENCY = Object.keys(CURRENCIES) as CurrencyCode[];

interface PayableEntry {
  postingId: string;
  kind: string;
  createdAt: Date;
  milestoneId: string | null;
  bookingId: string | null;
  currency: CurrencyCode;
  amount: number;
  fee: number;
  description: string | null;
  title: string | null;
  /** The provider's transfer id, on a payout's entry. */
  transferId: string | null;
  /** How the milestone's dispute ended, if one did (its settlement is then this posting), and whether its review time ran out. */
  resolvedHow: ResolvedHow | null;
  autoApproved: boolean;
}

/** A bank's decision on a chargeback releases nothing to the worker, so it never names a release. */
const RELEASED_BY: Record<Exclude<ResolvedHow, 'bank'>, ReleasedBy> = { accepted: 'dispute_accepted', default: 'dispute_default', admin: 'mediator' };

export async function workerStatement(sql: Sql, workerId: string, period: Period): Promise<WorkerStatement> {
  // The worker's payable account in every currency: ids are known, so the account index finds their entries.
  const payables = EVERY_CURRENCY.map((c) => accounts.workerPayable(workerId, c).id);
  const { lo, hi } = postingIdRange(period.start, period.end);
  // One snapshot: a release committing meanwhile must not show as both pending and available.
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [[worker], entries, payable, held, unsent] = await Promise.all([
      tx<{ name: string; asOf: Date }[]>`select (select display_name from users where id = ${workerId}) as name, now() as as_of`,
      tx<PayableEntry[]>`
        select p.id as posting_id, p.kind, p.created_at, p.milestone_id, p.booking_id, e.currency, e.amount,
               (select coalesce(sum(f.amount), 0) from ledger_entries f join ledger_accounts fa on fa.id = f.account_id
                where f.posting_id = p.id and fa.kind = 'platform_fees')::int8 as fee,
               m.description, g.title, m.transfer_id,
               -- By the booking's disputes (indexed), of which this milestone's: at most one settled it.
               (select d.resolved_how from disputes d where d.booking_id = m.booking_id and d.milestone_id = m.id and d.status = 'resolved'
                order by d.resolved_at desc limit 1) as resolved_how,
               coalesce(m.timeline @> '[{"event": "auto_approve"}]', false) as auto_approved
        from ledger_entries e
        join ledger_postings p on p.id = e.posting_id
        left join milestones m on m.id = p.milestone_id
        left join bookings b on b.id = m.booking_id
        left join gigs g on g.id = b.gig_id
        where e.account_id = any(${payables}) and e.posting_id between ${lo} and ${hi}
          and p.created_at >= ${period.start} and p.created_at < ${period.end}
        order by p.created_at, p.id`,
      tx<{ currency: CurrencyCode; available: number; paidOut: number }[]>`
        select e.currency, sum(e.amount)::int8 as available, coalesce(-sum(e.amount) filter (where p.kind = 'payout'), 0)::int8 as paid_out
        from ledger_entries e join ledger_postings p on p.id = e.posting_id
        where e.account_id = any(${payables})
        group by e.currency`,
      tx<{ id: string; currency: CurrencyCode; feeBps: number }[]>`
        select id, currency, fee_bps from milestones where worker_id = ${workerId} and status = any(${HELD_STATES as string[]}) and not deleted`,
      unsentPayouts(tx, workerId),
    ]);
    const escrows = held.map((m) => accounts.escrow(m.id, m.currency).id);
    const heldBy = await tx<{ accountId: string; amount: number }[]>`
      select account_id, sum(amount)::int8 as amount from ledger_entries where account_id = any(${escrows}) group by account_id`;
    const feeBpsOf = new Map(held.map((m) => [accounts.escrow(m.id, m.currency).id, { feeBps: m.feeBps, currency: m.currency }]));
    // What each held milestone would bring the worker released in full: its escrow less the fee on it.
    const pending = heldBy.map((h) => {
      const { feeBps, currency } = feeBpsOf.get(h.accountId)!;
      return { currency, pending: splitFee(money(h.amount, currency), feeBps).net.amount };
    });

    const jobs: StatementJob[] = [];
    const payouts: StatementPayout[] = [];
    const totals = perCurrency(['gross', 'fee', 'net', 'paidOut'] as const);
    for (const e of entries) {
      if (e.amount > 0) {
        const gross = add(money(e.amount, e.currency), money(e.fee, e.currency)).amount;
        jobs.push({
          postingId: e.postingId, milestoneId: e.milestoneId, bookingId: e.bookingId, title: e.title ?? e.description ?? '', description: e.description ?? '',
          kind: e.kind, releasedBy: e.resolvedHow && e.resolvedHow !== 'bank' ? RELEASED_BY[e.resolvedHow] : e.autoApproved ? 'auto_approved' : 'approved',
          releasedAt: e.createdAt, currency: e.currency, gross, fee: e.fee, net: e.amount,
        });
        totals.add(e.currency, { gross, fee: e.fee, net: e.amount });
      } else if (e.kind === 'payout') {
        payouts.push({
          postingId: e.postingId, paidAt: e.createdAt, milestoneId: e.milestoneId, bookingId: e.bookingId, title: e.title ?? e.description ?? '',
          description: e.description ?? '', currency: e.currency, amount: -e.amount, reference: e.transferId,
        });
        totals.add(e.currency, { paidOut: -e.amount });
      }
    }
    const balances = perCurrency(['pending', 'available', 'paidOut'] as const);
    for (const p of payable) balances.add(p.currency, { available: p.available, paidOut: p.paidOut });
    for (const p of pending) balances.add(p.currency, { pending: p.pending });
    return {
      worker: { id: workerId, name: worker!.name ?? '' },
      from: period.from,
      to: period.to,
      jobs,
      totals: totals.rows().map((t) => ({ ...t, jobs: jobs.filter((j) => j.currency === t.currency).length })),
      payouts,
      balances: { asOf: worker!.asOf, byCurrency: balances.rows() },
      unsent: { items: unsent, nextRunAt: nextPayoutRun(worker!.asOf) },
    };
  });
}

/**
 * The worker's released jobs not yet transferred, each with why, as the payout run and the transfer job would
 * decide (escrow/tasks.ts): without an account that can receive, nothing is sent; a queued or retrying transfer is
 * on its way (one turned down before included, once the worker asked again); one the provider turned down for
 * good waits until the account changes or the worker asks; the rest go with the next run.
 */
async function unsentPayouts(tx: Db, workerId: string): Promise<UnsentPayout[]> {
  const [account, owed] = await Promise.all([getPayoutAccount(tx, workerId), awaitingTransfer(tx, workerId)]);
  const ids = owed.map((m) => m.id);
  const [held, sending] = await Promise.all([refusedSinceAccountChanged(tx, ids), transferJobsAlive(tx, ids)]);
  const reasonOf = (id: string): UnsentReason =>
    payoutStatus(account) !== 'active' ? 'account_needed' : sending.has(id) ? 'sending' : held.has(id) ? 'held' : 'next_run';
  return owed.map((m) => ({
    milestoneId: m.id, bookingId: m.bookingId, title: m.title ?? m.description, description: m.description,
    currency: m.currency, amount: m.net, releasedAt: m.releasedAt, reason: reasonOf(m.id),
  }));
}
