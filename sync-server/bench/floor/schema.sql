-- The floor's tables: the records a cycle or a command must leave, with primary keys only: no other index,
-- no check, no trigger, no foreign key. Milestones are made ahead, one per cycle to come; the bench vacuums after.
create table commands (id uuid primary key, actor_id bigint not null, type text not null, payload jsonb not null, status text not null, result jsonb);
create table gigs (id uuid primary key, client_id bigint not null, title text not null, status text not null, budget bigint not null, booking_id uuid);
create table bookings (id uuid primary key, gig_id uuid not null, client_id bigint not null, worker_id bigint not null, status text not null, amount bigint not null);
create table milestones (id bigint primary key, booking_id bigint not null, status text not null, amount bigint not null,
  funded_at timestamptz, submitted_at timestamptz, settled_at timestamptz, released bigint not null default 0, fee bigint not null default 0);
create table messages (id uuid primary key, booking_id uuid not null, sender_id bigint not null, body text not null);
create table provider_events (id text primary key);
create table ledger_postings (id uuid primary key, kind text not null, ref bigint not null);
create table ledger_entries (posting_id uuid not null, account_id bigint not null, amount bigint not null, primary key (posting_id, account_id));
create table outbox (id bigserial primary key, user_id bigint not null, template text not null, data jsonb not null);
create sequence runs;
insert into milestones (id, booking_id, status, amount) select n, n / 20, 'agreed', 5000 from generate_series(1, 500000) n;
