-- Refunds owed to clients: one row per ledger posting that sent a client's money to refunds, written in the
-- posting's transaction, and what the provider made of it. The row, not a job, is the record: the refund
-- jobs (escrow/tasks.ts) act on it and the reconciliation (payouts/reconcile.ts) reports every row that has
-- not succeeded, whatever day it was owed. Server-only: not replicated to devices.

create table client_refunds (
  id uuid primary key,
  -- The posting's dedupe key: settle:<milestone> for a settlement, late-refund:<payment intent> for a payment
  -- the milestone could not take. One refund per cause.
  cause text not null unique,
  milestone_id uuid not null references milestones (id),
  payment_intent_id text not null,
  amount bigint not null check (amount > 0),
  currency text not null,
  -- The provider's refund, once it accepted the request (or we found the one it had made).
  refund_id text unique,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  -- Provider calls made for it; the first one's time says when the provider's idempotency key may be gone.
  attempts int not null default 0,
  first_attempt_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((refund_id is not null) = (status = 'succeeded'))
);
-- What reconciliation reads each night: the few rows still owed or refused.
create index client_refunds_unsettled on client_refunds (created_at) where status <> 'succeeded';

-- Settlements already refunded: succeeded when the milestone has its refund id, otherwise still owed.
insert into client_refunds (id, cause, milestone_id, payment_intent_id, amount, currency, refund_id, status, first_attempt_at, created_at)
select gen_random_uuid(), p.dedupe_key, m.id, m.payment_intent_id, m.refunded_amount, m.currency, m.refund_id,
       case when m.refund_id is null then 'pending' else 'succeeded' end,
       -- Asked for before under other keys (or not at all): as if the key had expired, so the job looks up
       -- the payment's refunds at the provider before it asks for one (see escrow.refund).
       case when m.refund_id is null then now() - interval '1 day' end,
       p.created_at
from milestones m join ledger_postings p on p.dedupe_key = 'settle:' || m.id
where m.refunded_amount > 0;

-- Late payments sent back: their refund ids were only logged, so each is owed until its job finds the
-- provider's refund (or makes it) and records the id.
insert into client_refunds (id, cause, milestone_id, payment_intent_id, amount, currency, status, first_attempt_at, created_at)
select gen_random_uuid(), p.dedupe_key, p.milestone_id, substr(p.dedupe_key, length('late-refund:') + 1), e.amount, e.currency,
       'pending', now() - interval '1 day', p.created_at
from ledger_postings p join ledger_entries e on e.posting_id = p.id and e.amount > 0
where p.dedupe_key like 'late-refund:%';

-- One job per row still owed, under the keys the old jobs had, so each replaces its milestone's or payment's
-- old job (pending, retrying or dead) and its payload. On a fresh database the job schema does not exist yet
-- (it is installed after our migrations) and there is nothing owed.
do $$
declare
  r record;
begin
  if to_regclass('graphile_worker.jobs') is not null then
    for r in
      select id, task, task || ':' || subject as key
      from (select id,
                   case when cause like 'settle:%' then 'escrow.refund' else 'escrow.refund_payment' end as task,
                   case when cause like 'settle:%' then milestone_id::text else payment_intent_id end as subject
            from client_refunds where status = 'pending') owed
    loop
      -- As scheduleJob does: remove first, so that a runner holding the old job cannot lose the new one.
      perform graphile_worker.remove_job(r.key);
      perform graphile_worker.add_job(r.task, json_build_object('refundId', r.id), job_key => r.key, max_attempts => 25);
    end loop;
  end if;
end
$$;
