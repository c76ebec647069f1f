-- The two logs every command writes, made lighter to write (bench:commands, "rows" and "cpu" lines).
--
-- 1. No foreign keys from commands.actor_id and outbox.user_id to users. A foreign key check locks the
--    referenced row (FOR KEY SHARE), which dirties the users page and writes a WAL record per check, and
--    when two transactions hold it at once, a MultiXact: every command locked its actor's row and every
--    notification its recipient's, so a busy client's row was locked by every command and every piece of news
--    about them. Both logs are append-only and name only people who exist: the actor is read (with their
--    roles) before a command is decided, and a recipient is a booking's party or the actor, columns that
--    keep their own foreign keys. Users are never deleted (users.deleted marks them). Measured on
--    bench:commands, dropping every foreign key cut Postgres CPU per command by 10–15%; these two were
--    about half of the checks a command made.
-- 2. One change note per statement for commands, not one per row: a group of commands is stored in one
--    insert (commands/apply.ts), and its notes were one plpgsql call each. The note is unchanged.

alter table commands drop constraint commands_actor_id_fkey;
alter table outbox drop constraint outbox_user_id_fkey;

drop trigger commands_notify on commands;
drop function fw_notify_command();

create function fw_notify_commands() returns trigger language plpgsql as $$
begin
  perform pg_notify('fw_changes', json_build_object('t', 'commands', 'x', pg_current_xact_id()::text, 'actor', a.actor_id)::text)
  from (select distinct actor_id from changed) a;
  return null;
end $$;

create trigger commands_notify after insert on commands referencing new table as changed
  for each statement execute function fw_notify_commands();
create trigger commands_notify_update after update on commands referencing new table as changed
  for each statement execute function fw_notify_commands();
