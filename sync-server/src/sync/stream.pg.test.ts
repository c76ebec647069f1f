// Live streams over graphql-ws against real servers on one database: authentication and the socket's
// lifetime, delivery of command effects, fan-out between two instances through LISTEN/NOTIFY, operator
// areas, scope changes, the watermark retry rule, and the limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CommandDoc, DisputeDoc, GigDoc, MilestoneDoc, ProfileDoc } from '@shared/replication';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, createOperator, createUser, gigInput, run, applied, uuidv7 } from '../../test/fixtures';
import { startServer, type RunningServer } from '../../test/server';
import { openSocket, signIn, stream, streamQuery, type TestSocket } from '../../test/stream-client';
import { createSql, type Sql } from '../db/sql';
import { attachStreams } from './stream';

let db: TestDb;
let sqlB: Sql;
let a: RunningServer;
let b: RunningServer;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  db = await createTestDb();
  a = await startServer(db.sql, { attach: attachStreams });
  // A second instance: its own pool and its own LISTEN connection, as another process would have.
  sqlB = createSql(db.url, { max: 5 });
  b = await startServer(sqlB, { attach: attachStreams });
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await a.close();
  await b.close();
  await sqlB.end({ timeout: 5 });
  await db.drop();
});

function socket(url: string, params: Record<string, unknown> | (() => Record<string, unknown>) = {}): TestSocket {
  const s = openSocket(url, params);
  sockets.push(s);
  return s;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('authentication', () => {
  it('closes a socket without a token with 4401 and sends nothing', async () => {
    const s = socket(a.ws);
    const gigs = stream(s, 'gigs');
    expect(await s.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    expect(gigs.bulks).toEqual([]);
  });

  it('closes a socket with a forged token with 4401 and sends nothing', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not our signature').toString('base64url')}`;
    const s = socket(a.ws, bearer(forged));
    const gigs = stream(s, 'gigs');
    expect(await s.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    expect(gigs.bulks).toEqual([]);
  });

  it('accepts the token in the subscription headers when the socket carried none, and refuses a forged one there', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const ok = socket(a.ws);
    const gigs = stream(ok, 'gigs', { headers: bearer(token) });
    await gigs.until((r) => r.resyncs() === 1);

    const bad = socket(a.ws);
    const forged = stream(bad, 'gigs', { headers: bearer(token.slice(0, -4) + 'AAAA') });
    expect(await bad.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    expect(forged.bulks).toEqual([]);
  });

  it('closes the socket with 4401 "token expired" when its access token expires', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user, { ttlSeconds: 2 });
    const s = socket(a.ws, bearer(token));
    const gigs = stream(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);
    const started = Date.now();
    expect(await s.closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('closes the socket with 4403 "session revoked" when its session is revoked, on any instance', async () => {
    const user = await createUser(db.sql);
    const { token, sessionId } = await signIn(db.sql, user);
    const s = socket(b.ws, bearer(token));
    const gigs = stream(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);
    await db.sql`update sessions set revoked_at = now(), revoked_reason = 'logout' where id = ${sessionId}`;
    expect(await s.closed).toEqual({ code: 4403, reason: 'session revoked' });
  });

  it('refuses a socket for a session that is already revoked', async () => {
    const user = await createUser(db.sql);
    const { token, sessionId } = await signIn(db.sql, user);
    await db.sql`update sessions set revoked_at = now() where id = ${sessionId}`;
    const s = socket(a.ws, bearer(token));
    const gigs = stream(s, 'gigs');
    expect(await s.closed).toEqual({ code: 4403, reason: 'session revoked' });
    expect(gigs.bulks).toEqual([]);
  });
});

describe('delivery', () => {
  it('starts with RESYNC, then delivers the effects of a command and its outcome', async () => {
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, client);
    const s = socket(a.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    const commands = stream<'commands', CommandDoc>(s, 'commands');
    await gigs.until((r) => r.resyncs() === 1);
    await commands.until((r) => r.resyncs() === 1);
    expect(gigs.bulks[0]).toEqual({ documents: [], checkpoint: { xid: '0', id: '__resync__', scope: null } });

    const gig = gigInput();
    const commandId = uuidv7();
    applied(await run(db.sql, client, 'gig.post', gig, { id: commandId }));
    await gigs.until((r) => r.docs().some((d) => d.id === gig.gigId));
    expect(gigs.docs().find((d) => d.id === gig.gigId)).toMatchObject({ title: gig.title, status: 'open', clientId: client, exactLocation: true });
    const last = gigs.bulks.at(-1)!;
    expect(last.checkpoint).toMatchObject({ id: gig.gigId });
    await commands.until((r) => r.docs().some((d) => d.id === commandId));
    expect(commands.docs().find((d) => d.id === commandId)).toMatchObject({ status: 'applied', type: 'gig.post' });
  });

  it('fans out across instances: a push through instance A reaches a subscriber on instance B', async () => {
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, client);
    const s = socket(b.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);

    const gig = gigInput({ title: 'Through the other instance' });
    const row = { assumedMasterState: null, newDocumentState: { id: uuidv7(), type: 'gig.post', payload: JSON.stringify(gig), issuedAt: new Date().toISOString() } };
    const res = await fetch(a.http, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ query: 'mutation P($rows: [CommandPushRow!]!) { pushCommands(rows: $rows) { id status } }', variables: { rows: [row] } }),
    });
    expect(((await res.json()) as { data: { pushCommands: { status: string }[] } }).data.pushCommands[0]!.status).toBe('applied');
    await gigs.until((r) => r.docs().some((d) => d.id === gig.gigId));
  });

  it('gives an operator the open gigs in their area that fit their skills, and not the others', async () => {
    const operator = await createOperator(db.sql, { skills: { plumbing: 3 }, radiusKm: 10 });
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, operator);
    const s = socket(a.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);

    const far = gigInput({ title: 'In Los Angeles', location: { lat: 34.0522, lng: -118.2437 } });
    const unskilled = gigInput({ title: 'Needs an electrician', skills: { electrical: 2 } });
    const near = gigInput({ title: 'Around the corner' });
    for (const g of [far, unskilled, near]) applied(await run(db.sql, client, 'gig.post', g));
    await gigs.until((r) => r.docs().some((d) => d.id === near.gigId));
    // The others committed before the near gig, so they would have come first. The pull may name a gig in
    // the area that the operator may not see as a tombstone (id only); one outside the area never.
    expect(gigs.docs().filter((d) => !d.deleted).map((d) => d.id)).toEqual([near.gigId]);
    expect(gigs.docs().map((d) => d.id)).not.toContain(far.gigId);
    for (const d of gigs.docs().filter((d) => d.deleted)) expect(d).toMatchObject({ id: unskilled.gigId, title: '', address: '' });
    // Projected for an operator with no booking: no address, rounded location.
    expect(gigs.docs().find((d) => d.id === near.gigId)).toMatchObject({ address: '', exactLocation: false });
  });

  it('waits for an older transaction that holds the watermark back, then delivers in order (no gap)', async () => {
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, client);
    const s = socket(a.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);

    // An older transaction takes an xid and keeps it open: it writes nothing this user can see.
    const older = await db.sql.reserve();
    await older`begin`;
    await older`select pg_current_xact_id()`;
    const gig = gigInput({ title: 'Committed behind an older transaction' });
    applied(await run(db.sql, client, 'gig.post', gig));
    await sleep(400);
    expect(gigs.docs()).toEqual([]); // notified, but not below the watermark yet
    await older`commit`;
    older.release();
    // No note concerns this subscriber now: the shared retry timer must notice the watermark moved.
    await gigs.until((r) => r.docs().some((d) => d.id === gig.gigId), 2000);
  });

  it('delivers the older transaction’s rows too when it commits later, in transaction order', async () => {
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, client);
    const s = socket(b.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);

    const olderId = uuidv7();
    const older = await db.sql.reserve();
    await older`begin`;
    await older`insert into gigs (id, client_id, title, skills, budget_amount, currency, lat, lng, status)
                values (${olderId}, ${client}, 'Written first, committed last', '{"plumbing": 1}', 5000, 'USD', 37.77, -122.42, 'open')`;
    const newer = gigInput({ title: 'Written second, committed first' });
    applied(await run(db.sql, client, 'gig.post', newer));
    await sleep(200);
    await older`commit`;
    older.release();
    await gigs.until((r) => r.docs().length === 2);
    expect(gigs.docs().map((d) => d.id)).toEqual([olderId, newer.gigId]);
  });

  it('re-scopes on a profile change: RESYNC, then the new area', async () => {
    const operator = await createOperator(db.sql, { skills: { plumbing: 3 }, radiusKm: 5 });
    const client = await createUser(db.sql);
    const { token } = await signIn(db.sql, operator);
    const s = socket(a.ws, bearer(token));
    const gigs = stream<'gigs', GigDoc>(s, 'gigs');
    const profiles = stream<'profiles', ProfileDoc>(s, 'profiles');
    await gigs.until((r) => r.resyncs() === 1);
    await profiles.until((r) => r.resyncs() === 1);

    // 30 km south: outside 5 km, inside 50 km.
    const south = gigInput({ title: 'Down the peninsula', location: { lat: 37.5, lng: -122.3 } });
    applied(await run(db.sql, client, 'gig.post', south));
    applied(await run(db.sql, operator, 'profile.update', { serviceRadiusKm: 50 }));
    await gigs.until((r) => r.resyncs() === 2);
    expect(gigs.docs()).toEqual([]);
    // The profile's own scope did not change: the new radius comes as a change, not as a start-over.
    await profiles.until((r) => r.docs().some((d) => d.id === operator && d.serviceRadiusKm === 50));
    expect(profiles.resyncs()).toBe(1);
    const later = gigInput({ title: 'Also down the peninsula', location: { lat: 37.5, lng: -122.31 } });
    applied(await run(db.sql, client, 'gig.post', later));
    await gigs.until((r) => r.docs().some((d) => d.id === later.gigId));
  });

  it('re-scopes on a role change made by an admin', async () => {
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const s = socket(b.ws, bearer(token));
    const gigs = stream(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);
    applied(await run(db.sql, admin, 'user.set_roles', { userId: user, roles: ['consumer', 'operator'] }));
    await gigs.until((r) => r.resyncs() === 2);
  });
});

