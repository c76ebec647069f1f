-- The payment provider's fees (sync-server/src/escrow/fees.ts). Stripe keeps a fee out of every charge (and
-- one for a bank dispute), so the platform's balance there holds less than the ledger's escrow says came in;
-- the difference is the platform's own money. Each fee is a `provider_fee` posting: from `platform_costs`
-- (the platform's pocket, negative as it pays) to `provider_fees` (what the provider kept), in the currency of
-- the platform's balance, which may differ from the payment's. Both new accounts may run negative (a fee the
-- provider gives back, such as a dispute fee returned when the bank decides for the platform).
alter domain ledger_account_kind drop constraint ledger_account_kind_check;
alter domain ledger_account_kind add constraint ledger_account_kind_check check (value in (
  'client_funding', 'escrow', 'worker_payable', 'platform_fees', 'refunds', 'provider_clearing', 'payouts', 'bank_disputes', 'platform_losses',
  'provider_fees', 'platform_costs'));
alter domain ledger_posting_kind drop constraint ledger_posting_kind_check;
alter domain ledger_posting_kind add constraint ledger_posting_kind_check check (value in (
  'funding', 'release', 'refund', 'split', 'payout', 'adjustment', 'chargeback', 'chargeback_reversal', 'provider_fee'));

-- One row per balance transaction of the provider's that we have read: a payment's charge, or a step of a bank
-- dispute. A fee of zero (the demo rail's, or one the provider waived) has a row and no posting, so that the
-- payment is not asked about again.
create table provider_fees (
  -- The provider's balance transaction (Stripe's txn_…): each has one fee.
  id text primary key,
  payment_intent_id text not null,
  -- The bank dispute it belongs to; null for the payment's own charge.
  bank_dispute_id text references bank_disputes (id),
  milestone_id uuid not null references milestones (id),
  amount bigint not null,
  currency char(3) not null,
  -- The fee's posting (written in the same transaction as the row); none for a fee of zero.
  posting_id uuid references ledger_postings (id),
  recorded_at timestamptz not null default now()
);
-- The sweep's question: has this payment's charge fee been read yet?
create unique index provider_fees_of_payment on provider_fees (payment_intent_id) where bank_dispute_id is null;
