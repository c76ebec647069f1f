// Workers' connected accounts at the payment provider (payout_accounts, migration 004): where released
// money is transferred. Our row is a copy of the provider's account state, refreshed when the worker comes
// back from onboarding, when the provider says the account changed (account.updated), and when a transfer
// is refused; the provider's record decides.
import type { PayoutStatus } from '@shared/money-api';
import type { Db, Sql } from '../db/sql';
import { PaymentProviderError, type PaymentEvent, type PaymentProvider } from '../payments/provider';

export interface PayoutAccountRow {
  userId: string;
  provider: string;
  accountId: string;
  transfersActive: boolean;
  detailsSubmitted: boolean;
  updatedAt: Date;
}

export const payoutStatus = (a: Pick<PayoutAccountRow, 'transfersActive'> | undefined): PayoutStatus =>
  !a ? 'none' : a.transfersActive ? 'active' : 'pending';

export async function getPayoutAccount(db: Db, userId: string): Promise<PayoutAccountRow | undefined> {
  const [row] = await db<PayoutAccountRow[]>`
    select user_id, provider, account_id, transfers_active, details_submitted, updated_at from payout_accounts where user_id = ${userId}`;
  return row;
}

/**
 * Records the account the provider made for a worker. A worker has one: if a concurrent request recorded
 * another first, that one stands and is returned.
 */
export async function recordPayoutAccount(db: Db, a: { userId: string; provider: string; accountId: string }): Promise<PayoutAccountRow> {
  await db`
    insert into payout_accounts (user_id, provider, account_id) values (${a.userId}, ${a.provider}, ${a.accountId})
    on conflict (user_id) do nothing`;
  return (await getPayoutAccount(db, a.userId))!;
}

/** The provider's current state of an account, copied onto our row; undefined when the account is not ours. */
export async function refreshPayoutAccount(sql: Sql, provider: PaymentProvider, accountId: string): Promise<PayoutAccountRow | undefined> {
  const account = await provider.retrieveAccount(accountId);
  const [row] = await sql<PayoutAccountRow[]>`
    update payout_accounts
    set transfers_active = ${account.transfersActive}, details_submitted = ${account.detailsSubmitted}, updated_at = now()
    where account_id = ${account.id}
    returning user_id, provider, account_id, transfers_active, details_submitted, updated_at`;
  return row;
}

/**
 * account.updated: the event says which account changed; what it says about it may be stale (events come
 * late and out of order), so the account is read again from the provider. Returns the outcome recorded
 * on the event.
 */
export async function accountUpdated(sql: Sql, provider: PaymentProvider, event: PaymentEvent): Promise<string> {
  const accountId = event.data.object.id;
  if (typeof accountId !== 'string') return 'ignored_malformed';
  const [known] = await sql`select 1 from payout_accounts where account_id = ${accountId}`;
  if (!known) return 'ignored_unknown_account';
  try {
    const row = await refreshPayoutAccount(sql, provider, accountId);
    return row ? `account_${payoutStatus(row)}` : 'ignored_unknown_account';
  } catch (e) {
    // Signed by our secret but unknown to the provider (another mode): nothing of ours changes.
    if (e instanceof PaymentProviderError && e.code === 'not_found') return 'ignored_not_found';
    throw e;
  }
}
