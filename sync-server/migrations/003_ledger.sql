-- The money ledger (DESIGN, "Money"): double-entry, immutable, every posting summing to zero.
--
-- Invariants held here, by the database itself, whatever code writes:
--   L1 every posting's entries sum to zero, per currency (deferred constraint trigger: checked at commit,
--      after all of a posting's entries are in);
--   L2 postings and entries are never updated or deleted; a correction is a new posting;
--   L3 an account that may not go negative (escrow per milestone, worker payable) never does: checked at
--      commit under a lock on the account row, so two concurrent releases cannot both spend the same money;
--   L4 one effect per cause: a posting's dedupe_key (a command id, a provider event id) is unique;
--   L5 an entry's currency is its account's.
-- Per milestone, released + refunded <= funded follows from L1 and L3: its escrow account is credited only
-- by funding and debited by release and refund.
--
-- Sign convention: an entry's amount is what the account gains (positive) or gives up (negative), in minor
-- units. Balances are derived from entries; there is no cached balance to drift.

create table ledger_accounts (
  id text primary key,
  kind text not null check (kind in ('client_funding', 'escrow', 'worker_payable', 'platform_fees', 'refunds', 'provider_clearing', 'payouts')),
  currency char(3) not null,
  -- The user (client funding, worker payable) or milestone (escrow) the account belongs to, if any.
  owner_id uuid,
  may_go_negative boolean not null,
  created_at timestamptz not null default now()
);

create table ledger_postings (
  id uuid primary key,
  kind text not null check (kind in ('funding', 'release', 'refund', 'split', 'payout', 'adjustment')),
  dedupe_key text not null unique,
  booking_id uuid,
  milestone_id uuid,
  memo text not null default '',
  created_at timestamptz not null default now()
);

create table ledger_entries (
  posting_id uuid not null references ledger_postings (id),
  account_id text not null references ledger_accounts (id),
  amount bigint not null check (amount <> 0),
  currency char(3) not null,
  primary key (posting_id, account_id)
);
create index ledger_entries_account on ledger_entries (account_id);

-- L5
create function fw_ledger_entry_currency() returns trigger language plpgsql as $$
begin
  if not exists (select 1 from ledger_accounts a where a.id = new.account_id and a.currency = new.currency) then
    raise exception 'ledger entry in % on account % of another currency', new.currency, new.account_id using errcode = '23514';
  end if;
  return new;
end $$;
create trigger ledger_entries_currency before insert on ledger_entries for each row execute function fw_ledger_entry_currency();

-- L1
create function fw_ledger_posting_balanced() returns trigger language plpgsql as $$
declare
  unbalanced record;
begin
  select currency, sum(amount) as total into unbalanced
  from ledger_entries where posting_id = new.posting_id group by currency having sum(amount) <> 0 limit 1;
  if found then
    raise exception 'ledger posting % does not sum to zero in % (off by %)', new.posting_id, unbalanced.currency, unbalanced.total using errcode = '23514';
  end if;
  return null;
end $$;
create constraint trigger ledger_entries_balanced after insert on ledger_entries
  deferrable initially deferred for each row execute function fw_ledger_posting_balanced();

-- L3
create function fw_ledger_account_not_negative() returns trigger language plpgsql as $$
declare
  balance bigint;
begin
  -- The row lock makes a concurrent posting to the same account wait until this one commits, then see it.
  perform 1 from ledger_accounts a where a.id = new.account_id and not a.may_go_negative for update;
  if not found then
    return null;
  end if;
  select coalesce(sum(amount), 0) into balance from ledger_entries where account_id = new.account_id;
  if balance < 0 then
    raise exception 'ledger account % would go below zero (%)', new.account_id, balance using errcode = '23514';
  end if;
  return null;
end $$;
create constraint trigger ledger_entries_not_negative after insert on ledger_entries
  deferrable initially deferred for each row execute function fw_ledger_account_not_negative();

-- L2
create function fw_ledger_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'the ledger is append-only: % on % is not allowed; post a correction instead', tg_op, tg_table_name using errcode = '55000';
end $$;
create trigger ledger_postings_immutable before update or delete on ledger_postings for each row execute function fw_ledger_immutable();
create trigger ledger_entries_immutable before update or delete on ledger_entries for each row execute function fw_ledger_immutable();
create trigger ledger_postings_no_truncate before truncate on ledger_postings execute function fw_ledger_immutable();
create trigger ledger_entries_no_truncate before truncate on ledger_entries execute function fw_ledger_immutable();
