-- A payment plan replaces what was agreed but unpaid when it was proposed. How many of the booking's parts
-- had been paid for then, kept on each of the plan's parts: a part paid since means the plan would replace
-- paid work, and accepting it would charge the client twice (milestone.accept refuses it). A count, not a
-- time: the order of events is what matters, and several can share one clock reading.
alter table milestones add column paid_parts_at_proposal int check (paid_parts_at_proposal >= 0);
-- Plans already waiting count from now: what was paid before this migration is what they were proposed beside.
update milestones m set paid_parts_at_proposal = (
  select count(*) from milestones o where o.booking_id = m.booking_id and o.funded_at is not null)
where m.status = 'proposed';
