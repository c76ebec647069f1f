// Workers' connected accounts at the payment provider (payout_accounts, migration 004): where released
// money is transferred. Our row is a copy of the provider's account state, refreshed when the worker comes
// back from onboarding or asks for another onboarding link, when the provider says the account changed
// (account.updated), when a transfer is refused, and when the worker looks at an account that cannot receive
// transfers yet (at most once a minute); the provider's record decides.
import type { PayoutStatus } from '@shared/money-api';
import type { Db, Sql } from '../db/sql';
import { PaymentProviderError, type ConnectedAccount, type PaymentEvent, type PaymentProvider } from '../payments/provider';

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

/**
 * Puts a worker's new account in place of one that never finished onboarding. Only while our copy still says
 * the old one's details were not submitted: if account.updated said they were, or a concurrent request
 * replaced it first, the row as it is stands and is returned.
 */
export async function replacePayoutAccount(db: Db, a: { userId: string; provider: string; accountId: string; replaces: string }): Promise<PayoutAccountRow> {
  await db`
    update payout_accounts
    set provider = ${a.provider}, account_id = ${a.accountId}, transfers_active = false, details_submitted = false, updated_at = now()
    where user_id = ${a.userId} and account_id = ${a.replaces} and not details_submitted`;
  return (await getPayoutAccount(db, a.userId))!;
}

/** The provider's current state of an account, copied onto our row; undefined when the account is not ours. */
async function copyAccount(db: Db, account: ConnectedAccount): Promise<PayoutAccountRow | undefined> {
  const [row] = await db<PayoutAccountRow[]>`
    update payout_accounts
    set transfers_active = ${account.transfersActive}, details_submitted = ${account.detailsSubmitted}, updated_at = now()
    where account_id = ${account.id}
    returning user_id, provider, account_id, transfers_active, details_submitted, updated_at`;
  return row;
}

/** Reads an account again from the provider and records it; undefined when the account is not ours. */
export async function refreshPayoutAccount(sql: Sql, provider: PaymentProvider, accountId: string): Promise<PayoutAccountRow | undefined> {
  return copyAccount(sql, await provider.retrieveAccount(accountId));
}

/**
 * Claims the next read from the provider of an account our copy says cannot receive transfers yet (the
 * account.updated that would say otherwise can be late, or lost): true at most once a minute per account,
 * across instances. The claim moves updated_at, as the read that follows does.
 */
export async function claimAccountRead(db: Db, accountId: string): Promise<boolean> {
  const claimed = await db`
    update payout_accounts set updated_at = now()
    where account_id = ${accountId} and not transfers_active and updated_at <= now() - interval '1 minute'
    returning 1`;
  return claimed.length > 0;
}

/**
 * The account a worker onboards into, for `country`: theirs, or a new one when they have none or have not
 * finished one made for another country. The provider fixes an account's country when it makes it, and until
 * the details are submitted nothing is lost by starting over. Decided on the provider's record, not our copy,
 * so that an account finished a moment ago is kept. `finishedIn`: the worker's finished account is in
 * another country than asked, and stays there.
 */
export async function onboardingAccount(
  sql: Sql,
  provider: PaymentProvider,
  userId: string,
  country: string,
): Promise<{ row: PayoutAccountRow; finishedIn?: string }> {
  const current = await getPayoutAccount(sql, userId);
  if (current) {
    const account = await provider.retrieveAccount(current.accountId);
    const row = (await copyAccount(sql, account)) ?? current;
    if (account.country === country) return { row };
    if (account.detailsSubmitted) return { row, finishedIn: account.country };
  }
  // Cross-border payouts reach only accounts under the recipient service agreement (Stripe, "Service
  // agreement types"), chosen when the account is made.
  const serviceAgreement = country === (await provider.platformCountry()) ? 'full' : 'recipient';
  // One account per worker and country, however often this is asked: the provider's idempotency covers a lost
  // answer within its 24 hours, and our row (first writer wins) covers everything after.
  const { id } = await provider.createConnectedAccount({ userId, country, serviceAgreement, idempotencyKey: `account:${userId}:${country}` });
  const made = { userId, provider: provider.name, accountId: id };
  return { row: current ? await replacePayoutAccount(sql, { ...made, replaces: current.accountId }) : await recordPayoutAccount(sql, made) };
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
