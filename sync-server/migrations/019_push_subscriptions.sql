-- Web push (sync-server/src/push): the devices that let us notify them, one row per browser subscription.
-- A subscription belongs to the session that registered it: news goes only to subscriptions of live sessions,
-- so signing out, or a session revoked for security, stops the pushes at once. The same device registering
-- again (another account signed in on it) takes the row over.
create table push_subscriptions (
  endpoint text primary key check (length(endpoint) <= 1024),
  user_id uuid not null references users (id),
  session_id uuid not null references sessions (id) on delete cascade,
  -- The browser's keys for the payload's encryption (RFC 8291), base64url.
  p256dh text not null,
  auth text not null,
  -- The last time the device registered (the app does at each start): a person's longest-silent devices go first.
  registered_at timestamptz not null default now(),
  last_sent_at timestamptz
);
create index push_subscriptions_user on push_subscriptions (user_id);
create index push_subscriptions_session on push_subscriptions (session_id);

-- How each piece of news went out: by push to at least one device, by text message, or both.
alter table outbox add column sent_via text check (sent_via in ('sms', 'push', 'both'));
-- When a push of it was taken, for news also texted: a retry of the text does not push (and buzz) again.
alter table outbox add column pushed_at timestamptz;
update outbox set sent_via = 'sms' where sent_at is not null;
