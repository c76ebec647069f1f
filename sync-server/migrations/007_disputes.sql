-- Disputes, their evidence, and the admins' audit log (DESIGN, "Money").
--
-- A dispute is opened by the client or the worker on a milestone whose money is held, with a reason and a
-- claim: how much of the milestone should go back to the client. The other side may accept the claim, and
-- the money moves as claimed; if they stay silent past respond_by, the claim applies by default; once they
-- have answered (evidence or a reply), only an admin's decision ends it. Evidence is appended to the row
-- (the dispute replicates as one document); uploaded files live in dispute_attachments.

create table disputes (
  id uuid primary key,
  booking_id uuid not null references bookings (id),
  milestone_id uuid not null references milestones (id),
  -- Copied from the booking so that each side's replication reads one index (as milestones do).
  client_id uuid not null,
  worker_id uuid not null,
  opened_by text not null check (opened_by in ('client', 'worker')),
  opened_by_id uuid not null references users (id),
  reason text not null check (length(reason) between 1 and 2000),
  -- The claim, and the milestone's amount when the dispute was opened.
  refund_amount bigint not null check (refund_amount >= 0),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in ('open', 'resolved')),
  -- The other side's time to answer; silence until then lets the claim apply.
  respond_by timestamptz not null,
  responded_at timestamptz,
  -- [{id, by: client|worker|admin, actorId, text, messageIds[], attachmentIds[], at}]
  evidence jsonb not null default '[]' check (jsonb_typeof(evidence) = 'array'),
  outcome text check (outcome in ('release_all', 'refund_all', 'split')),
  -- accepted: the other side agreed; default: the window passed in silence; admin: a mediator decided.
  resolved_how text check (resolved_how in ('accepted', 'default', 'admin')),
  resolved_by_id uuid references users (id),
  released_amount bigint check (released_amount >= 0),
  refunded_amount bigint check (refunded_amount >= 0),
  resolution_reason text,
  opened_at timestamptz not null,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 1,
  change_xid xid8 not null default pg_current_xact_id(),
  deleted boolean not null default false,
  check (refund_amount <= amount),
  check ((status = 'open') = (outcome is null)),
  check (status = 'open' or (released_amount + refunded_amount = amount and resolved_how is not null and resolved_at is not null))
);
create trigger disputes_track before update on disputes for each row execute function fw_track_change();
-- At most one open dispute per milestone.
create unique index disputes_one_open on disputes (milestone_id) where status = 'open';
create index disputes_booking on disputes (booking_id);
create index disputes_client_change on disputes (client_id, change_xid, id);
create index disputes_worker_change on disputes (worker_id, change_xid, id);
create index disputes_change on disputes (change_xid, id);
-- The mediators' queue: open disputes, oldest first.
create index disputes_queue on disputes (opened_at) where status = 'open';

create function fw_notify_dispute() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object(
    't', 'disputes', 'x', pg_current_xact_id()::text, 'id', new.id, 'booking', new.booking_id,
    'client', new.client_id, 'worker', new.worker_id)::text);
  return null;
end $$;
create trigger disputes_notify after insert or update on disputes for each row execute function fw_notify_dispute();

-- Files attached as evidence: uploaded by a party (or an admin) before the evidence that cites them.
create table dispute_attachments (
  id uuid primary key,
  dispute_id uuid not null references disputes (id),
  uploaded_by uuid not null references users (id),
  name text not null check (length(name) between 1 and 200),
  content_type text not null check (length(content_type) between 1 and 100),
  size int not null check (size between 1 and 2097152),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bytea not null check (octet_length(bytes) = size),
  created_at timestamptz not null default now()
);
create index dispute_attachments_dispute on dispute_attachments (dispute_id);

-- What admins did that overrides the parties: every dispute decision and role change, with its reason.
-- Append-only: readable by every admin, never updated or deleted.
create table admin_audit (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  admin_id uuid not null references users (id),
  action text not null,
  subject_type text not null,
  subject_id text not null,
  reason text not null check (length(trim(reason)) > 0),
  details jsonb not null default '{}'
);
create index admin_audit_subject on admin_audit (subject_type, subject_id);
create function fw_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name;
end $$;
create trigger admin_audit_append_only before update or delete on admin_audit for each row execute function fw_append_only();
-- Row triggers do not see TRUNCATE; the log refuses it too.
create trigger admin_audit_no_truncate before truncate on admin_audit for each statement execute function fw_append_only();
