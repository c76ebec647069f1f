-- L3 (migration 003) checked every entry: a credit to the platform's fee account locked that one row and
-- summed all of its entries, so every release in the system queued behind every other (measured: approve
-- p50 466 ms at 32 concurrent bookings) and the sum grew with the ledger. Only a debit can take a balance
-- below zero, so only debits are checked, and only they lock the account: escrow (one account per
-- milestone) and a worker's payable. Credits to shared accounts no longer serialize anything.
create or replace function fw_ledger_account_not_negative() returns trigger language plpgsql as $$
declare
  balance bigint;
begin
  if new.amount > 0 then
    return null;
  end if;
  -- The row lock makes a concurrent debit of the same account wait until this one commits, then see it.
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
