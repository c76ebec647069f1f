-- Change notifications for live streams. Every write to a replicated table sends a small routing note on
-- channel fw_changes once its transaction commits (NOTIFY is transactional), so that every server instance
-- can wake the stream subscriptions the change may concern, whichever instance made it.
--
-- A note says which transaction wrote (x, the change_xid of the rows it wrote) and who may care; it never
-- carries document data: the woken subscription pulls through the same scoped, gap-free path as a device.
-- Payloads stay a few hundred bytes (the limit is 8000). Identical notes within one transaction are
-- collapsed by Postgres, so a row written twice in a transaction costs one note.
--
-- Keys: t (table), x (xid8 as text), then per table:
--   gigs               id, client, worker (of the current booking), oldWorker (when the booking changed),
--                      open (open before or after: only then can an operator's feed change), skills,
--                      oldSkills (when changed), lat, lng, oldLat, oldLng (when moved)
--   bookings           id, gig, client, worker, created (an insert: the worker may now see the gig)
--   messages           id, booking, client, worker (of its booking)
--   commands           actor
--   users              user
--   operator_profiles  user
--   sessions           user, sid, revoked (sent on revocation only)

create function fw_notify_gig() returns trigger language plpgsql as $$
declare
  worker uuid;
  old_worker uuid;
  was_open boolean := false;
  moved boolean := false;
  reskilled boolean := false;
begin
  if new.booking_id is not null then
    select b.worker_id into worker from bookings b where b.id = new.booking_id;
  end if;
  if tg_op = 'UPDATE' then
    was_open := old.status = 'open';
    moved := old.lat <> new.lat or old.lng <> new.lng;
    reskilled := old.skills <> new.skills;
    if old.booking_id is distinct from new.booking_id and old.booking_id is not null then
      select b.worker_id into old_worker from bookings b where b.id = old.booking_id;
    end if;
  end if;
  perform pg_notify('fw_changes', json_build_object(
    't', 'gigs', 'x', pg_current_xact_id()::text, 'id', new.id, 'client', new.client_id,
    'worker', worker, 'oldWorker', old_worker,
    'open', was_open or new.status = 'open',
    'skills', new.skills, 'oldSkills', case when reskilled then old.skills end,
    'lat', new.lat, 'lng', new.lng,
    'oldLat', case when moved then old.lat end, 'oldLng', case when moved then old.lng end)::text);
  return null;
end $$;

create function fw_notify_booking() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object(
    't', 'bookings', 'x', pg_current_xact_id()::text, 'id', new.id, 'gig', new.gig_id,
    'client', new.client_id, 'worker', new.worker_id, 'created', tg_op = 'INSERT')::text);
  return null;
end $$;

create function fw_notify_message() returns trigger language plpgsql as $$
declare
  client uuid;
  worker uuid;
begin
  select b.client_id, b.worker_id into client, worker from bookings b where b.id = new.booking_id;
  perform pg_notify('fw_changes', json_build_object(
    't', 'messages', 'x', pg_current_xact_id()::text, 'id', new.id, 'booking', new.booking_id,
    'client', client, 'worker', worker)::text);
  return null;
end $$;

create function fw_notify_command() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object('t', 'commands', 'x', pg_current_xact_id()::text, 'actor', new.actor_id)::text);
  return null;
end $$;

create function fw_notify_user() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object('t', 'users', 'x', pg_current_xact_id()::text, 'user', new.id)::text);
  return null;
end $$;

create function fw_notify_operator_profile() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object('t', 'operator_profiles', 'x', pg_current_xact_id()::text, 'user', new.user_id)::text);
  return null;
end $$;

create function fw_notify_session() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object(
    't', 'sessions', 'x', pg_current_xact_id()::text, 'user', new.user_id, 'sid', new.id,
    'revoked', new.revoked_at is not null)::text);
  return null;
end $$;

create trigger gigs_notify after insert or update on gigs for each row execute function fw_notify_gig();
create trigger bookings_notify after insert or update on bookings for each row execute function fw_notify_booking();
create trigger messages_notify after insert or update on messages for each row execute function fw_notify_message();
create trigger commands_notify after insert or update on commands for each row execute function fw_notify_command();
create trigger users_notify after insert or update on users for each row execute function fw_notify_user();
create trigger operator_profiles_notify after insert or update on operator_profiles for each row execute function fw_notify_operator_profile();
-- Sessions are written on every token refresh; only a revocation concerns a live socket.
create trigger sessions_notify after update of revoked_at on sessions for each row
  when (old.revoked_at is null and new.revoked_at is not null) execute function fw_notify_session();
