// The change-note triggers (migration 002) as a listener receives them, and a stream catching up after its
// instance's LISTEN connection was re-established.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingDoc, GigDoc } from '@shared/replication';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, gigInput, run, uuidv7 } from '../../test/fixtures';
import { startServer, type RunningServer } from '../../test/server';
import { openSocket, signIn, stream } from '../../test/stream-client';
import { CHANGE_CHANNEL, parseChange } from './notifications';
import { attachStreams } from './stream';

let db: TestDb;
const notes: Record<string, unknown>[] = [];
const raw: string[] = [];
let unlisten: () => Promise<void>;

beforeAll(async () => {
  db = await createTestDb();
  const h = await db.sql.listen(CHANGE_CHANNEL, (p) => {
    raw.push(p);
    notes.push(JSON.parse(p) as Record<string, unknown>);
  });
  unlisten = h.unlisten;
});
afterAll(async () => {
  await unlisten();
  await db.drop();
});

/** The notes that arrive while `work` runs (and shortly after). */
async function notesOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  await new Promise((r) => setTimeout(r, 150)); // notes of the setup arrive first
  const from = notes.length;
  await work();
  await new Promise((r) => setTimeout(r, 150));
  return notes.slice(from);
}

const byTable = (ns: Record<string, unknown>[], t: string) => ns.filter((n) => n.t === t);

describe('change notes', () => {
  it('route every write of a gig’s life to the people it concerns, in small payloads', async () => {
    const client = await createUser(db.sql);
    const operator = await createOperator(db.sql);
    const gig = gigInput({ skills: { plumbing: 2 } });
    const bookingId = uuidv7();

    const posted = await notesOf(async () => applied(await run(db.sql, client, 'gig.post', gig)));
    const [xid] = (await db.sql<{ x: string }[]>`select change_xid::text as x from gigs where id = ${gig.gigId}`).map((r) => r.x);
    expect(byTable(posted, 'gigs')).toEqual([
      { t: 'gigs', x: xid, id: gig.gigId, client, worker: null, oldWorker: null, open: true, skills: { plumbing: 2 }, oldSkills: null, lat: gig.location.lat, lng: gig.location.lng, oldLat: null, oldLng: null },
    ]);
    expect(byTable(posted, 'commands')).toEqual([{ t: 'commands', x: xid, actor: client }]);

    const moved = await notesOf(async () => applied(await run(db.sql, client, 'gig.update', { gigId: gig.gigId, location: { lat: 37.8, lng: -122.4 } })));
    expect(byTable(moved, 'gigs')[0]).toMatchObject({ lat: 37.8, lng: -122.4, oldLat: gig.location.lat, oldLng: gig.location.lng, open: true });

    const accepted = await notesOf(async () => applied(await run(db.sql, operator, 'gig.accept', { gigId: gig.gigId, bookingId })));
    expect(byTable(accepted, 'bookings')).toEqual([expect.objectContaining({ id: bookingId, gig: gig.gigId, client, worker: operator, created: true })]);
    // Assigned now, open before: the feeds that showed it must hear that it left.
    expect(byTable(accepted, 'gigs')).toEqual([expect.objectContaining({ client, worker: operator, open: true })]);
    expect(byTable(accepted, 'commands')).toEqual([expect.objectContaining({ actor: operator })]);

    const chatted = await notesOf(async () => applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body: 'See you at 9' })));
    expect(byTable(chatted, 'messages')).toEqual([expect.objectContaining({ booking: bookingId, client, worker: operator })]);

    for (const p of raw) expect(p.length).toBeLessThan(1000);
    for (const n of notes) expect(parseChange(JSON.stringify(n))).not.toBeNull();
  });

  it('tell every actor of a group of commands stored in one statement, once each', async () => {
    const [a, b] = [await createUser(db.sql), await createUser(db.sql)];
    const row = (actor: string) => ({ id: uuidv7(), actor_id: actor, type: 'gig.cancel', payload: {}, payload_hash: 'h', issued_at: new Date().toISOString(), status: 'applied' });
    let xid = '';
    const stored = await notesOf(() =>
      db.sql.begin(async (tx) => {
        await tx`
          insert into commands (id, actor_id, type, payload, payload_hash, issued_at, status)
          select * from json_to_recordset(${JSON.stringify([row(a), row(b), row(a)])}::text::json)
            as c(id uuid, actor_id uuid, type text, payload json, payload_hash text, issued_at timestamptz, status text)`;
        xid = (await tx<{ xid: string }[]>`select pg_current_xact_id()::text as xid`)[0]!.xid;
      }),
    );
    const told = byTable(stored, 'commands');
    expect(told).toHaveLength(2);
    expect(told).toEqual(expect.arrayContaining([{ t: 'commands', x: xid, actor: a }, { t: 'commands', x: xid, actor: b }]));
  });

  it('name the person on profile writes, and sessions only when revoked', async () => {
    const operator = await createOperator(db.sql);
    const profile = await notesOf(async () => applied(await run(db.sql, operator, 'profile.update', { displayName: 'Ana', serviceRadiusKm: 12 })));
    expect(byTable(profile, 'users')).toEqual([expect.objectContaining({ user: operator })]);
    expect(byTable(profile, 'operator_profiles')).toEqual([expect.objectContaining({ user: operator })]);

    const { sessionId } = await signIn(db.sql, operator);
    const used = await notesOf(() => db.sql`update sessions set last_used_at = now() where id = ${sessionId}`);
    expect(byTable(used, 'sessions')).toEqual([]);
    const revoked = await notesOf(() => db.sql`update sessions set revoked_at = now(), revoked_reason = 'logout' where id = ${sessionId}`);
    expect(byTable(revoked, 'sessions')).toEqual([expect.objectContaining({ user: operator, sid: sessionId, revoked: true })]);
  });
});

