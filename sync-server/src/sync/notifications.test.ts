// Routing notes: parsing what the triggers write, and who the registry wakes for each.
import { describe, expect, it } from 'vitest';
import { ChangeRegistry, feedConcerns, parseChange, type Change, type ChangeSubscriber, type FeedArea } from './notifications';

const SF = { lat: 37.7749, lng: -122.4194 };
const LA = { lat: 34.0522, lng: -118.2437 };
const U1 = '01900000-0000-7000-8000-000000000001';
const U2 = '01900000-0000-7000-8000-000000000002';
const U3 = '01900000-0000-7000-8000-000000000003';

function sub(userId: string, opts: { admin?: boolean; area?: FeedArea } = {}) {
  const seen: Change[] = [];
  const s: ChangeSubscriber & { seen: Change[]; missed: bigint[] } = {
    userId,
    admin: opts.admin ?? false,
    area: opts.area ?? null,
    seen,
    missed: [],
    onChange: (c) => seen.push(c),
    onMissed: (x) => s.missed.push(x),
  };
  return s;
}

describe('parseChange', () => {
  it('reads a gig note with its feed facts only when the gig is or was open', () => {
    const open = parseChange(JSON.stringify({ t: 'gigs', x: '18446744073709551615', id: 'g', client: U1, worker: null, open: true, skills: { plumbing: 2 }, oldSkills: null, lat: 1, lng: 2, oldLat: 3, oldLng: 4 }));
    expect(open).toEqual({ table: 'gigs', xid: 18446744073709551615n, users: [U1], feed: { points: [{ lat: 1, lng: 2 }, { lat: 3, lng: 4 }], skills: [{ plumbing: 2 }] } });
    const draft = parseChange(JSON.stringify({ t: 'gigs', x: '7', client: U1, worker: U2, oldWorker: U3, open: false, lat: 1, lng: 2 }));
    expect(draft).toEqual({ table: 'gigs', xid: 7n, users: [U1, U2, U3] });
  });

  it('reads sessions, bookings and the rest, and rejects anything else', () => {
    expect(parseChange('{"t":"sessions","x":"9","user":"u","sid":"s","revoked":true}')).toEqual({ table: 'sessions', xid: 9n, users: ['u'], session: { id: 's', revoked: true } });
    expect(parseChange(`{"t":"bookings","x":"9","client":"${U1}","worker":"${U2}","created":true}`)).toMatchObject({ users: [U1, U2], created: true });
    expect(parseChange(`{"t":"commands","x":"9","actor":"${U1}"}`)).toEqual({ table: 'commands', xid: 9n, users: [U1] });
    for (const bad of ['', 'null', '[]', '{"t":"gigs"}', '{"t":"ledger","x":"1"}', '{"t":"gigs","x":"-1"}', '{"t":"gigs","x":"1e3"}', '{"t":"gigs","x":1}'])
      expect(parseChange(bad)).toBeNull();
  });
});

describe('feedConcerns', () => {
  const area: FeedArea = { home: SF, radiusKm: 10, skills: { plumbing: 3 } };
  it('needs a position inside the radius and skills that fit, new or old', () => {
    expect(feedConcerns(area, { points: [SF], skills: [{ plumbing: 2 }] })).toBe(true);
    expect(feedConcerns(area, { points: [LA], skills: [{ plumbing: 2 }] })).toBe(false);
    expect(feedConcerns(area, { points: [LA, SF], skills: [{ plumbing: 2 }] })).toBe(true); // moved out of the area
    expect(feedConcerns(area, { points: [SF], skills: [{ electrical: 1 }] })).toBe(false);
    expect(feedConcerns(area, { points: [SF], skills: [{ electrical: 1 }, { plumbing: 1 }] })).toBe(true); // no longer fits
  });

  it('judges the radius on the gig’s public point, as the feed does', () => {
    const home = { lat: 37.76, lng: -122.41 };
    // 9.23 km away, its public point 8.90 km; 9.47 km away, its public point 10.01 km.
    expect(feedConcerns({ home, radiusKm: 9, skills: {} }, { points: [{ lat: 37.843, lng: -122.41 }], skills: [] })).toBe(true);
    expect(feedConcerns({ home, radiusKm: 9.5, skills: {} }, { points: [{ lat: 37.8452, lng: -122.41 }], skills: [] })).toBe(false);
  });
});

describe('ChangeRegistry', () => {
  const gig = (feed?: Change['feed'], users = [U1]): Change => ({ table: 'gigs', xid: 5n, users, ...(feed && { feed }) });

  it('wakes the named users, admins and operators whose feed the gig is in, once each', () => {
    const r = new ChangeRegistry();
    const client = sub(U1);
    const admin = sub(U2, { admin: true, area: { home: SF, radiusKm: 10, skills: { plumbing: 3 } } });
    const near = sub(U3, { area: { home: SF, radiusKm: 10, skills: { plumbing: 3 } } });
    const far = sub(U3, { area: { home: LA, radiusKm: 10, skills: { plumbing: 3 } } });
    const other = sub(U3);
    for (const s of [client, admin, near, far, other]) r.add(s);
    r.dispatch(gig({ points: [SF], skills: [{ plumbing: 1 }] }));
    expect([client, admin, near, far, other].map((s) => s.seen.length)).toEqual([1, 1, 1, 0, 0]);
    // A gig that is not and was not open concerns no feed.
    r.dispatch(gig());
    expect([client, admin, near, far, other].map((s) => s.seen.length)).toEqual([2, 2, 1, 0, 0]);
    expect(r.size).toBe(5);
    r.remove(near);
    r.remove(client);
    r.dispatch(gig({ points: [SF], skills: [{ plumbing: 1 }] }));
    expect([client, near].map((s) => s.seen.length)).toEqual([2, 1]);
    expect(r.size).toBe(3);
  });

  it('wakes a milestone’s or a dispute’s two parties and the admins, and nobody else', () => {
    const r = new ChangeRegistry();
    const [client, worker, admin, stranger] = [sub(U1), sub(U2), sub('01900000-0000-7000-8000-0000000000ad', { admin: true }), sub(U3)];
    for (const s of [client, worker, admin, stranger]) r.add(s);
    for (const t of ['milestones', 'disputes']) {
      const note = parseChange(JSON.stringify({ t, x: '12', id: 'm', booking: 'b', client: U1, worker: U2 }));
      expect(note).toEqual({ table: t, xid: 12n, users: [U1, U2] });
      r.dispatch(note!);
    }
    expect([client, worker, admin, stranger].map((s) => s.seen.map((c) => c.table))).toEqual([
      ['milestones', 'disputes'], ['milestones', 'disputes'], ['milestones', 'disputes'], [],
    ]);
  });

  it('calls revocation listeners for their session only, and tells every subscriber what it may have missed', () => {
    const r = new ChangeRegistry();
    const calls: string[] = [];
    const off = r.onSessionRevoked('s1', () => calls.push('s1'));
    r.onSessionRevoked('s2', () => calls.push('s2'));
    r.dispatch({ table: 'sessions', xid: 1n, users: [U1], session: { id: 's1', revoked: true } });
    off();
    r.dispatch({ table: 'sessions', xid: 2n, users: [U1], session: { id: 's1', revoked: true } });
    expect(calls).toEqual(['s1']);
    const a = sub(U1);
    const b = sub(U2, { admin: true });
    r.add(a);
    r.add(b);
    r.missedAll(42n);
    expect([a.missed, b.missed]).toEqual([[42n], [42n]]);
  });
});
