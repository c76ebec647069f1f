-- The worker's transfer of a released milestone: the provider calls made for it, counted before each call,
-- and a refusal that needs a person. The ledger posting and the provider's id stay on the milestone
-- (transfer_id, written with the posting); this row is the job's own bookkeeping (escrow.transfer in
-- escrow/tasks.ts, escrow/transfers.ts), so it is a table of its own: every write to milestones is replicated
-- to both parties' devices, and attempts are nobody's business but the server's. Server-only.

create table milestone_transfers (
  milestone_id uuid primary key references milestones (id),
  -- Provider calls made for it; the first one's time says when the provider's idempotency key may be gone,
  -- after which the booking's transfers are looked up at the provider before another is asked for.
  attempts int not null default 0,
  first_attempt_at timestamptz not null default now(),
  -- Requests the provider refused: each refusal moves the key on (transfer:<milestone>, then
  -- transfer:<milestone>:<n>), since the provider answers a key with its first answer for a day, and a
  -- refused request made nothing.
  refusals int not null default 0,
  -- Refused while the worker's account could receive transfers: no retry changes that. Set, the payout run
  -- leaves the milestone alone until the account changes at the provider (account.updated), and
  -- reconciliation reports it every night.
  refused_at timestamptz,
  last_error text,
  updated_at timestamptz not null default now()
);
-- What reconciliation reads each night: the few refused.
create index milestone_transfers_refused on milestone_transfers (milestone_id) where refused_at is not null;

-- Released money not yet transferred may have been asked for before this table (its response lost): as if
-- the key had expired, so the job looks up the booking's transfers at the provider before it asks for one.
insert into milestone_transfers (milestone_id, first_attempt_at)
select id, now() - interval '1 day' from milestones
where released_amount > 0 and transfer_id is null and released_amount > fee_amount and not deleted;
