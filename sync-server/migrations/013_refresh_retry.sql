-- A refresh whose answer was lost: on a 2G link the device often never hears the reply to a refresh it sent,
-- keeps the token it had, and presents it again. That token is used, so it used to end the session as if it
-- had been stolen. Each used token now names the token it was exchanged for, and who exchanged it (a hash of
-- their network and browser), so that a retry soon after, from the same client, can be told from a second
-- holder: while that successor has never been presented, the retry retires it unseen and gets a new one
-- (auth/sessions.ts). Presenting a retired token is reuse, like any used one.
alter table refresh_tokens add column replaced_by text, add column exchanged_by text;
