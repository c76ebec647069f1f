-- Fieldwork's first schema: people, sign-in, operator profiles, gigs, bookings, messages, commands,
-- the notification outbox. Money is bigint minor units plus a currency; never numeric or float.

create extension if not exists cube;
create extension if not exists earthdistance;

-- Replication reads every authoritative table by (change_xid, id): the id of the transaction that last
-- wrote the row. A pull hands out only rows whose transaction is older than the oldest one still
-- running (pg_snapshot_xmin), so a slow transaction committing late can never be skipped.
-- Inserts get these columns from their defaults; updates from this trigger.
create function fw_track_change() returns trigger language plpgsql as $$
begin
  new.change_xid := pg_current_xact_id();
  new.updated_at := now();
  new.version := old.version + 1;
  return new;
end $$;

create table users (
  id uuid primary key,
  phone text not null unique check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  display_name text not null default '' check (length(display_name) <= 80),
  roles text[] not null default '{consumer}'
    check (cardinality(roles) > 0 and roles <@ array['consumer', 'operator', 'admin']),
  locale text not null default 'en' check (locale in ('en', 'es')),
  bio text not null default '' check (length(bio) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false
);
create trigger users_track before update on users for each row execute function fw_track_change();
create index users_change on users (change_xid, id);

-- One family of rotating refresh tokens per sign-in on a device.
create table sessions (
  id uuid primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_used_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_reason text,
  user_agent text not null default ''
);
create index sessions_user on sessions (user_id);

create table refresh_tokens (
  token_hash text primary key,
  session_id uuid not null references sessions (id),
  issued_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- Set when the token is exchanged; presenting it again means it was stolen: revoke the family.
  used_at timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

create table auth_codes (
  id uuid primary key,
  phone text not null,
  code_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  attempts int not null default 0,
  consumed_at timestamptz
);
create index auth_codes_phone on auth_codes (phone, created_at desc);

-- Fixed-window counters shared by every server instance.
create table rate_limits (
  key text not null,
  window_start timestamptz not null,
  hits int not null,
  primary key (key, window_start)
);

create table operator_profiles (
  user_id uuid primary key references users (id),
  skills jsonb not null default '{}' check (jsonb_typeof(skills) = 'object'),
  home_lat double precision check (home_lat between -90 and 90),
  home_lng double precision check (home_lng between -180 and 180),
  service_radius_km double precision not null default 10 check (service_radius_km > 0 and service_radius_km <= 200),
  available boolean not null default false,
  hourly_rate_amount bigint check (hourly_rate_amount > 0),
  hourly_rate_currency char(3),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false,
  check ((home_lat is null) = (home_lng is null)),
  check ((hourly_rate_amount is null) = (hourly_rate_currency is null))
);
create trigger operator_profiles_track before update on operator_profiles for each row execute function fw_track_change();
create index operator_profiles_change on operator_profiles (change_xid, user_id);

create table gigs (
  id uuid primary key,
  client_id uuid not null references users (id),
  title text not null check (length(title) between 3 and 120),
  description text not null default '',
  skills jsonb not null check (jsonb_typeof(skills) = 'object'),
  budget_amount bigint not null check (budget_amount > 0),
  currency char(3) not null,
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  address text not null default '',
  area_label text not null default '',
  starts_at timestamptz,
  expires_at timestamptz,
  status text not null check (status in ('draft', 'open', 'assigned', 'closed', 'cancelled', 'expired')),
  booking_id uuid,
  cancel_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false
);
create trigger gigs_track before update on gigs for each row execute function fw_track_change();
create index gigs_change on gigs (change_xid, id);
create index gigs_client on gigs (client_id);
-- The operator feed: open gigs near a point.
create index gigs_open_near on gigs using gist (ll_to_earth(lat, lng)) where status = 'open';
create index gigs_expiry on gigs (expires_at) where status in ('draft', 'open');

create table bookings (
  id uuid primary key,
  gig_id uuid references gigs (id),
  client_id uuid not null references users (id),
  worker_id uuid not null references users (id),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in (
    'awaiting_payment', 'funded', 'in_progress', 'delivered', 'changes_requested',
    'completed', 'cancelled', 'disputed', 'resolved')),
  change_rounds int not null default 0,
  -- Append-only status history shown to both parties: [{status, event, by, at, note?}].
  timeline jsonb not null default '[]' check (jsonb_typeof(timeline) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false,
  check (client_id <> worker_id)
);
create trigger bookings_track before update on bookings for each row execute function fw_track_change();
-- A person's bookings in replication order, from either side. (Every index here is written on every
-- status change, so there is no global change index: no one pulls all bookings.)
create index bookings_client_change on bookings (client_id, change_xid, id);
create index bookings_worker_change on bookings (worker_id, change_xid, id);
-- The last line of defence against two workers on one gig.
create unique index bookings_one_live_per_gig on bookings (gig_id) where status <> 'cancelled';

alter table gigs add foreign key (booking_id) references bookings (id) deferrable initially deferred;

create table messages (
  id uuid primary key,
  booking_id uuid not null references bookings (id),
  sender_id uuid not null references users (id),
  body text not null check (length(body) between 1 and 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false
);
create trigger messages_track before update on messages for each row execute function fw_track_change();
-- A booking's chat in replication order.
create index messages_booking_change on messages (booking_id, change_xid, id);

-- Every command a device sent, with its outcome, written once when decided. The id is the device's
-- idempotency key. Devices replicate only their own commands, hence one index by actor.
create table commands (
  id uuid primary key,
  actor_id uuid not null references users (id),
  type text not null,
  -- As sent, for support and audit; json (text) because nothing queries into it and it is cheaper to store.
  payload json not null,
  payload_hash text not null,
  issued_at timestamptz not null,
  received_at timestamptz not null default now(),
  status text not null check (status in ('applied', 'rejected')),
  result jsonb,
  rejection_code text,
  rejection_message text,
  decided_at timestamptz,
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false,
  check ((status = 'rejected') = (rejection_code is not null))
);
create trigger commands_track before update on commands for each row execute function fw_track_change();
create index commands_actor_change on commands (actor_id, change_xid, id);

-- Transactional outbox: written with the state change, delivered after commit, at least once.
create table outbox (
  -- What the news is about, e.g. "<command id>:booking.delivered"; enqueueing it twice is a no-op.
  dedupe_key text primary key,
  channel text not null check (channel in ('sms', 'push')),
  user_id uuid not null references users (id),
  template text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  attempts int not null default 0,
  sent_at timestamptz,
  last_error text
);
create index outbox_due on outbox (available_at) where sent_at is null;

-- What the development SMS sink "sent"; read by the dev inbox. Empty with a real provider.
create table dev_sms (
  id bigint generated always as identity primary key,
  to_phone text not null,
  body text not null,
  created_at timestamptz not null default now()
);
