-- Where a gig was before it last moved. An operator's phone holds an open gig because it was near them; when the
-- client moves it away, the pull must still find it for them, to send the deletion that takes it off their feed
-- (sync-server/src/sync/pull.ts, gigCandidates). The change note already wakes them (oldLat/oldLng, migration 002).
-- One point is kept: a gig moved twice between a phone's pulls is found near its last two places only.
alter table gigs add column prev_lat double precision, add column prev_lng double precision;

create function fw_gig_previous_point() returns trigger language plpgsql as $$
begin
  if new.lat is distinct from old.lat or new.lng is distinct from old.lng then
    new.prev_lat := old.lat;
    new.prev_lng := old.lng;
  end if;
  return new;
end $$;
create trigger gigs_previous_point before update of lat, lng on gigs for each row execute function fw_gig_previous_point();
