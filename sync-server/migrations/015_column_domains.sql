-- A column's own rule lives in its type: every CHECK that names one column becomes a domain, and the domain's
-- check is what guards the column from now on. Same rules, same values, same SQLSTATE (23514) on a breach;
-- the message names the domain instead of the table's constraint. Checks that relate two columns stay on
-- their tables, and so do the checks on array and JSON columns (users.roles, timelines, skills, evidence):
-- postgres.js encodes an array or an object by the type Postgres describes for the parameter, and a domain
-- is a type it does not know, so it would send `[object Object]`.
--
-- Why: Postgres reads a table's CHECK constraints back from their stored text and prepares them again on
-- every INSERT and UPDATE statement, whichever columns it sets, so a milestone's status step paid for its
-- eleven-state list, its description's length and every amount's sign, every time (in a perf profile of
-- bench:ledger's cycles, 8% of a backend's CPU was that reading alone, 12% with the preparing). A domain's
-- check is kept parsed in the type cache and runs only where a value is assigned to the column. Measured,
-- interleaved with the schema before: bench:commands' ratio 0.341 and 0.335 before, 0.392 and 0.389 after;
-- one lane of fund-and-release cycles, 11% less backend CPU per cycle.
--
-- Values come back as their base type (Postgres describes a domain column by it), so nothing reading them
-- changes. Arrays of them do not: array_agg(status) is a milestone_status[], which postgres.js does not parse;
-- aggregate the base type instead (array_agg(status::text)). A new status or kind is added by replacing the
-- domain's check: alter domain … drop constraint …, then add constraint … (shared/ holds the machines these
-- lists must match; a test compares them). Columns with the same rule share a domain (every positive amount,
-- both parties); a column whose rule comes to differ gets a domain of its own.

-- Money in minor units.
create domain positive_minor_units as bigint check (value > 0);
create domain minor_units as bigint check (value >= 0);
create domain ledger_amount as bigint check (value <> 0);
create domain basis_points as integer check (value between 0 and 10000);

-- States and kinds.
create domain gig_status as text check (value in ('draft', 'open', 'assigned', 'closed', 'cancelled', 'expired'));
create domain booking_status as text check (value in (
  'awaiting_payment', 'funded', 'in_progress', 'delivered', 'changes_requested', 'completed', 'cancelled', 'disputed', 'resolved'));
create domain milestone_status as text check (value in (
  'proposed', 'agreed', 'payment_pending', 'funded', 'submitted', 'changes_requested', 'disputed', 'released', 'refunded', 'split', 'cancelled'));
create domain dispute_status as text check (value in ('open', 'resolved'));
create domain dispute_outcome as text check (value in ('release_all', 'refund_all', 'split'));
create domain dispute_resolution as text check (value in ('accepted', 'default', 'admin'));
create domain client_refund_status as text check (value in ('pending', 'sent', 'succeeded', 'failed'));
create domain command_status as text check (value in ('applied', 'rejected'));
create domain party as text check (value in ('client', 'worker'));
create domain ledger_account_kind as text check (value in (
  'client_funding', 'escrow', 'worker_payable', 'platform_fees', 'refunds', 'provider_clearing', 'payouts'));
create domain ledger_posting_kind as text check (value in ('funding', 'release', 'refund', 'split', 'payout', 'adjustment'));
create domain outbox_channel as text check (value in ('sms', 'push'));
create domain demo_rail_object_kind as text check (value in (
  'checkout_session', 'payment_intent', 'charge', 'transfer', 'refund', 'account', 'event'));
create domain user_locale as text check (value in ('en', 'es'));

-- Places.
create domain latitude as double precision check (value between -90 and 90);
create domain longitude as double precision check (value between -180 and 180);
create domain radius_km as double precision check (value > 0 and value <= 200);

-- Text people write, and what the server stores beside it.
create domain gig_title as text check (length(value) between 3 and 120);
create domain milestone_description as text check (length(value) between 1 and 300);
create domain long_text as text check (length(value) between 1 and 2000);
create domain user_display_name as text check (length(value) <= 80);
create domain user_bio as text check (length(value) <= 1000);
create domain e164_phone as text check (value ~ '^\+[1-9][0-9]{6,14}$');
create domain written_reason as text check (length(trim(value)) > 0);
create domain attachment_name as text check (length(value) between 1 and 200);
create domain attachment_content_type as text check (length(value) between 1 and 100);
create domain attachment_size as integer check (value between 1 and 2097152);
create domain sha256_hex as text check (value ~ '^[0-9a-f]{64}$');
create domain plan_position as integer check (value >= 0);

