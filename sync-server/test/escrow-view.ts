// The database as the escrow model sees it: bookings, milestones (status, money, timeline, clocks), every
// ledger posting of the run by milestone, what each party holds according to the ledger's accounts, and the
// provider's refunds and transfers. The same shape is derived from the model, and the two must be equal.
import type { Sql } from '../src/db/sql';
import { accounts } from '../src/ledger/accounts';
import type { ModelState } from './escrow-model';
import { demoRailRecords } from './ledger-checks';

export interface View {
  bookings: Record<string, { status: string; changeRounds: number; amount: number }>;
  milestones: Record<string, {
    status: string; amount: number; events: string[]; paymentIntentId: string | null; paymentExpiresAt: number | null;
    autoApproveAt: number | null; approvalCheckAt: number | null; checkout: boolean; released: number; refunded: number; fee: number; changeRounds: number;
    transferred: boolean; refundIssued: boolean;
  }>;
  disputes: Record<string, {
    milestoneId: string; openedBy: string; claim: number; status: string; respondBy: number; responded: boolean; evidence: number;
    outcome: string | null; how: string | null; refunded: number | null;
  }>;
  /** Per milestone, each posting as `kind account=amount …`, sorted. */
  postings: Record<string, string[]>;
  /** `key @ run_at`, sorted. */
  jobs: string[];
  holdings: {
    clientPaid: Record<string, number>;
    clientRefunded: Record<string, number>;
    workerPayable: Record<string, number>;
    workerPaidOut: Record<string, number>;
    fees: number;
    held: Record<string, number>;
  };
  /** What the provider refunded of each payment, and transferred for each milestone. */
  provider: { refunded: Record<string, number>; transferred: Record<string, number> };
}

const postingLine = (kind: string, entries: Record<string, number>) =>
  `${kind} ${Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, n]) => `${a}=${n}`).join(' ')}`;
const add = (r: Record<string, number>, k: string, n: number) => void (r[k] = (r[k] ?? 0) + n);
const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The view the model expects. */
export function expectedView(s: ModelState, opts: { provider: boolean; jobs: boolean }): View {
  const postings: Record<string, string[]> = {};
  for (const p of s.postings) (postings[p.milestoneId] ??= []).push(postingLine(p.kind, p.entries));
  for (const list of Object.values(postings)) list.sort();
  const h = s.holdings;
  const workerPayable: Record<string, number> = {};
  for (const [w, n] of Object.entries(h.workerEarned)) add(workerPayable, w, n - (h.workerPaidOut[w] ?? 0));
  const refunded: Record<string, number> = {};
  for (const p of Object.values(s.payments)) add(refunded, p.id, p.providerRefunded);
  const transferred: Record<string, number> = {};
  for (const m of Object.values(s.milestones)) if (m.transferred) transferred[m.id] = m.released - m.fee;
  return {
    bookings: Object.fromEntries(s.bookings.map((b) => [b.id, { status: b.status, changeRounds: b.changeRounds, amount: b.amount }])),
    milestones: Object.fromEntries(
      Object.values(s.milestones).map((m) => [m.id, {
        status: m.status, amount: m.amount, events: m.events, paymentIntentId: m.paymentIntentId, paymentExpiresAt: m.paymentExpiresAt,
        autoApproveAt: m.autoApproveAt, approvalCheckAt: m.approvalCheckAt, checkout: m.checkout, released: m.released, refunded: m.refunded, fee: m.fee, changeRounds: m.changeRounds,
        transferred: m.transferred, refundIssued: m.refundIssued,
      }]),
    ),
    disputes: Object.fromEntries(
      Object.values(s.disputes).map((d) => [d.id, {
        milestoneId: d.milestoneId, openedBy: d.openedBy, claim: d.claim, status: d.status, respondBy: d.respondBy, responded: d.responded,
        evidence: d.evidence, outcome: d.outcome, how: d.how, refunded: d.refunded,
      }]),
    ),
    postings,
    jobs: opts.jobs ? Object.values(s.jobs).map((j) => `${j.key} @ ${new Date(j.runAt).toISOString()}`).sort() : [],
    holdings: {
      clientPaid: nonZero(h.clientPaid), clientRefunded: nonZero(h.clientRefunded), workerPayable: nonZero(workerPayable),
      workerPaidOut: nonZero(h.workerPaidOut), fees: h.fees, held: nonZero(h.held),
    },
    provider: opts.provider ? { refunded: nonZero(refunded), transferred: nonZero(transferred) } : { refunded: {}, transferred: {} },
  };
}

