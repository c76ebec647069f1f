-- Escrow's two clocks as due times on the milestone, swept each minute (escrow.sweep in escrow/clocks.ts),
-- instead of one queued job per milestone and clock.
--
-- payment_expires_at already said when a checkout lapses; approval_check_at says when the client's approval
-- window next needs a look: its 24 h reminder, its 2 h reminder, then the deadline (auto_approve_at). Each
-- partial index holds only the milestones in the state its clock runs in, so a sweep reads the few that are
-- due and nothing else. Why not jobs: every fund and every submission wrote one (about a third of the
-- Postgres time of a fund-and-release cycle), and most of them later ran only to find the milestone paid or
-- approved.

alter table milestones add column approval_check_at timestamptz;
create index milestones_payment_due on milestones (payment_expires_at, id) where status = 'payment_pending';
create index milestones_approval_due on milestones (approval_check_at, id) where status = 'submitted';

-- Work already submitted is looked at by the first sweep, which sends whichever reminder is due (once: the
-- outbox's dedupe key) and sets the next check. Milliseconds, as the server's clock writes them: the sweep
-- moves a clock only from the exact time it read.
update milestones set approval_check_at = date_trunc('milliseconds', now()) where status = 'submitted' and auto_approve_at is not null;

-- The jobs these columns replace. On a fresh database the job schema does not exist yet (it is installed
-- after our migrations) and there is nothing to remove.
do $$
begin
  if to_regclass('graphile_worker.jobs') is not null then
    perform graphile_worker.remove_job(key) from graphile_worker.jobs
    where task_identifier in ('escrow.payment_expiry', 'escrow.approval_clock') and key is not null;
  end if;
end
$$;
