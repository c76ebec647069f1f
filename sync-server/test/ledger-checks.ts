// The issue's ledger invariants for tests that move money at random, as one list of violations (empty when
// sound): the ledger's own whole-ledger check (ledger/invariants.ts: postings sum to zero, nothing held
// goes below zero, released + refunded <= funded per milestone, escrow against each milestone's state),
// plus what it leaves to others: a milestone is paid out at most its net, once, with the transfer recorded;
// and the ledger against the provider's records: every funding is a payment the provider holds, of that
// amount, for that milestone, and the provider never returned or transferred more than the ledger did
// (the product's reconcile() checks the rest, per period, through the provider's API).
import type { Sql } from '../src/db/sql';
import { checkLedgerInvariants } from '../src/ledger/invariants';

/** What the provider holds, however the test reads it (the demo rail's table, the Stripe stand-in's memory). */
export interface ProviderRecords {
  /** Every payment it holds: what it received, for which milestone, and how much of it it has refunded. */
  payments(): Promise<Map<string, { amount: number; milestoneId: string | undefined; refunded: number }>>;
  /** What it has transferred, per milestone. */
  transferred(): Promise<Map<string, number>>;
}

export async function ledgerViolations(sql: Sql, opts: { provider?: ProviderRecords; clockMoved?: boolean } = {}): Promise<string[]> {
  const [check, paidOut, provider] = await Promise.all([checkLedgerInvariants(sql), payouts(sql), opts.provider ? providerViolations(sql, opts.provider) : []]);
  // A test that moves the server's clock mints posting ids at its time while the database stamps its own.
  const violations = check.violations.filter((v) => !(opts.clockMoved && v.invariant === 'posting_id_time'));
  return [...violations.map((v) => JSON.stringify(v)), ...paidOut.map((r) => r.v), ...provider];
}

function payouts(sql: Sql) {
  return sql<{ v: string }[]>`
    with paid_out as (
      select p.milestone_id, sum(e.amount) as amount, count(distinct p.id) as n
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.kind = 'payout' and a.kind = 'payouts' group by p.milestone_id)
    select format('milestone %s: paid out %s in %s postings (net %s, transfer %s)', m.id, o.amount, o.n, m.released_amount - m.fee_amount, coalesce(m.transfer_id, 'none')) as v
    from paid_out o join milestones m on m.id = o.milestone_id
    where o.n > 1 or o.amount > m.released_amount - m.fee_amount or m.transfer_id is null`;
}

async function providerViolations(sql: Sql, provider: ProviderRecords): Promise<string[]> {
  const [fundings, givenBack, nets, payments, transferred] = await Promise.all([
    sql<{ dedupeKey: string; milestoneId: string; amount: number }[]>`
      select p.dedupe_key, p.milestone_id, e.amount
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.kind = 'funding' and a.kind = 'escrow'`,
    // What the ledger returned of each payment: all of a late one, the settlement's refund of the milestone's own.
    sql<{ paymentId: string; amount: number }[]>`
      select substr(p.dedupe_key, length('late-refund:') + 1) as payment_id, e.amount
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.dedupe_key like 'late-refund:%' and a.kind = 'refunds'
      union all
      select payment_intent_id, refunded_amount from milestones where payment_intent_id is not null`,
    sql<{ id: string; net: number }[]>`select id, released_amount - fee_amount as net from milestones`,
    provider.payments(),
    provider.transferred(),
  ]);
  const out: string[] = [];
  for (const f of fundings) {
    const p = payments.get(f.dedupeKey.replace(/^funding:/, ''));
    if (!p || p.amount !== f.amount || p.milestoneId !== f.milestoneId)
      out.push(`funding ${f.dedupeKey} of ${f.amount} for milestone ${f.milestoneId}: the provider has ${p ? `${p.amount} for ${p.milestoneId}` : 'no such payment'}`);
  }
  const back = new Map<string, number>();
  for (const g of givenBack) back.set(g.paymentId, (back.get(g.paymentId) ?? 0) + g.amount);
  for (const [id, p] of payments) if (p.refunded > (back.get(id) ?? 0)) out.push(`payment ${id}: the provider refunded ${p.refunded}, the ledger gave back ${back.get(id) ?? 0}`);
  const net = new Map(nets.map((n) => [n.id, n.net]));
  for (const [m, amount] of transferred) if (amount > (net.get(m) ?? 0)) out.push(`milestone ${m}: the provider transferred ${amount} of its net ${net.get(m) ?? 0}`);
  return out;
}

/** The demo rail's records, read from its table. */
export function demoRailRecords(sql: Sql): ProviderRecords {
  return {
    async payments() {
      const rows = await sql<{ id: string; amount: number; milestoneId: string | null; refunded: number | null }[]>`
        select o.id, (o.data->>'amount_received')::int8 as amount, o.data->'metadata'->>'milestoneId' as milestone_id,
               (c.data->>'amount_refunded')::int8 as refunded
        from demo_rail_objects o left join demo_rail_objects c on c.id = o.data->>'latest_charge'
        where o.kind = 'payment_intent'`;
      return new Map(rows.map((r) => [r.id, { amount: r.amount, milestoneId: r.milestoneId ?? undefined, refunded: r.refunded ?? 0 }]));
    },
    async transferred() {
      const rows = await sql<{ milestoneId: string; amount: number }[]>`
        select data->'metadata'->>'milestoneId' as milestone_id, sum((data->>'amount')::int8)::int8 as amount
        from demo_rail_objects where kind = 'transfer' group by 1`;
      return new Map(rows.map((r) => [r.milestoneId, r.amount]));
    },
  };
}