describe('after the LISTEN connection comes back', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(db.sql, { attach: attachStreams });
  });
  afterAll(() => server.close());

  it('every stream catches up on what it may have missed meanwhile', async () => {
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, client);
    const s = openSocket(server.ws, { Authorization: `Bearer ${token}` });
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);

    // A write whose note is lost, as while the listening connection is down.
    const gig = gigInput({ title: 'Written while the server was deaf' });
    await db.sql`alter table gigs disable trigger gigs_notify`;
    await db.sql`alter table commands disable trigger commands_notify`;
    applied(await run(db.sql, client, 'gig.post', gig));
    await db.sql`alter table gigs enable trigger gigs_notify`;
    await db.sql`alter table commands enable trigger commands_notify`;
    await new Promise((r) => setTimeout(r, 200));
    expect(gigs.docs()).toEqual([]);
    // Drop the server's listening connection: postgres.js listens again, and the streams catch up.
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    await gigs.until((r) => r.docs().some((d) => d.id === gig.gigId), 10_000);
    await s.dispose();
  });

  it('a stream whose viewer lost a role meanwhile goes on in the scope it has now', async () => {
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    await createUser(db.sql, ['consumer', 'admin']); // the last admin cannot be demoted
    const { token } = await signIn(db.sql, admin);
    const s = openSocket(server.ws, { Authorization: `Bearer ${token}` });
    const bookings = stream<'bookings', BookingDoc>(s, 'bookings');
    await bookings.until((r) => r.resyncs() === 1);
    const seen = await acceptedBooking(db.sql, await createUser(db.sql), await createOperator(db.sql));
    await bookings.until((r) => r.docs().some((d) => d.id === seen.bookingId));
    // Demoted while the server was deaf: the note is lost.
    await db.sql`alter table users disable trigger users_notify`;
    await db.sql`update users set roles = '{consumer}' where id = ${admin}`;
    await db.sql`alter table users enable trigger users_notify`;
    await new Promise((r) => setTimeout(r, 200));
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    // The device is told to start over (its pull then drops what left its scope), and other people's
    // bookings no longer come.
    await bookings.until((r) => r.resyncs() === 2, 10_000);
    const unseen = await acceptedBooking(db.sql, await createUser(db.sql), await createOperator(db.sql));
    await new Promise((r) => setTimeout(r, 1000));
    expect(bookings.docs().some((d) => d.id === unseen.bookingId)).toBe(false);
    await s.dispose();
  });

  it('a socket whose session was revoked meanwhile is closed', async () => {
    const user = await createUser(db.sql);
    const { token, sessionId } = await signIn(db.sql, user);
    const s = openSocket(server.ws, { Authorization: `Bearer ${token}` });
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);
    // Revoked while the server was deaf: the note is lost.
    await db.sql`alter table sessions disable trigger sessions_notify`;
    await db.sql`update sessions set revoked_at = now(), revoked_reason = 'logout' where id = ${sessionId}`;
    await db.sql`alter table sessions enable trigger sessions_notify`;
    await new Promise((r) => setTimeout(r, 200));
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    expect(await s.closed).toEqual({ code: 4403, reason: 'session revoked' });
  });
});
