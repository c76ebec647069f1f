// The admins' views of the ledger: the settlement report for a period (what came in, went out and stayed,
// per currency, and the refunds owed to clients and the transfers owed to workers that need a person) and the trial balance (every account
// kind's balance, the zero total, the invariants).
import type { Db, Sql } from '../db/sql';
import type { CurrencyCode } from '@shared/money';
import type { SettlementReport, SettlementRow, StuckPayout, StuckRefund, TrialBalance } from '@shared/money-api';
import { unsettledRefunds } from '../escrow/refunds';
import { checkLedgerInvariants, postingIdRange } from '../ledger/invariants';
import { overdueTransfers, refusedTransfers } from '../escrow/transfers';
import { REFUND_GRACE_MS, TRANSFER_GRACE_MS } from '../payouts/reconcile';
import { refundFor } from '../escrow/refunds';
import { milestoneFacts } from './payments';
import type { Period } from './period';
import { perCurrency } from './totals';

export async function settlementReport(sql: Sql, period: Period): Promise<SettlementReport> {
  const { lo, hi } = postingIdRange(period.start, period.end);
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [flows, balances, stuck, stuckTransfers, [clock]] = await Promise.all([
      // Postings are found by id (UUIDv7, see postingIdRange) through the entries' primary key.
      tx<Omit<SettlementRow, 'heldInEscrow' | 'awaitingTransfer'>[]>`
        select e.currency,
               coalesce(-sum(e.amount) filter (where a.kind = 'client_funding'), 0)::int8 as funded,
               coalesce(sum(e.amount) filter (where a.kind in ('worker_payable', 'platform_fees') and p.kind in ('release', 'split')), 0)::int8 as released,
               coalesce(sum(e.amount) filter (where a.kind = 'refunds'), 0)::int8 as refunded,
               coalesce(sum(e.amount) filter (where a.kind = 'platform_fees'), 0)::int8 as fees_earned,
               coalesce(sum(e.amount) filter (where a.kind = 'payouts'), 0)::int8 as transferred,
               coalesce(sum(e.amount) filter (where a.kind = 'bank_disputes'), 0)::int8 as taken_by_banks,
               coalesce(-sum(e.amount) filter (where a.kind = 'platform_losses'), 0)::int8 as chargeback_losses,
               coalesce(sum(e.amount) filter (where a.kind = 'provider_fees'), 0)::int8 as provider_fees
        from ledger_entries e
        join ledger_postings p on p.id = e.posting_id
        join ledger_accounts a on a.id = e.account_id
        where e.posting_id between ${lo} and ${hi} and p.created_at >= ${period.start} and p.created_at < ${period.end}
        group by e.currency`,
      // A balance is every entry up to the end: this reads the ledger from its beginning.
      tx<{ currency: CurrencyCode; heldInEscrow: number; awaitingTransfer: number }[]>`
        select e.currency,
               coalesce(sum(e.amount) filter (where a.kind = 'escrow'), 0)::int8 as held_in_escrow,
               coalesce(sum(e.amount) filter (where a.kind = 'worker_payable'), 0)::int8 as awaiting_transfer
        from ledger_entries e
        join ledger_postings p on p.id = e.posting_id
        join ledger_accounts a on a.id = e.account_id
        where a.kind in ('escrow', 'worker_payable') and e.posting_id <= ${hi} and p.created_at < ${period.end}
        group by e.currency`,
      stuckRefunds(tx),
      stuckPayouts(tx),
      tx<{ now: Date }[]>`select now()`,
    ]);
    const zero = { funded: 0, released: 0, refunded: 0, feesEarned: 0, transferred: 0, takenByBanks: 0, chargebackLosses: 0, providerFees: 0, heldInEscrow: 0, awaitingTransfer: 0 };
    const rows = new Map<CurrencyCode, SettlementRow>();
    for (const f of flows) rows.set(f.currency, { ...zero, ...f });
    for (const b of balances) rows.set(b.currency, { ...zero, ...rows.get(b.currency), ...b });
    return {
      from: period.from,
      to: period.to,
      balancesAt: clock!.now < period.end ? clock!.now : period.end,
      byCurrency: [...rows.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
      stuckRefunds: stuck,
      refundGraceMs: REFUND_GRACE_MS,
      stuckPayouts: stuckTransfers,
      transferGraceMs: TRANSFER_GRACE_MS,
    };
  });
}

/**
 * The refunds owed that reconciliation reports every night, whatever the period asked for: a failed one is not
 * tried again, an overdue one is retrying or lost. Listed with the provider's last error until it is made.
 */
async function stuckRefunds(db: Db): Promise<StuckRefund[]> {
  const owed = await unsettledRefunds(db, REFUND_GRACE_MS);
  if (owed.length === 0) return [];
  const milestones = new Map((await milestoneFacts(db, [...new Set(owed.map((r) => r.milestoneId))])).map((m) => [m.id, m]));
  return owed.map((r) => {
    const m = milestones.get(r.milestoneId)!;
    return {
      id: r.id, for: refundFor(r.cause), status: r.status === 'failed' ? 'failed' : 'pending',
      milestoneId: r.milestoneId, bookingId: m.bookingId, title: m.title ?? m.description, description: m.description,
      paymentIntentId: r.paymentIntentId, currency: r.currency as CurrencyCode, amount: r.amount, attempts: r.attempts, lastError: r.lastError, owedSince: r.createdAt,
    };
  });
}

/** The workers' transfers that reconciliation reports every night, whatever the period asked for, with whose they are. */
async function stuckPayouts(db: Db): Promise<StuckPayout[]> {
  const [refused, overdue] = await Promise.all([refusedTransfers(db), overdueTransfers(db, TRANSFER_GRACE_MS)]);
  const stuck = [...refused.map((t) => ({ ...t, status: 'refused' as const })), ...overdue.map((t) => ({ ...t, status: 'overdue' as const }))];
  if (stuck.length === 0) return [];
  const milestones = new Map((await milestoneFacts(db, stuck.map((t) => t.milestoneId))).map((m) => [m.id, m]));
  return stuck.map((t) => {
    const m = milestones.get(t.milestoneId)!;
    return {
      milestoneId: t.milestoneId, bookingId: m.bookingId, title: m.title ?? m.description, description: m.description,
      worker: { id: m.workerId, name: m.workerName }, currency: t.currency as CurrencyCode, amount: t.net, status: t.status,
      lastError: t.lastError, accountId: t.accountId,
    };
  });
}

export async function trialBalanceReport(sql: Sql): Promise<TrialBalance> {
  const [kinds, invariants] = await Promise.all([
    // Each account's balance first, then per kind: grouping entries by account is one hash pass.
    sql<TrialBalance['accounts']>`
      select a.kind, a.currency, count(*)::int8 as accounts, sum(b.balance)::int8 as balance
      from (select account_id, sum(amount) as balance from ledger_entries group by account_id) b
      join ledger_accounts a on a.id = b.account_id
      group by a.kind, a.currency order by a.kind, a.currency`,
    checkLedgerInvariants(sql),
  ]);
  const totals = perCurrency(['total'] as const);
  for (const k of kinds) totals.add(k.currency, { total: k.balance });
  return { accounts: kinds, totals: totals.rows(), balanced: totals.rows().every((t) => t.total === 0), invariants };
}
