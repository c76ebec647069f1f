-- A plan still waiting for the other side is withdrawn, by the system, when its booking ends and when a part
-- of the booking is paid (escrow/step.ts). Plans left waiting before that rule are withdrawn the same way
-- now, with the same words in their timeline, so that no device offers to accept one.
update milestones m
set status = 'cancelled',
    timeline = m.timeline || jsonb_build_array(jsonb_build_object(
      'at', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'event', 'cancel', 'status', 'cancelled', 'by', 'system', 'actorId', null,
      'note', case when b.status in ('completed', 'cancelled', 'resolved')
                   then 'The booking ended before this plan was accepted.'
                   else 'A part it would replace was paid before it was accepted. Propose a new plan if one is needed.' end))
from bookings b
where b.id = m.booking_id
  and m.status = 'proposed'
  and not m.deleted
  and (b.status in ('completed', 'cancelled', 'resolved')
       or (select count(*) from milestones o where o.booking_id = m.booking_id and o.funded_at is not null) > coalesce(m.paid_parts_at_proposal, 0));
