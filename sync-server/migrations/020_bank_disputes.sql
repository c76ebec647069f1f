-- Chargebacks (sync-server/src/escrow/chargebacks.ts): a client's bank disputes a card payment and the
-- provider takes the money back from the platform's balance until the bank decides.
--
-- The ledger follows the money: a chargeback moves it from the milestone's escrow (while the milestone still
-- holds it) and otherwise from the platform's own pocket (platform_losses: the worker was paid already and
-- keeps it) into bank_disputes, what banks hold or took back. A bank that decides for the platform gives it
-- back the same way. Both new accounts may run negative; escrow still may not (L3).
alter domain ledger_account_kind drop constraint ledger_account_kind_check;
alter domain ledger_account_kind add constraint ledger_account_kind_check check (value in (
  'client_funding', 'escrow', 'worker_payable', 'platform_fees', 'refunds', 'provider_clearing', 'payouts', 'bank_disputes', 'platform_losses'));
alter domain ledger_posting_kind drop constraint ledger_posting_kind_check;
alter domain ledger_posting_kind add constraint ledger_posting_kind_check check (value in (
  'funding', 'release', 'refund', 'split', 'payout', 'adjustment', 'chargeback', 'chargeback_reversal'));

-- A dispute between the two sides ends with its milestone when the client's bank decides a chargeback for the client.
alter domain dispute_resolution drop constraint dispute_resolution_check;
alter domain dispute_resolution add constraint dispute_resolution_check check (value in ('accepted', 'default', 'admin', 'bank'));

-- One row per dispute the provider told us of, kept in step with the provider's record of it.
create table bank_disputes (
  -- The provider's dispute id (Stripe's dp_…).
  id text primary key,
  payment_intent_id text not null,
  charge_id text,
  -- The milestone the payment was for; null when the payment is not one of ours.
  milestone_id uuid references milestones (id),
  booking_id uuid references bookings (id),
  amount positive_minor_units not null,
  currency char(3) not null,
  reason text not null,
  -- The provider's status as last read: warning_* (an inquiry: no money moved), needs_response, under_review, won, lost.
  status text not null,
  -- Where the money the bank took came from: the milestone's escrow, the platform's pocket.
  from_escrow minor_units not null default 0,
  from_platform minor_units not null default 0,
  opened_at timestamptz not null,
  withdrawn_at timestamptz,
  reinstated_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz not null default now(),
  check (from_escrow + from_platform in (0, amount))
);
create index bank_disputes_open on bank_disputes (opened_at) where closed_at is null;

-- Set while a bank holds the milestone's money: nothing may release or refund it until the bank decides.
alter table milestones add column bank_dispute_id text references bank_disputes (id);
