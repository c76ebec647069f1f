-- One fund-and-release cycle as bench:ledger runs it, in its fewest writes: four transactions (the client's
-- milestone.fund, the provider's confirmation posting the funding, the worker's milestone.submit, the
-- client's milestone.approve posting the release net of the fee), each keeping what the product keeps.
select nextval('runs') as n \gset
BEGIN;
insert into commands values (gen_random_uuid(), :client_id::bigint, 'milestone.fund', jsonb_build_object('milestoneId', :n::bigint), 'applied', '{}');
update milestones set status = 'payment_pending' where id = :n::bigint and status = 'agreed';
COMMIT;
BEGIN;
insert into provider_events values ('evt_' || :n::bigint);
insert into ledger_postings values (md5('f' || :n::bigint)::uuid, 'funding', :n::bigint);
insert into ledger_entries values (md5('f' || :n::bigint)::uuid, 1, -5000), (md5('f' || :n::bigint)::uuid, 1000000 + :n::bigint, 5000);
update milestones set status = 'funded', funded_at = now() where id = :n::bigint and status = 'payment_pending';
insert into outbox (user_id, template, data) values (:client_id::bigint + 100, 'milestone.funded', jsonb_build_object('milestoneId', :n::bigint));
COMMIT;
BEGIN;
insert into commands values (gen_random_uuid(), :client_id::bigint + 100, 'milestone.submit', jsonb_build_object('milestoneId', :n::bigint), 'applied', '{}');
update milestones set status = 'submitted', submitted_at = now() where id = :n::bigint and status = 'funded';
insert into outbox (user_id, template, data) values (:client_id::bigint, 'milestone.submitted', jsonb_build_object('milestoneId', :n::bigint));
COMMIT;
BEGIN;
insert into commands values (gen_random_uuid(), :client_id::bigint, 'milestone.approve', jsonb_build_object('milestoneId', :n::bigint), 'applied', '{}');
insert into ledger_postings values (md5('r' || :n::bigint)::uuid, 'release', :n::bigint);
insert into ledger_entries values (md5('r' || :n::bigint)::uuid, 1000000 + :n::bigint, -5000), (md5('r' || :n::bigint)::uuid, 2000 + :client_id::bigint, 4500), (md5('r' || :n::bigint)::uuid, 2, 500);
update milestones set status = 'released', settled_at = now(), released = 5000, fee = 500 where id = :n::bigint and status = 'submitted';
insert into outbox (user_id, template, data) values (:client_id::bigint + 100, 'milestone.released', jsonb_build_object('milestoneId', :n::bigint));
COMMIT;
