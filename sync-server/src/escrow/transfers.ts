// The worker's transfer of a released milestone (migration 010): the provider calls made for it, counted
// before each call, and a refusal (or a job out of attempts) that needs a person. The job acts on it
// (escrow.transfer in tasks.ts); the payout run leaves refused ones alone; reconciliation reports refused and
// overdue transfers.
import type { Db } from '../db/sql';

export interface TransferAttempt {
  /** The provider may have forgotten the key of the first call (Stripe prunes keys after 24 hours). */
  keyMayBeGone: boolean;
  /** The idempotency key of this call. */
  key: string;
}

/** transfer:<milestone>, then a new key after each refusal: the provider answers a key with its first answer. */
const transferKey = (milestoneId: string, refusals: number) => (refusals === 0 ? `transfer:${milestoneId}` : `transfer:${milestoneId}:${refusals}`);

/**
 * Counts one more provider call for a milestone's transfer, before it is made, and says whether the provider
 * may have forgotten the key of the first (23 hours leaves room for clocks and calls in flight).
 */
export async function beginTransferAttempt(db: Db, milestoneId: string): Promise<TransferAttempt> {
  const [row] = await db<{ refusals: number; keyMayBeGone: boolean }[]>`
    insert into milestone_transfers (milestone_id, attempts) values (${milestoneId}, 1)
    on conflict (milestone_id) do update set attempts = milestone_transfers.attempts + 1, updated_at = now()
    returning refusals, first_attempt_at < now() - interval '23 hours' as key_may_be_gone`;
  return { keyMayBeGone: row!.keyMayBeGone, key: transferKey(milestoneId, row!.refusals) };
}

/**
 * The provider refused the transfer: the next call gets a new key, and the error is kept. `forGood` when the
 * account could still receive transfers (the payout run then leaves it until the account changes).
 */
export function transferRefused(db: Db, milestoneId: string, error: string, forGood: boolean) {
  return db`
    update milestone_transfers
    set refusals = refusals + 1, last_error = ${error}, refused_at = case when ${forGood}::boolean then now() end, updated_at = now()
    where milestone_id = ${milestoneId}`;
}

/**
 * The job's last attempt failed on an error no refusal explains (the provider kept answering `permission`, or
 * was down for days): kept for a person like a refusal for good, and left by the payout run until the account
 * changes. The key stays: the failed calls may have made the transfer, and the next call under it (or the
 * look-up once the key may be gone) finds it.
 */
export function transferGaveUp(db: Db, milestoneId: string, error: string) {
  return db`
    insert into milestone_transfers (milestone_id, refused_at, last_error) values (${milestoneId}, now(), ${error})
    on conflict (milestone_id) do update set refused_at = now(), last_error = ${error}, updated_at = now()`;
}

/** The transfer was made (or found): no longer refused. In the transaction that records it on the milestone. */
export function transferMade(db: Db, milestoneId: string) {
  return db`update milestone_transfers set refused_at = null, last_error = null, updated_at = now() where milestone_id = ${milestoneId}`;
}

/**
 * Of `milestoneIds`, those refused for good since their worker's account last changed at the provider (our
 * copy's updated_at moves with every account.updated and every refresh): the payout run does not queue them.
 */
export async function refusedSinceAccountChanged(db: Db, milestoneIds: readonly string[]): Promise<Set<string>> {
  if (milestoneIds.length === 0) return new Set();
  const rows = await db<{ milestoneId: string }[]>`
    select t.milestone_id from milestone_transfers t
    join milestones m on m.id = t.milestone_id join payout_accounts a on a.user_id = m.worker_id
    where t.milestone_id = any(${milestoneIds}::uuid[]) and t.refused_at is not null and a.updated_at <= t.refused_at`;
  return new Set(rows.map((r) => r.milestoneId));
}

export interface StuckTransfer {
  milestoneId: string;
  /** The worker's net, what the transfer owes. */
  net: number;
  currency: string;
  accountId: string | null;
  /** Why it was refused; null for one overdue. */
  lastError: string | null;
}

/** Released money not transferred and refused for good, whatever the day. */
export function refusedTransfers(db: Db) {
  return db<StuckTransfer[]>`
    select m.id as milestone_id, m.released_amount - m.fee_amount as net, m.currency, a.account_id, t.last_error
    from milestone_transfers t join milestones m on m.id = t.milestone_id left join payout_accounts a on a.user_id = m.worker_id
    where t.refused_at is not null and m.transfer_id is null and not m.deleted
    order by t.refused_at`;
}

/**
 * Released money not transferred, and not refused, to an account that could receive it for longer than
 * `graceMs` (since the settlement or the account's last change, whichever is later): its job is failing or
 * lost, or the payout run is not running.
 */
export function overdueTransfers(db: Db, graceMs: number) {
  return db<StuckTransfer[]>`
    select m.id as milestone_id, m.released_amount - m.fee_amount as net, m.currency, a.account_id, null as last_error
    from milestones m join payout_accounts a on a.user_id = m.worker_id and a.transfers_active
    left join milestone_transfers t on t.milestone_id = m.id
    where m.released_amount > 0 and m.transfer_id is null and m.released_amount > m.fee_amount and not m.deleted
      and t.refused_at is null
      and greatest(m.settled_at, a.updated_at) < now() - ${graceMs / 1000} * interval '1 second'
    order by m.settled_at`;
}
