// The ledger invariants for tests that move money at random, as one list of violations (empty when
// sound): the ledger's own whole-ledger check (ledger/invariants.ts: postings sum to zero, nothing held
// goes below zero, released + refunded <= funded per milestone, escrow against each milestone's state),
// plus what it leaves to others: a milestone is paid out at most its net, once, with the transfer recorded;
// and, on the demo rail, every funding is a payment the provider holds and the provider never returned or
// transferred more than the ledger did (the product's reconcile() covers the rest, per period).
import type { Sql } from '../src/db/sql';
import { checkLedgerInvariants } from '../src/ledger/invariants';

export async function ledgerViolations(sql: Sql, opts: { provider?: 'demo'; clockMoved?: boolean } = {}): Promise<string[]> {
  const [check, ...extra] = await Promise.all([checkLedgerInvariants(sql), payouts(sql), ...(opts.provider === 'demo' ? [demoRail(sql)] : [])]);
  // A test that moves the server's clock mints posting ids at its time while the database stamps its own.
  const violations = check.violations.filter((v) => !(opts.clockMoved && v.invariant === 'posting_id_time'));
  return [...violations.map((v) => JSON.stringify(v)), ...extra.flat().map((r) => r.v)];
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

/**
 * The ledger against the demo rail's records: every funding is a payment the provider holds, of that amount,
 * for that milestone; the provider never refunded more of a payment than the ledger gave back of it (all of a
 * late one, the settlement's refund of the milestone's own), nor transferred more for a milestone than its net.
 */
function demoRail(sql: Sql) {
  return sql<{ v: string }[]>`
    with payments as (
      select o.id, (o.data->>'amount_received')::int8 as amount, o.data->'metadata'->>'milestoneId' as milestone_id,
             coalesce((select (c.data->>'amount_refunded')::int8 from demo_rail_objects c where c.id = o.data->>'latest_charge'), 0) as refunded
      from demo_rail_objects o where o.kind = 'payment_intent'),
    fundings as (
      select p.dedupe_key, p.milestone_id, e.amount
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.kind = 'funding' and a.kind = 'escrow'),
    given_back as (
      select substr(p.dedupe_key, length('late-refund:') + 1) as payment_id, sum(e.amount) as amount
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.dedupe_key like 'late-refund:%' and a.kind = 'refunds' group by 1
      union all
      select m.payment_intent_id, m.refunded_amount from milestones m where m.payment_intent_id is not null),
    transfers as (
      select o.data->'metadata'->>'milestoneId' as milestone_id, sum((o.data->>'amount')::int8) as amount
      from demo_rail_objects o where o.kind = 'transfer' group by 1)
    select format('funding %s of %s for milestone %s: the provider has %s', f.dedupe_key, f.amount, f.milestone_id,
                  coalesce(p.amount || ' for ' || p.milestone_id, 'no such payment')) as v
    from fundings f left join payments p on 'funding:' || p.id = f.dedupe_key
    where p.id is null or p.amount <> f.amount or p.milestone_id <> f.milestone_id::text
    union all
    select format('payment %s: the provider refunded %s, the ledger gave back %s', p.id, p.refunded, coalesce(sum(g.amount), 0))
    from payments p left join given_back g on g.payment_id = p.id
    group by p.id, p.refunded having p.refunded > coalesce(sum(g.amount), 0)
    union all
    select format('milestone %s: the provider transferred %s of its net %s', t.milestone_id, t.amount, coalesce(m.released_amount - m.fee_amount, 0))
    from transfers t left join milestones m on m.id::text = t.milestone_id
    where m.id is null or t.amount > m.released_amount - m.fee_amount`;
}