-- The table checks go, and the columns take their domains. Each table is rewritten once, its indexes rebuilt.
alter table gigs
  drop constraint gigs_status_check, drop constraint gigs_title_check, drop constraint gigs_lat_check,
  drop constraint gigs_lng_check, drop constraint gigs_budget_amount_check;
-- A trigger on lat and lng pins their type; it comes back unchanged (migration 011).
drop trigger gigs_previous_point on gigs;
alter table gigs
  alter column status type gig_status, alter column title type gig_title, alter column lat type latitude,
  alter column lng type longitude, alter column budget_amount type positive_minor_units;
create trigger gigs_previous_point before update of lat, lng on gigs for each row execute function fw_gig_previous_point();

alter table bookings
  drop constraint bookings_status_check, drop constraint bookings_amount_check,
  alter column status type booking_status, alter column amount type positive_minor_units;

alter table milestones
  drop constraint milestones_status_check, drop constraint milestones_description_check, drop constraint milestones_fee_bps_check,
  drop constraint milestones_proposed_by_check, drop constraint milestones_position_check,
  drop constraint milestones_amount_check, drop constraint milestones_fee_amount_check,
  drop constraint milestones_released_amount_check, drop constraint milestones_refunded_amount_check,
  alter column status type milestone_status, alter column description type milestone_description,
  alter column fee_bps type basis_points, alter column proposed_by type party,
  alter column position type plan_position, alter column amount type positive_minor_units,
  alter column fee_amount type minor_units, alter column released_amount type minor_units, alter column refunded_amount type minor_units;

alter table disputes
  drop constraint disputes_status_check, drop constraint disputes_outcome_check, drop constraint disputes_resolved_how_check,
  drop constraint disputes_opened_by_check, drop constraint disputes_reason_check,
  drop constraint disputes_amount_check, drop constraint disputes_refund_amount_check,
  drop constraint disputes_released_amount_check, drop constraint disputes_refunded_amount_check,
  alter column status type dispute_status, alter column outcome type dispute_outcome, alter column resolved_how type dispute_resolution,
  alter column opened_by type party, alter column reason type long_text,
  alter column amount type positive_minor_units, alter column refund_amount type minor_units,
  alter column released_amount type minor_units, alter column refunded_amount type minor_units;

alter table dispute_attachments
  drop constraint dispute_attachments_name_check, drop constraint dispute_attachments_content_type_check,
  drop constraint dispute_attachments_size_check, drop constraint dispute_attachments_sha256_check,
  alter column name type attachment_name, alter column content_type type attachment_content_type,
  alter column size type attachment_size, alter column sha256 type sha256_hex;

alter table client_refunds
  drop constraint client_refunds_status_check, drop constraint client_refunds_amount_check,
  alter column status type client_refund_status, alter column amount type positive_minor_units;

alter table commands drop constraint commands_status_check, alter column status type command_status;
alter table outbox drop constraint outbox_channel_check, alter column channel type outbox_channel;
alter table messages drop constraint messages_body_check, alter column body type long_text;

alter table ledger_accounts drop constraint ledger_accounts_kind_check, alter column kind type ledger_account_kind;
alter table ledger_postings drop constraint ledger_postings_kind_check, alter column kind type ledger_posting_kind;
alter table ledger_entries drop constraint ledger_entries_amount_check, alter column amount type ledger_amount;

alter table demo_rail_objects drop constraint demo_rail_objects_kind_check, alter column kind type demo_rail_object_kind;
alter table admin_audit drop constraint admin_audit_reason_check, alter column reason type written_reason;

alter table users
  drop constraint users_phone_check, drop constraint users_display_name_check, drop constraint users_bio_check,
  drop constraint users_locale_check,
  alter column phone type e164_phone, alter column display_name type user_display_name, alter column bio type user_bio,
  alter column locale type user_locale;

alter table operator_profiles
  drop constraint operator_profiles_home_lat_check, drop constraint operator_profiles_home_lng_check,
  drop constraint operator_profiles_service_radius_km_check,
  drop constraint operator_profiles_hourly_rate_amount_check,
  alter column home_lat type latitude, alter column home_lng type longitude,
  alter column service_radius_km type radius_km,
  alter column hourly_rate_amount type positive_minor_units;

-- A column's new type drops its planner statistics, and autovacuum would gather them again only once a tenth
-- of the table has changed; until then the planner would guess at every status. Gathered now instead.
analyze gigs, bookings, milestones, disputes, dispute_attachments, client_refunds, commands, outbox, messages,
  ledger_accounts, ledger_postings, ledger_entries, demo_rail_objects, admin_audit, users, operator_profiles;