describe('milestones and disputes', () => {
  it('streams a milestone’s change to both parties, and a dispute to them and to an admin with the booking’s milestones', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    const stranger = await createUser(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const milestoneId = (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`)[0]!.id;
    const open = async (user: string, url: string) => {
      const s = socket(url, bearer((await signIn(db.sql, user)).token));
      const r = { milestones: stream<'milestones', MilestoneDoc>(s, 'milestones'), disputes: stream<'disputes', DisputeDoc>(s, 'disputes') };
      await r.milestones.until((x) => x.resyncs() === 1);
      await r.disputes.until((x) => x.resyncs() === 1);
      return r;
    };
    // On both instances: the notes reach every process.
    const [c, w, mediator, x] = [await open(client, a.ws), await open(worker, b.ws), await open(admin, b.ws), await open(stranger, a.ws)];

    applied(await run(db.sql, client, 'milestone.fund', { milestoneId }));
    for (const party of [c, w]) await party.milestones.until((r) => r.docs().some((d) => d.id === milestoneId && d.status === 'payment_pending'));

    const disputeId = uuidv7();
    await db.sql`
      insert into disputes (id, booking_id, milestone_id, client_id, worker_id, opened_by, opened_by_id, reason, refund_amount, amount,
                            currency, status, respond_by, opened_at)
      values (${disputeId}, ${bookingId}, ${milestoneId}, ${client}, ${worker}, 'worker', ${worker}, 'Paid late', 0, 8000, 'USD', 'open',
              now() + interval '5 days', now())`;
    for (const who of [c, w, mediator]) await who.disputes.until((r) => r.docs().some((d) => d.id === disputeId && d.reason === 'Paid late'));
    // The dispute brought the booking's milestone into the mediator's scope, without writing the milestone.
    await mediator.milestones.until((r) => r.docs().some((d) => d.id === milestoneId && !d.deleted));
    await sleep(300);
    expect([...x.milestones.docs(), ...x.disputes.docs()]).toEqual([]);
  });
});

describe('limits', () => {
  /** The errors a refused subscription gets (as an error message, or as a result with errors). */
  async function subscribeRaw(s: TestSocket, query: string): Promise<unknown[]> {
    return new Promise((resolve) => {
      const errors: unknown[] = [];
      s.client.subscribe({ query }, { next: (r) => errors.push(...(r.errors ?? [])), error: (e) => resolve([...errors, e]), complete: () => resolve(errors) });
    });
  }

  it('refuses several root fields, aliases, deep documents and queries over the socket', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const s = socket(a.ws, bearer(token));
    const two = await subscribeRaw(s, 'subscription { streamGigs { checkpoint { xid } } streamBookings { checkpoint { xid } } }');
    expect(JSON.stringify(two)).toContain('exactly one stream field');
    const aliased = await subscribeRaw(s, 'subscription { a: streamGigs { checkpoint { xid } } ...F } fragment F on Subscription { b: streamGigs { checkpoint { xid } } }');
    expect(JSON.stringify(aliased)).toContain('exactly one stream field');
    const deep = await subscribeRaw(s, 'subscription { streamGigs { documents { budget { amount { a { b { c } } } } } } }');
    expect(JSON.stringify(deep)).toContain('at most 6 levels deep');
    const query = await subscribeRaw(s, '{ pullGigs(limit: 1) { checkpoint { xid } } }');
    expect(JSON.stringify(query)).toContain('POST /graphql');
    // The socket is still good for a proper subscription.
    const gigs = stream(s, 'gigs');
    await gigs.until((r) => r.resyncs() === 1);
  });

  it('refuses a 21st subscription on one socket', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const s = socket(a.ws, bearer(token));
    const subs = Array.from({ length: 20 }, () => stream(s, 'messages'));
    await Promise.all(subs.map((r) => r.until((x) => x.resyncs() === 1)));
    const extra = await subscribeRaw(s, streamQuery('gigs'));
    expect(JSON.stringify(extra)).toContain('At most 20 subscriptions');
    subs.forEach((r) => r.unsubscribe());
  }, 15_000);

  it('lets 20 of a burst of 21 subscriptions in, however fast they come, and a new one once one ends', async () => {
    const user = await createUser(db.sql);
    const { token } = await signIn(db.sql, user);
    const s = socket(a.ws, bearer(token));
    // Sent in one go: each is listed by graphql-ws before any of them is set up.
    const unsubscribers: (() => void)[] = [];
    const outcomes = Array.from({ length: 21 }, () => {
      const errors: unknown[] = [];
      let resynced = false;
      const done = new Promise<'refused' | 'running'>((resolve) => {
        const stop = s.client.subscribe(
          { query: streamQuery('messages') },
          {
            next: (r) => {
              if (r.errors) errors.push(...r.errors);
              else if (!resynced) (resynced = true), resolve('running');
            },
            error: () => resolve('refused'),
            complete: () => resolve(errors.length > 0 ? 'refused' : 'running'),
          },
        );
        unsubscribers.push(stop);
      });
      return done;
    });
    const settled = await Promise.all(outcomes);
    expect(settled.filter((o) => o === 'running')).toHaveLength(20);
    expect(settled.filter((o) => o === 'refused')).toHaveLength(1);
    // One ends: there is room for another.
    unsubscribers[0]!();
    await new Promise((r) => setTimeout(r, 200));
    const next = stream(s, 'gigs');
    await next.until((r) => r.resyncs() === 1);
    unsubscribers.forEach((u) => u());
    next.unsubscribe();
  }, 15_000);

  it('refuses upgrades on other paths and oversized messages', async () => {
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${a.port}/elsewhere`, 'graphql-transport-ws');
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(refused).toBe('404');

    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(a.ws, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70 * 1024) } })));
      ws.on('close', (code) => resolve(code));
    });
    expect(closed).toBe(1009); // message too big
  });
});
