// Postings to the double-entry ledger: the only way money moves (DESIGN, "Money"). A posting is checked
// here for a clear error, and again by the database, which is the real guard (migration 003, L1–L5).
import { v7 as uuidv7 } from 'uuid';
import { sum, isZero, type Money } from '@shared/money';
import type { Db } from '../db/sql';
import type { Account } from './accounts';

export type PostingKind = 'funding' | 'release' | 'refund' | 'split' | 'payout' | 'adjustment' | 'chargeback' | 'chargeback_reversal' | 'provider_fee';

export interface Posting {
  kind: PostingKind;
  /** The cause: a command id or a provider event id. A second posting with the same key has no effect (L4). */
  dedupeKey: string;
  bookingId?: string | null;
  milestoneId?: string | null;
  memo?: string;
  /** Signed amounts: what each account gains (+) or gives up (−). One entry per account. */
  entries: { account: Account; amount: Money }[];
}

export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(
    readonly code: 'unbalanced' | 'empty' | 'duplicate_account' | 'currency_mismatch' | 'would_go_negative',
    message: string,
  ) {
    super(message);
  }
}

export interface PostResult {
  postingId: string;
  /** false when the dedupe key had already been posted: nothing was written. */
  created: boolean;
}

/**
 * Writes one posting inside the caller's transaction (at READ COMMITTED, Postgres's default: the balance
 * check at commit must see postings committed meanwhile). Accounts are created on first use; those the posting
 * debits and that may not go negative are locked in id order (see below).
 */
export async function post(tx: Db, p: Posting): Promise<PostResult> {
  if (p.entries.length < 2) throw new LedgerError('empty', `A posting needs at least two entries; ${p.dedupeKey} has ${p.entries.length}.`);
  const currency = p.entries[0]!.amount.currency;
  const ids = new Set<string>();
  for (const e of p.entries) {
    if (e.amount.currency !== currency || e.account.currency !== currency)
      throw new LedgerError('currency_mismatch', `Posting ${p.dedupeKey} mixes ${currency} with ${e.amount.currency} on ${e.account.id}.`);
    if (ids.has(e.account.id)) throw new LedgerError('duplicate_account', `Posting ${p.dedupeKey} names ${e.account.id} twice.`);
    ids.add(e.account.id);
  }
  const total = sum(p.entries.map((e) => e.amount), currency);
  if (!isZero(total)) throw new LedgerError('unbalanced', `Posting ${p.dedupeKey} does not sum to zero (off by ${total.amount} ${currency}).`);

  const entries = [...p.entries].filter((e) => e.amount.amount !== 0).sort((a, b) => (a.account.id < b.account.id ? -1 : 1));
  const accountRows = entries.map(({ account: a }) => ({ id: a.id, kind: a.kind, currency: a.currency, ownerId: a.ownerId, mayGoNegative: a.mayGoNegative }));
  // Debits of accounts that may not go negative are checked at commit under a lock on the account (L3);
  // taking those locks now, in id order, makes two postings over the same accounts queue instead of
  // deadlocking. Credits cannot go below zero and lock nothing, so the shared fee account is no hot row.
  const guarded = entries.filter((e) => e.amount.amount < 0 && !e.account.mayGoNegative).map((e) => e.account.id);
  const postingId = uuidv7();

  // One round trip: the statements run in order. If the cause was posted before (or by a concurrent
  // transaction, which the insert waits for), the posting insert returns nothing and no entry is written.
  const accounts = [
    tx`insert into ledger_accounts ${tx(accountRows)} on conflict (id) do nothing`.execute(),
    // One account (the usual debit of an escrow) by a plain parameter: an array is planned afresh each time.
    ...(guarded.length === 1 ? [tx`select id from ledger_accounts where id = ${guarded[0]!} for update`.execute()] : []),
    ...(guarded.length > 1 ? [tx`select id from ledger_accounts where id = any(${guarded}) order by id for update`.execute()] : []),
  ];
  const posting = tx<{ id: string }[]>`
      with posting as (
        insert into ledger_postings (id, kind, dedupe_key, booking_id, milestone_id, memo)
        values (${postingId}, ${p.kind}, ${p.dedupeKey}, ${p.bookingId ?? null}, ${p.milestoneId ?? null}, ${p.memo ?? ''})
        on conflict (dedupe_key) do nothing
        returning id),
      entries as (
        insert into ledger_entries (posting_id, account_id, amount, currency)
        select posting.id, e.account_id, e.amount, e.currency
        from posting, jsonb_to_recordset(${tx.json(entries.map((e) => ({ account_id: e.account.id, amount: e.amount.amount, currency })) as never)}) as e(account_id text, amount bigint, currency text))
      select id from posting`.execute();
  const settled = await Promise.allSettled([
    ...accounts,
    posting,
    // The deferred checks run here, so a violation surfaces with its sentence rather than at COMMIT.
    tx`set constraints ledger_entries_balanced, ledger_entries_not_negative immediate`.execute(),
  ]);
  // After a failure Postgres skips the rest of the pipeline (25P02); the first failure says why.
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    const message = (failed.reason as Error).message;
    if (/below zero/.test(message)) throw new LedgerError('would_go_negative', message);
    throw failed.reason;
  }
  if ((await posting).length === 0) {
    const [winner] = await tx<{ id: string }[]>`select id from ledger_postings where dedupe_key = ${p.dedupeKey}`;
    return { postingId: winner!.id, created: false };
  }
  return { postingId, created: true };
}

/** An account's balance in minor units, derived from its entries. */
export async function balance(db: Db, accountId: string): Promise<number> {
  const [row] = await db<{ balance: number }[]>`select coalesce(sum(amount), 0)::int8 as balance from ledger_entries where account_id = ${accountId}`;
  return row!.balance;
}

/** Every account's balance, and per currency the total, which double entry keeps at zero. */
export async function trialBalance(db: Db): Promise<{ accounts: { id: string; kind: string; currency: string; balance: number }[]; totals: Record<string, number> }> {
  const accounts = await db<{ id: string; kind: string; currency: string; balance: number }[]>`
    select a.id, a.kind, a.currency, coalesce(sum(e.amount), 0)::int8 as balance
    from ledger_accounts a left join ledger_entries e on e.account_id = a.id
    group by a.id order by a.kind, a.id`;
  const totals: Record<string, number> = {};
  for (const a of accounts) totals[a.currency] = (totals[a.currency] ?? 0) + a.balance;
  return { accounts, totals };
}
