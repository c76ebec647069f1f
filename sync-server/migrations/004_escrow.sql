-- Escrow: milestones, the payment provider's events, workers' payout accounts (DESIGN, "Money").
--
-- A booking's price is held as one or more milestones. Each milestone has its own escrow account in the
-- ledger (003), is funded by one provider payment, and ends released to the worker, refunded to the client,
-- split by a dispute decision, or cancelled before any money moved. The ledger is the record of money;
-- the amounts here (released/refunded) are what the ledger says, kept beside the state for screens.

-- The category fixes the fee rate and the auto-approval window (shared/src/categories.ts). Bookings made
-- before escrow take their gig's highest-level skill (ties alphabetical).
alter table bookings add column category text;
update bookings b set category = coalesce(
  (select s.key from gigs g, jsonb_each(g.skills) s where g.id = b.gig_id order by s.value::int desc, s.key limit 1),
  'handyman');
alter table bookings alter column category set not null;

create table milestones (
  id uuid primary key,
  booking_id uuid not null references bookings (id),
  -- Copied from the booking so that each side's replication reads one index (as bookings do).
  client_id uuid not null,
  worker_id uuid not null,
  position int not null check (position >= 0),
  -- The proposal the milestone came with; accepting the proposal agrees all of its milestones.
  plan_id uuid,
  proposed_by text check (proposed_by in ('client', 'worker')),
  description text not null check (length(description) between 1 and 300),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  -- The fee rate when it was agreed: the fee shown before paying is the fee taken.
  fee_bps int not null check (fee_bps between 0 and 10000),
  due_at timestamptz,
  status text not null check (status in (
    'proposed', 'agreed', 'payment_pending', 'funded', 'submitted', 'changes_requested', 'disputed',
    'released', 'refunded', 'split', 'cancelled')),
  change_rounds int not null default 0,
  -- Funding: the checkout the client was sent to, and the payment that arrived.
  payment_expires_at timestamptz,
  checkout_session_id text,
  checkout_url text,
  payment_intent_id text unique,
  charge_id text,
  funded_at timestamptz,
  -- Delivery: when work was (re)submitted and when it is approved on the client's behalf.
  submitted_at timestamptz,
  auto_approve_at timestamptz,
  -- Settlement, as posted to the ledger: released (gross, fee included) + refunded = amount once settled.
  settled_at timestamptz,
  released_amount bigint not null default 0 check (released_amount >= 0),
  refunded_amount bigint not null default 0 check (refunded_amount >= 0),
  fee_amount bigint not null default 0 check (fee_amount >= 0),
  -- The provider's side of settlement: the transfer to the worker and the refund to the client.
  transfer_id text,
  transferred_at timestamptz,
  refund_id text,
  timeline jsonb not null default '[]' check (jsonb_typeof(timeline) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false,
  check (released_amount + refunded_amount <= amount),
  check (fee_amount <= released_amount)
);
create trigger milestones_track before update on milestones for each row execute function fw_track_change();
create index milestones_booking on milestones (booking_id, position);
create index milestones_client_change on milestones (client_id, change_xid, id);
create index milestones_worker_change on milestones (worker_id, change_xid, id);
-- The payout run: released money not yet transferred.
create index milestones_to_transfer on milestones (worker_id) where released_amount > 0 and transfer_id is null;

create function fw_notify_milestone() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object(
    't', 'milestones', 'x', pg_current_xact_id()::text, 'id', new.id, 'booking', new.booking_id,
    'client', new.client_id, 'worker', new.worker_id)::text);
  return null;
end $$;
create trigger milestones_notify after insert or update on milestones for each row execute function fw_notify_milestone();

-- Every webhook delivery we accepted, by the provider's event id: a second delivery of the same event is
-- answered without effect. Effects are keyed by the object (a payment intent is funded once, whichever
-- event says so), so two different events about one payment move money once too.
create table payment_events (
  id text primary key,
  type text not null,
  provider text not null,
  created_at timestamptz not null,
  received_at timestamptz not null default now(),
  payload jsonb not null,
  -- What handling it did: 'funded', 'refunded_late', 'ignored', … for support and reconciliation.
  outcome text not null
);

-- A worker's connected account at the payment provider, where released money is transferred.
create table payout_accounts (
  user_id uuid primary key references users (id),
  provider text not null,
  account_id text not null unique,
  transfers_active boolean not null default false,
  details_submitted boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
