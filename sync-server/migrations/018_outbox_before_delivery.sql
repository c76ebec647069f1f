-- News has been written to the outbox since migration 001, and nothing sent it until notifications.deliver
-- (sync-server/src/notifications). What was written before is not sent now: "a worker accepted your gig, pay
-- to confirm" about a booking long finished would mislead. It is kept, marked as given up (attempts at
-- deliver.ts's MAX_ATTEMPTS, 8), with the reason.
update outbox
set attempts = 8, last_error = 'written before news was delivered; not sent'
where sent_at is null;
