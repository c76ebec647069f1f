-- The time zone of the device a person last signed in or refreshed their session from (an IANA name such as
-- "America/Los_Angeles"; auth/routes.ts checks it names a zone), so that a text's deadline is in their own
-- time rather than UTC. Null until a device has said: texts then say UTC, as before.
alter table users add column time_zone text check (length(time_zone) between 1 and 64);