interface MilestoneRow {
  id: string; bookingId: string; clientId: string; workerId: string; status: string; amount: number; events: string[]; paymentIntentId: string | null;
  paymentExpiresAt: Date | null; autoApproveAt: Date | null; approvalCheckAt: Date | null; checkout: boolean; releasedAmount: number; refundedAmount: number; feeAmount: number;
  changeRounds: number; transferred: boolean; refundIssued: boolean;
}

/** The same view read from the database, for the model's bookings and the people in them. */
export async function observedView(sql: Sql, s: ModelState, opts: { provider: 'demo' | null; jobs: boolean }): Promise<View> {
  const bookingIds = s.bookings.map((b) => b.id);
  const clients = [...new Set(s.bookings.map((b) => b.client))];
  const workers = [...new Set(s.bookings.map((b) => b.worker))];
  const [bookings, milestones, disputes, entries, jobs] = await Promise.all([
    sql<{ id: string; status: string; changeRounds: number; amount: number }[]>`
      select id, status, change_rounds, amount from bookings where id = any(${bookingIds}::uuid[])`,
    sql<MilestoneRow[]>`
      select id, booking_id, client_id, worker_id, status, amount, payment_intent_id, payment_expires_at, auto_approve_at, approval_check_at, checkout_url is not null as checkout,
             released_amount, refunded_amount, fee_amount, change_rounds, transfer_id is not null as transferred, refund_id is not null as refund_issued,
             (select coalesce(jsonb_agg(e->>'event'), '[]') from jsonb_array_elements(timeline) e) as events
      from milestones where booking_id = any(${bookingIds}::uuid[])`,
    sql<{ id: string; milestoneId: string; openedBy: string; refundAmount: number; status: string; respondBy: Date; responded: boolean; evidence: number; outcome: string | null; resolvedHow: string | null; refundedAmount: number | null }[]>`
      select id, milestone_id, opened_by, refund_amount, status, respond_by, responded_at is not null as responded, jsonb_array_length(evidence) as evidence,
             outcome, resolved_how, refunded_amount
      from disputes where booking_id = any(${bookingIds}::uuid[])`,
    // Every posting about these bookings, and every other one touching their people's accounts.
    sql<{ postingId: string; kind: string; milestoneId: string | null; accountId: string; accountKind: string; amount: number }[]>`
      select p.id as posting_id, p.kind, p.milestone_id, e.account_id, a.kind as account_kind, e.amount
      from ledger_postings p join ledger_entries e on e.posting_id = p.id join ledger_accounts a on a.id = e.account_id
      where p.booking_id = any(${bookingIds}::uuid[])
         or p.id in (select posting_id from ledger_entries where account_id = any(${[
           ...clients.map((c) => accounts.clientFunding(c, 'USD').id),
           ...workers.map((w) => accounts.workerPayable(w, 'USD').id),
           ...Object.keys(s.milestones).map((m) => accounts.escrow(m, 'USD').id),
         ]}))`,
    opts.jobs
      ? sql<{ key: string; runAt: Date }[]>`
          select key, run_at from graphile_worker._private_jobs
          where (payload->>'milestoneId' = any(${Object.keys(s.milestones)})
                 or payload->>'disputeId' in (select id::text from disputes where booking_id = any(${bookingIds}::uuid[]))
                 or payload->>'refundId' in (select id::text from client_refunds where milestone_id = any(${Object.keys(s.milestones)}::uuid[])))
            and attempts < max_attempts`
      : Promise.resolve([]),
  ]);
  const ms = new Map(milestones.map((m) => [m.id, m]));
  const postings: Record<string, string[]> = {};
  const byPosting = new Map<string, { kind: string; milestoneId: string; entries: Record<string, number> }>();
  const h: View['holdings'] = { clientPaid: {}, clientRefunded: {}, workerPayable: {}, workerPaidOut: {}, fees: 0, held: {} };
  for (const e of entries) {
    const p = byPosting.get(e.postingId) ?? { kind: e.kind, milestoneId: e.milestoneId ?? '(none)', entries: {} };
    p.entries[e.accountId] = e.amount;
    byPosting.set(e.postingId, p);
    const m = e.milestoneId ? ms.get(e.milestoneId) : undefined;
    if (e.accountKind === 'client_funding') add(h.clientPaid, e.accountId, -e.amount);
    if (e.accountKind === 'worker_payable') add(h.workerPayable, e.accountId, e.amount);
    if (e.accountKind === 'escrow') add(h.held, e.accountId, e.amount);
    if (e.accountKind === 'refunds') add(h.clientRefunded, m?.clientId ?? `(posting ${e.postingId})`, e.amount);
    if (e.accountKind === 'payouts') add(h.workerPaidOut, m?.workerId ?? `(posting ${e.postingId})`, e.amount);
    if (e.accountKind === 'platform_fees') h.fees += e.amount;
  }
  for (const p of byPosting.values()) (postings[p.milestoneId] ??= []).push(postingLine(p.kind, p.entries));
  for (const list of Object.values(postings)) list.sort();
  // Account ids back to their owners, as the model keeps them.
  const owners = (r: Record<string, number>, ids: string[], account: (id: string) => string) =>
    Object.fromEntries(ids.map((id) => [id, r[account(id)] ?? 0]));
  const provider = opts.provider === 'demo' ? await demoRailView(sql, s) : { refunded: {}, transferred: {} };
  return {
    bookings: Object.fromEntries(bookings.map((b) => [b.id, { status: b.status, changeRounds: b.changeRounds, amount: b.amount }])),
    milestones: Object.fromEntries(
      milestones.map((m) => [m.id, {
        status: m.status, amount: m.amount, events: m.events, paymentIntentId: m.paymentIntentId, paymentExpiresAt: m.paymentExpiresAt?.getTime() ?? null,
        autoApproveAt: m.autoApproveAt?.getTime() ?? null, approvalCheckAt: m.approvalCheckAt?.getTime() ?? null, checkout: m.checkout, released: m.releasedAmount, refunded: m.refundedAmount, fee: m.feeAmount,
        changeRounds: m.changeRounds, transferred: m.transferred, refundIssued: m.refundIssued,
      }]),
    ),
    disputes: Object.fromEntries(
      disputes.map((d) => [d.id, {
        milestoneId: d.milestoneId, openedBy: d.openedBy, claim: d.refundAmount, status: d.status, respondBy: d.respondBy.getTime(), responded: d.responded,
        evidence: d.evidence, outcome: d.outcome, how: d.resolvedHow, refunded: d.refundedAmount,
      }]),
    ),
    postings,
    jobs: jobs.map((j) => `${j.key} @ ${j.runAt.toISOString()}`).sort(),
    holdings: {
      clientPaid: nonZero(owners(h.clientPaid, clients, (c) => accounts.clientFunding(c, 'USD').id)),
      clientRefunded: nonZero(h.clientRefunded),
      workerPayable: nonZero(owners(h.workerPayable, workers, (w) => accounts.workerPayable(w, 'USD').id)),
      workerPaidOut: nonZero(h.workerPaidOut),
      fees: h.fees,
      held: nonZero(Object.fromEntries(Object.keys(s.milestones).map((id) => [id, h.held[accounts.escrow(id, 'USD').id] ?? 0]))),
    },
    provider,
  };
}

async function demoRailView(sql: Sql, s: ModelState): Promise<View['provider']> {
  const rail = demoRailRecords(sql);
  const [payments, transferred] = await Promise.all([rail.payments(), rail.transferred()]);
  return {
    refunded: nonZero(Object.fromEntries(Object.keys(s.payments).map((id) => [id, payments.get(id)?.refunded ?? 0]))),
    transferred: nonZero(Object.fromEntries(Object.keys(s.milestones).map((id) => [id, transferred.get(id) ?? 0]))),
  };
}

/**
 * The view without what a test cannot predict: the exact times the server's clock put on payment windows
 * and approval deadlines (when the clock is not the test's), and whether the provider's refund has been
 * made yet (when the server's own job runner makes it, whenever it gets to it).
 */
export function withoutTimes(v: View, opts: { times: boolean; refundIds: boolean }): View {
  const milestones = Object.fromEntries(
    Object.entries(v.milestones).map(([id, m]) => [id, {
      ...m,
      ...(opts.times ? {} : { paymentExpiresAt: m.paymentExpiresAt === null ? null : 0, autoApproveAt: m.autoApproveAt === null ? null : 0, approvalCheckAt: m.approvalCheckAt === null ? null : 0 }),
      ...(opts.refundIds ? {} : { refundIssued: false }),
    }]),
  );
  const disputes = Object.fromEntries(Object.entries(v.disputes).map(([id, d]) => [id, { ...d, ...(opts.times ? {} : { respondBy: 0 }) }]));
  return { ...v, milestones, disputes };
}

/** The differences between two views, one line each, by path. */
export function viewDiff(expected: unknown, got: unknown, path = ''): string[] {
  if (typeof expected === 'object' && expected !== null && typeof got === 'object' && got !== null && !Array.isArray(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])];
    return keys.flatMap((k) => viewDiff((expected as Record<string, unknown>)[k], (got as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(expected) === JSON.stringify(got) ? [] : [`${path}: model ${JSON.stringify(expected)}, database ${JSON.stringify(got)}`];
}
