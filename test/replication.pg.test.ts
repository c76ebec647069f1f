// End to end: the device's sync module (real RxDB replication-graphql over memory storage, in this process)
// against real sync servers on loopback ports (HTTP pulls and pushes, graphql-ws streams woken by
// LISTEN/NOTIFY) over a real Postgres. Issue 3, "Tests": offline chains, the accept race, restarts of the
// device and of the server, dropped connections, two instances, the scope matrix and sign-out.
//
// RxDB's free version allows 13 open collections per process and a device has seven, so a test that holds
// two devices at once opens only the collections it exercises on them (profiles and commands always come),
// and every test stops its devices before the next one starts.
// The test database's provided context (pgAdminUrl, pgTemplate) is declared by the global setup.
/// <reference path="../sync-server/test/global-setup.ts" />
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHQL_WEBSOCKET_BY_URL } from 'rxdb/plugins/replication-graphql';
import { BOOKING_INITIAL } from '@shared/booking-machine';
import { REJECTION_MESSAGES } from '@shared/rejections';
import type { CollectionName } from '@shared/replication';
import type { Role } from '@shared/roles';
import { createSyncClient, type SyncClient } from '../web/src/sync/client';
import { newId } from '../web/src/sync/ids';
import { testStorage, uniqueName, until } from '../web/src/sync/test-support';
import { createSql, type Sql } from '../sync-server/src/db/sql';
import { attachStreams } from '../sync-server/src/sync/stream';
import { createTestDb, type TestDb } from '../sync-server/test/db';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, gigInput, run } from '../sync-server/test/fixtures';
import { startServer, type RunningServer } from '../sync-server/test/server';
import { signIn } from '../sync-server/test/stream-client';

// The per-user rate limits are tested elsewhere; here retries after dropped responses re-send whole
// batches, which must not run into them.
const ENV = { COMMAND_RATE_PER_MIN: '100000', GRAPHQL_RATE_PER_MIN: '100000' };
const WAIT = 20_000;

let db: TestDb;
let s1: RunningServer;

beforeAll(async () => {
  db = await createTestDb();
  s1 = await startServer(db.sql, { env: ENV, attach: attachStreams });
});

afterAll(async () => {
  await s1?.close();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until `ok` holds, or fails naming what was awaited and the last value seen. */
async function eventually<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, what: string, ms = WAIT): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)?.slice(0, 400)}`);
    await sleep(25);
  }
}

// --- Devices ------------------------------------------------------------------------------------------

interface Endpoint {
  http: string;
  ws: string;
}

interface PushRecord {
  ids: string[];
}

interface Device {
  client: SyncClient;
  user: string;
  name: string;
  /** operationName of every HTTP request the device sent, in order. */
  ops: string[];
  /** Command ids of every push the device sent, per request. */
  pushes: PushRecord[];
}

const open = new Set<SyncClient>();

afterEach(async () => {
  for (const c of [...open]) await c.stop().catch(() => undefined);
  open.clear();
});

/**
 * A fetch that records what the device asks for. `loseResponse` returns true for a request whose
 * response should be lost after the server has handled it: the device waits for it forever, as a
 * phone whose connection died mid-response would until it gives up.
 */
function recordingFetch(ops: string[], pushes: PushRecord[], loseResponse?: (op: string) => boolean): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    let op = '?';
    try {
      const body = (await request.clone().json()) as { operationName?: string; variables?: { rows?: { newDocumentState: { id: string } }[] } };
      op = body.operationName ?? '?';
      if (op === 'PushCommands') pushes.push({ ids: (body.variables?.rows ?? []).map((r) => r.newDocumentState.id) });
    } catch {
      // not JSON: leave it to the server to refuse
    }
    ops.push(op);
    const response = await fetch(request);
    if (loseResponse?.(op)) {
      await response.arrayBuffer();
      return new Promise<Response>(() => {});
    }
    return response;
  };
}

async function rolesOf(user: string): Promise<Role[]> {
  const [u] = await db.sql<{ roles: Role[] }[]>`select roles from users where id = ${user}`;
  return u!.roles;
}

async function device(
  user: string,
  endpoint: Endpoint,
  opts: { name?: string; connect?: boolean; loseResponse?: (op: string) => boolean; collections?: CollectionName[]; silenceMs?: number } = {},
): Promise<Device> {
  const { token } = await signIn(db.sql, user);
  const ops: string[] = [];
  const pushes: PushRecord[] = [];
  const name = opts.name ?? uniqueName('dev');
  const client = await createSyncClient({
    name,
    storage: testStorage(),
    user: { id: user, roles: await rolesOf(user) },
    url: { http: endpoint.http, ws: endpoint.ws },
    getToken: () => token,
    fetch: recordingFetch(ops, pushes, opts.loseResponse),
    multiInstance: false,
    waitForLeadership: false,
    batchSize: 200,
    retryTime: 250,
    silenceMs: opts.silenceMs,
    connect: opts.connect ?? true,
    collections: opts.collections,
  });
  open.add(client);
  return { client, user, name, ops, pushes };
}

async function stop(d: Device) {
  open.delete(d.client);
  await d.client.stop();
}

/** Connected, in sync, and done with the pulls that follow the streams' start (their RESYNC). */
async function settled(d: Device) {
  await until(d.client.status$, (s) => s.connected, 'the device to connect', WAIT);
  await d.client.awaitInSync();
  let seen = -1;
  while (seen !== d.ops.length) {
    seen = d.ops.length;
    await sleep(400);
  }
}

const pulls = (ops: string[]) => ops.filter((op) => op.startsWith('Pull'));

/** What a device needs for the marketplace tests that hold two devices at once (see the top of the file). */
const MARKET: CollectionName[] = ['gigs', 'bookings', 'messages'];

async function localIds(d: Device, c: CollectionName): Promise<string[]> {
  const docs = await (d.client.db[c] as unknown as { find(): { exec(): Promise<{ primary: string }[]> } }).find().exec();
  return docs.map((x) => x.primary).sort();
}

async function pendingCount(d: Device): Promise<number> {
  return d.client.db.commands.count({ selector: { status: 'pending' } }).exec();
}

/** The server's record of these commands: each id once, in the order Postgres applied them. */
async function serverCommands(ids: string[]) {
  return db.sql<{ id: string; type: string; status: string; rejectionCode: string | null }[]>`
    select id, type, status, rejection_code from commands where id = any(${ids}::uuid[]) order by change_xid, id`;
}

// --- A TCP proxy whose connections can be cut, as a mobile network cuts them ---------------------------

async function cuttableProxy(port: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    sockets.add(inbound);
    sockets.add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    for (const s of [inbound, outbound]) s.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  let cuts = 0;
  return {
    http: `http://127.0.0.1:${p}/graphql`,
    ws: `ws://127.0.0.1:${p}/graphql`,
    get cuts() {
      return cuts;
    },
    /** Cuts every open connection (HTTP and sockets), mid-request or not. */
    cutAll() {
      if (sockets.size > 0) cuts++;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------------------------------------------

describe('offline', () => {
  it('applies a chain issued offline once and in order on reconnect; the other party receives it by stream', async () => {
    const consumer = await createUser(db.sql, ['consumer'], 'Casey');
    const operator = await createOperator(db.sql);
    // An earlier gig the operator took: the chat the offline message goes to.
    const earlier = gigInput({ title: 'An earlier job' });
    applied(await run(db.sql, consumer, 'gig.post', earlier));
    const bookingId = newId();
    applied(await run(db.sql, operator, 'gig.accept', { gigId: earlier.gigId, bookingId }));

    const op = await device(operator, s1, { collections: MARKET });
    await settled(op);
    const opRequestsBefore = op.ops.length;

    // The consumer's device has never been online in this session.
    const cons = await device(consumer, s1, { connect: false, collections: MARKET });
    const gig = gigInput({ title: 'Leaking tap', address: '12 Hidden Way' });
    const edited = 'Leaking tap and a loose tile';
    const messageId = newId();
    const ids = [
      (await cons.client.issue('gig.post', gig)).id,
      (await cons.client.issue('gig.update', { gigId: gig.gigId, title: edited })).id,
      (await cons.client.issue('message.send', { messageId, bookingId, body: 'Written in a tunnel' })).id,
      (await cons.client.issue('profile.update', { displayName: 'Casey C.' })).id,
    ];
    const shown = await until(cons.client.view$('gigs', gig.gigId), (v) => v?.title === edited, 'the edited provisional gig', WAIT);
    expect(shown).toMatchObject({ provisional: true, pending: true });
    expect(await until(cons.client.status$, (st) => st.pending === 4, 'four pending', WAIT)).toMatchObject({ connected: false, pending: 4 });
    expect(await serverCommands(ids)).toEqual([]);

    cons.client.connect();
    for (const id of ids) expect(await cons.client.awaitConfirmed(id, WAIT)).toMatchObject({ id, status: 'applied' });

    // Once each, in the order issued.
    const rows = await serverCommands(ids);
    expect(rows.map((r) => [r.id, r.status])).toEqual(ids.map((id) => [id, 'applied']));
    const [g] = await db.sql<{ title: string; status: string }[]>`select title, status from gigs where id = ${gig.gigId}`;
    expect(g).toEqual({ title: edited, status: 'open' });
    const [m] = await db.sql<{ n: number }[]>`select count(*)::int as n from messages where id = ${messageId}`;
    expect(m!.n).toBe(1);
    const [u] = await db.sql<{ displayName: string }[]>`select display_name from users where id = ${consumer}`;
    expect(u!.displayName).toBe('Casey C.');
    // Every push carried each command once (nothing needed a retry here).
    expect(cons.pushes.flatMap((p) => p.ids)).toEqual(ids);

    // The operator's device got the new gig (projected for an operator without a booking) and the
    // message through its streams, without pulling.
    const opGig = await eventually(() => op.client.db.gigs.findOne(gig.gigId).exec(), (d) => d?.title === edited, "the gig on the operator's device");
    expect(opGig!.toJSON()).toMatchObject({ clientId: consumer, address: '', exactLocation: false, status: 'open' });
    const opMessage = await eventually(() => op.client.db.messages.findOne(messageId).exec(), (d) => d !== null, "the message on the operator's device");
    expect(opMessage!.toJSON()).toMatchObject({ bookingId, senderId: consumer, body: 'Written in a tunnel' });
    expect(pulls(op.ops.slice(opRequestsBefore))).toEqual([]);

    // The consumer's own view is now the server's.
    await until(cons.client.view$('gigs', gig.gigId), (v) => v?.provisional === false && !v.pending && v.title === edited, 'the confirmed gig', WAIT);
    await until(cons.client.status$, (s) => s.pending === 0 && s.rejected.length === 0, 'nothing pending', WAIT);
  });
});

describe('rejection', () => {
  it('two operators accept one gig offline: one booking; the loser sees why, loses the booking, and keeps working', async () => {
    const client = await createUser(db.sql);
    const o1 = await createOperator(db.sql);
    const o2 = await createOperator(db.sql);
    const gig = gigInput({ title: 'Wanted by two' });
    applied(await run(db.sql, client, 'gig.post', gig));

    const devices = [await device(o1, s1, { collections: MARKET }), await device(o2, s1, { collections: MARKET })];
    for (const d of devices) {
      await eventually(() => d.client.db.gigs.findOne(gig.gigId).exec(), (x) => x !== null, 'the gig in the feed');
      await eventually(() => d.client.db.profiles.findOne(d.user).exec(), (p) => p?.available === true, 'the own profile');
      await d.client.awaitInSync();
      await d.client.disconnect();
    }

    const accepts: { cmd: string; bookingId: string }[] = [];
    for (const d of devices) {
      const bookingId = newId();
      const { id } = await d.client.issue('gig.accept', { gigId: gig.gigId, bookingId });
      accepts.push({ cmd: id, bookingId });
      const list = await until(d.client.viewAll$('bookings'), (l) => l.some((b) => b.id === bookingId), 'the optimistic booking', WAIT);
      expect(list.find((b) => b.id === bookingId)).toMatchObject({ provisional: true, workerId: d.user, status: BOOKING_INITIAL, gigId: gig.gigId });
    }

    for (const d of devices) d.client.connect();
    const outcomes = await Promise.all(devices.map((d, i) => d.client.awaitConfirmed(accepts[i]!.cmd, WAIT)));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['applied', 'rejected']);
    const w = outcomes.findIndex((o) => o.status === 'applied');
    const l = 1 - w;
    const [winner, loser] = [devices[w]!, devices[l]!];
    const gigTaken = 'This gig was just taken by another worker.';
    expect(REJECTION_MESSAGES.gig_taken).toBe(gigTaken);
    expect(outcomes[l]).toMatchObject({ rejectionCode: 'gig_taken', rejectionMessage: gigTaken });

    // Postgres: exactly one booking, the winner's.
    const bookings = await db.sql<{ id: string; workerId: string }[]>`select id, worker_id from bookings where gig_id = ${gig.gigId}`;
    expect(bookings).toEqual([{ id: accepts[w]!.bookingId, workerId: winner.user }]);

    // The loser's device: the reason is shown, the optimistic booking is gone, the taken gig left its feed.
    const status = await until(loser.client.status$, (s) => s.rejected.length === 1 && s.pending === 0, "the loser's rejection", WAIT);
    expect(status.rejected[0]).toMatchObject({ id: accepts[l]!.cmd, type: 'gig.accept', code: 'gig_taken', message: gigTaken });
    await until(loser.client.viewAll$('bookings'), (list) => list.length === 0, "the loser's bookings to empty", WAIT);
    await eventually(() => loser.client.db.gigs.findOne(gig.gigId).exec(), (x) => x === null, 'the taken gig to leave the loser’s device');

    // The winner's booking is confirmed by the server.
    await until(winner.client.view$('bookings', accepts[w]!.bookingId), (b) => b?.provisional === false && !b.pending, "the winner's confirmed booking", WAIT);
    expect(winner.client.getStatus().rejected).toEqual([]);

    // The loser's queue keeps flowing.
    const { id: later } = await loser.client.issue('availability.set', { available: false });
    expect(await loser.client.awaitConfirmed(later, WAIT)).toMatchObject({ status: 'applied' });
    const [p] = await db.sql<{ available: boolean }[]>`select available from operator_profiles where user_id = ${loser.user}`;
    expect(p!.available).toBe(false);
    // The reason stays until dismissed.
    expect(loser.client.getStatus().rejected.map((r) => r.id)).toEqual([accepts[l]!.cmd]);
    await loser.client.dismiss(accepts[l]!.cmd);
    await until(loser.client.status$, (s) => s.rejected.length === 0, 'the dismissed rejection', WAIT);
  });
});

describe('no command lost or doubled', () => {
  it('device restart mid-push: the batch the server applied unheard is replayed, not re-applied; a multi-batch backlog applies in issue order', async () => {
    const user = await createUser(db.sql);
    const name = uniqueName('restart');
    const N = 120;

    // Offline, N gigs posted; the app is closed and reopened while still offline.
    let d = await device(user, s1, { name, connect: false });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push((await d.client.issue('gig.post', gigInput({ title: `Offline gig ${i}` }))).id);
    await stop(d);

    // Online again: the first push reaches the server, which applies it, but the answer never arrives;
    // the app is closed in the middle of that push.
    d = await device(user, s1, { name, loseResponse: (op) => op === 'PushCommands' });
    expect(await pendingCount(d)).toBe(N);
    const firstBatch = await eventually(() => d.pushes, (p) => p.length > 0, 'the first push').then((p) => p[0]!.ids);
    expect(firstBatch.length).toBeGreaterThan(0);
    expect(firstBatch.length).toBeLessThan(N);
    await eventually(() => serverCommands(firstBatch), (rows) => rows.length === firstBatch.length, 'the server to apply the first batch');
    await stop(d);
    const onServerAtStop = (await serverCommands(ids)).length;
    expect(onServerAtStop).toBe(firstBatch.length);

    // Reopened: everything still pending on the device is pushed, the first batch again.
    d = await device(user, s1, { name });
    expect(await pendingCount(d)).toBe(N);
    await eventually(() => pendingCount(d), (n) => n === 0, 'every command decided', 30_000);
    const pushedAgain = new Set(d.pushes.flatMap((p) => p.ids));
    for (const id of firstBatch) expect(pushedAgain.has(id)).toBe(true);

    // Exactly once: every id once on the server, all applied (a second application would have been
    // refused as duplicate_id), one gig each; and the device agrees.
    const rows = await serverCommands(ids);
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.every((r) => r.status === 'applied')).toBe(true);
    const [gigs] = await db.sql<{ n: number }[]>`select count(*)::int as n from gigs where client_id = ${user}`;
    expect(gigs!.n).toBe(N);
    const local = await d.client.db.commands.find().exec();
    expect(local.map((c) => c.primary).sort()).toEqual([...ids].sort());
    expect(local.every((c) => c.status === 'applied')).toBe(true);
    await eventually(() => localIds(d, 'gigs'), (g) => g.length === N, 'the gigs on the device');
  }, 60_000);

  it('a push whose answer never comes is given up after the silence limit: the outbox moves on, nothing applied twice', async () => {
    const user = await createUser(db.sql);
    let lost = 0;
    const d = await device(user, s1, { collections: MARKET, silenceMs: 1_000, loseResponse: (op) => op === 'PushCommands' && lost++ === 0 });
    await settled(d);
    const first = await d.client.issue('gig.post', gigInput({ title: 'Pushed, answer lost' }));
    await eventually(() => serverCommands([first.id]), (rows) => rows.length === 1, 'the server to apply the first push');
    const second = await d.client.issue('gig.post', gigInput({ title: 'Queued behind it' }));
    await eventually(() => pendingCount(d), (n) => n === 0, 'both commands decided on the device', 10_000);
    const rows = await serverCommands([first.id, second.id]);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[first.id, 'applied'], [second.id, 'applied']]);
    expect(d.pushes.filter((p) => p.ids.includes(first.id)).length).toBeGreaterThan(1);
  });

  it('connections cut at random while pushing, and replication stopped and restarted: every command applied exactly once', async () => {
    const proxy = await cuttableProxy(s1.port);
    try {
      const user = await createUser(db.sql);
      const d = await device(user, proxy);
      await until(d.client.status$, (s) => s.connected, 'the device to connect', WAIT);
      const ids: string[] = [];
      const post = async (i: number) => ids.push((await d.client.issue('gig.post', gigInput({ title: `Flaky gig ${i}` }))).id);

      let i = 0;
      for (let round = 0; round < 8; round++) {
        for (let k = 0; k < 5; k++) await post(i++);
        await sleep(Math.random() * 120);
        proxy.cutAll();
      }
      for (let round = 0; round < 4; round++) {
        await d.client.disconnect();
        for (let k = 0; k < 3; k++) await post(i++);
        d.client.connect();
        await sleep(Math.random() * 80);
      }
      expect(proxy.cuts).toBeGreaterThan(0);

      await eventually(() => pendingCount(d), (n) => n === 0, 'every command decided', 40_000);
      const rows = await serverCommands(ids);
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(rows.filter((r) => r.status !== 'applied')).toEqual([]);
      const [gigs] = await db.sql<{ n: number }[]>`select count(*)::int as n from gigs where client_id = ${user}`;
      expect(gigs!.n).toBe(ids.length);
      const local = await d.client.db.commands.find().exec();
      expect(local.filter((c) => c.status !== 'applied').map((c) => c.toJSON())).toEqual([]);
      // Pushes were in issue order: a command never reached the server before one issued earlier.
      expect(rows.map((r) => r.id)).toEqual(ids);
    } finally {
      for (const c of [...open]) await c.stop().catch(() => undefined);
      open.clear();
      await proxy.close();
    }
  }, 60_000);

  it('server restart mid-stream: the device converges on what changed meanwhile and its queued commands apply once', async () => {
    let srv = await startServer(db.sql, { env: ENV, attach: attachStreams });
    const port = srv.port;
    try {
      const user = await createUser(db.sql);
      const d = await device(user, srv);
      await settled(d);
      const first = gigInput({ title: 'Before the restart' });
      applied(await run(db.sql, user, 'gig.post', first));
      await eventually(() => d.client.db.gigs.findOne(first.gigId).exec(), (x) => x !== null, 'a streamed gig before the restart');

      await srv.close();
      await until(d.client.status$, (s) => !s.connected, 'the device to notice', WAIT);

      // While the server is down: a change made elsewhere, and commands issued on the device.
      const meanwhile = gigInput({ title: 'Posted while the server was down' });
      applied(await run(db.sql, user, 'gig.post', meanwhile));
      const ids = [
        (await d.client.issue('gig.update', { gigId: first.gigId, title: 'Edited while the server was down' })).id,
        (await d.client.issue('gig.post', gigInput({ title: 'Queued 1' }))).id,
        (await d.client.issue('gig.post', gigInput({ title: 'Queued 2' }))).id,
      ];
      await sleep(500); // a few failed retries against the closed port
      expect(await serverCommands(ids)).toEqual([]);

      srv = await startServer(db.sql, { env: ENV, attach: attachStreams, port });
      await until(d.client.status$, (s) => s.connected, 'the device to reconnect', 30_000);
      for (const id of ids) expect(await d.client.awaitConfirmed(id, WAIT)).toMatchObject({ status: 'applied' });
      await eventually(() => d.client.db.gigs.findOne(meanwhile.gigId).exec(), (x) => x !== null, 'the gig posted while the server was down');
      await eventually(() => d.client.db.gigs.findOne(first.gigId).exec(), (x) => x?.title === 'Edited while the server was down', 'the edit');
      const rows = await serverCommands(ids);
      expect(rows.map((r) => [r.id, r.status])).toEqual(ids.map((id) => [id, 'applied']));
      const [gigs] = await db.sql<{ n: number }[]>`select count(*)::int as n from gigs where client_id = ${user}`;
      expect(gigs!.n).toBe(4);
      await eventually(() => localIds(d, 'gigs'), (g) => g.length === 4, 'four gigs on the device');

      // The stream is live again: a later change arrives without a pull.
      await settled(d);
      const requestsBefore = d.ops.length;
      const after = gigInput({ title: 'After the restart' });
      applied(await run(db.sql, user, 'gig.post', after));
      await eventually(() => d.client.db.gigs.findOne(after.gigId).exec(), (x) => x !== null, 'a streamed gig after the restart');
      expect(pulls(d.ops.slice(requestsBefore))).toEqual([]);
    } finally {
      for (const c of [...open]) await c.stop().catch(() => undefined);
      open.clear();
      await srv.close();
    }
  }, 60_000);
});

describe('two server instances', () => {
  it('a command through instance 1 reaches a device streaming from instance 2, and back', async () => {
    // Instance 2 has its own pool and LISTEN connection, as another process would.
    const sql2: Sql = createSql(db.url, { max: 5 });
    const s2 = await startServer(sql2, { env: ENV, attach: attachStreams });
    try {
      const consumer = await createUser(db.sql);
      const operator = await createOperator(db.sql);
      const a = await device(consumer, s1, { collections: MARKET });
      const b = await device(operator, s2, { collections: MARKET });
      await settled(a);
      await settled(b);
      const [aBefore, bBefore] = [a.ops.length, b.ops.length];

      const gig = gigInput({ title: 'Across instances' });
      const { id } = await a.client.issue('gig.post', gig);
      expect(await a.client.awaitConfirmed(id, WAIT)).toMatchObject({ status: 'applied' });
      const onB = await eventually(() => b.client.db.gigs.findOne(gig.gigId).exec(), (x) => x !== null, 'the gig on instance 2');
      expect(onB!.toJSON()).toMatchObject({ title: gig.title, address: '', exactLocation: false });

      const bookingId = newId();
      const { id: acceptId } = await b.client.issue('gig.accept', { gigId: gig.gigId, bookingId });
      expect(await b.client.awaitConfirmed(acceptId, WAIT)).toMatchObject({ status: 'applied' });
      const onA = await eventually(() => a.client.db.bookings.findOne(bookingId).exec(), (x) => x !== null, 'the booking on instance 1');
      expect(onA!.toJSON()).toMatchObject({ gigId: gig.gigId, workerId: operator, clientId: consumer, status: BOOKING_INITIAL });
      await eventually(() => a.client.db.gigs.findOne(gig.gigId).exec(), (x) => x?.status === 'assigned', 'the assigned gig on instance 1');
      // The booked operator has the gig, but its door only once the client has paid: then by stream too.
      const booked = await eventually(() => b.client.db.gigs.findOne(gig.gigId).exec(), (x) => x?.workerId === operator, 'the booked gig for the worker');
      expect(booked!.toJSON()).toMatchObject({ address: '', exactLocation: false, bookingId });
      expect(await confirmPayment(db.sql, bookingId)).toBe('funded');
      await eventually(() => b.client.db.gigs.findOne(gig.gigId).exec(), (x) => x?.address === gig.address && x.exactLocation, 'the full gig for the worker');

      // All of it by stream: neither device pulled.
      expect(pulls(a.ops.slice(aBefore))).toEqual([]);
      expect(pulls(b.ops.slice(bBefore))).toEqual([]);
      expect(b.ops.slice(bBefore)).toEqual(['PushCommands']);
    } finally {
      for (const c of [...open]) await c.stop().catch(() => undefined);
      open.clear();
      await s2.close();
      await sql2.end({ timeout: 5 });
    }
  }, 60_000);
});

describe('scope matrix', () => {
  it('each role’s device holds what it may see, projected, by pull and by stream, and nothing else', async () => {
    // A world of its own in Berlin, away from the San Francisco gigs of the other tests (an admin sees those too).
    const here = { lat: 52.5163, lng: 13.3777 };
    const gig = (o: Parameters<typeof gigInput>[0]) => gigInput({ location: here, ...o });
    const c1 = await createUser(db.sql, ['consumer'], 'Client One');
    const c2 = await createUser(db.sql, ['consumer'], 'Client Two');
    const opIn = await createOperator(db.sql, { skills: { plumbing: 3, handyman: 3 }, home: { lat: 52.52, lng: 13.405 }, radiusKm: 10 });
    const opOut = await createOperator(db.sql, { skills: { plumbing: 3, handyman: 3 }, home: { lat: 48.137, lng: 11.575 }, radiusKm: 10 }); // Munich
    const admin = await createUser(db.sql, ['consumer', 'admin'], 'Admin');

    // Before any device connects (these arrive by pull).
    const gA = gig({ title: 'C1 plumbing', address: '1 Secret Lane' });
    const gE = gig({ title: 'C1 electrical', skills: { electrical: 2 }, address: '2 Secret Lane' });
    const gB = gig({ title: 'C2 plumbing', address: '3 Secret Lane' });
    for (const [who, g] of [[c1, gA], [c1, gE], [c2, gB]] as const) applied(await run(db.sql, who, 'gig.post', g));
    const bB = newId();
    applied(await run(db.sql, opIn, 'gig.accept', { gigId: gB.gigId, bookingId: bB }));
    const m1 = newId();
    applied(await run(db.sql, c2, 'message.send', { messageId: m1, bookingId: bB, body: 'Ring twice' }));
    const phone = async (u: string) => (await db.sql<{ phone: string }[]>`select phone from users where id = ${u}`)[0]!.phone;
    const phones = { client: await phone(c2), worker: await phone(opIn) };
    // The booking's price is its one milestone; paid, then disputed by the client for half of it.
    const mB = (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bB}`)[0]!.id;
    await confirmPayment(db.sql, bB);
    const dB = newId();
    applied(await run(db.sql, c2, 'dispute.open', { disputeId: dB, milestoneId: mB, reason: 'Only half done', refundAmount: 4000 }));

    // Live changes accumulate: a device opened later pulls the earlier ones.
    const lv = { c1: [] as string[], c2: [] as string[], elec: [] as string[], messages: [] as string[] };
    type Expect = { gigs: string[]; full: string[]; bookings: string[]; messages: string[]; profiles: string[]; milestones: string[]; disputes: string[] };
    const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id);
    /** What each device should hold; an admin holds everything there is. */
    const expected = async (user: string): Promise<Expect> => {
      const messages = [m1, ...lv.messages];
      switch (user) {
        case c1: {
          const own = [gA.gigId, gE.gigId, ...lv.c1, ...lv.elec];
          return { gigs: own, full: own, bookings: [], messages: [], profiles: [c1], milestones: [], disputes: [] };
        }
        case c2: {
          const own = [gB.gigId, ...lv.c2];
          return { gigs: own, full: own, bookings: [bB], messages, profiles: [c2], milestones: [mB], disputes: [dB] };
        }
        case opIn:
          return { gigs: [gA.gigId, gB.gigId, ...lv.c1, ...lv.c2], full: [gB.gigId], bookings: [bB], messages, profiles: [opIn], milestones: [mB], disputes: [dB] };
        case opOut:
          return { gigs: [], full: [], bookings: [], messages: [], profiles: [opOut], milestones: [], disputes: [] };
        default: {
          const all = await ids(db.sql`select id from gigs where not deleted`);
          return {
            gigs: all,
            full: all,
            bookings: await ids(db.sql`select id from bookings where not deleted`),
            messages: await ids(db.sql`select id from messages where not deleted`),
            profiles: await ids(db.sql`select id from users where not deleted`),
            // Mediators: every dispute, and every milestone of a booking that has one.
            milestones: await ids(db.sql`select m.id from milestones m where exists (select 1 from disputes d where d.booking_id = m.booking_id)`),
            disputes: await ids(db.sql`select id from disputes`),
          };
        }
      }
    };
    const label = (user: string) => ({ [c1]: 'consumer 1', [c2]: 'consumer 2', [opIn]: 'operator in area', [opOut]: 'operator out of area', [admin]: 'admin' })[user]!;
    const has = (have: string[], want: string[]) => want.every((id) => have.includes(id));

    for (const user of [c1, c2, opIn, opOut, admin]) {
      const who = label(user);
      const d = await device(user, s1);
      await settled(d);
      // While it is open (these arrive by stream): gigs by both clients, one no operator here can do, and a message.
      const requestsBefore = d.ops.length;
      const live = { c1: gig({ title: 'C1 live' }), c2: gig({ title: 'C2 live', address: '4 Secret Lane' }), elec: gig({ title: 'C1 live electrical', skills: { electrical: 2 } }) };
      applied(await run(db.sql, c1, 'gig.post', live.c1));
      applied(await run(db.sql, c2, 'gig.post', live.c2));
      applied(await run(db.sql, c1, 'gig.post', live.elec));
      const liveMessage = newId();
      applied(await run(db.sql, opIn, 'message.send', { messageId: liveMessage, bookingId: bB, body: 'On my way' }));
      lv.c1.push(live.c1.gigId);
      lv.c2.push(live.c2.gigId);
      lv.elec.push(live.elec.gigId);
      lv.messages.push(liveMessage);
      const want = await expected(user);

      // What it should see arrives by stream...
      await eventually(() => localIds(d, 'gigs'), (have) => has(have, want.gigs), `${who}: gigs`);
      await eventually(() => localIds(d, 'messages'), (have) => has(have, want.messages), `${who}: messages`);
      expect(pulls(d.ops.slice(requestsBefore)), who).toEqual([]);
      // ...and after a full pull round (the pull path) and a moment for any stray stream event, nothing else is there.
      d.client.replication!.reSync();
      await d.client.awaitInSync();
      await sleep(300);

      const gigs = (await d.client.db.gigs.find().exec()).map((x) => x.toJSON());
      expect(gigs.map((x) => x.id).sort(), `${who}: gigs`).toEqual([...want.gigs].sort());
      for (const g of gigs) {
        if (want.full.includes(g.id)) {
          expect(g.exactLocation, `${who}: ${g.title}`).toBe(true);
          expect(g.address, `${who}: ${g.title}`).not.toBe('');
        } else {
          // An operator before a booking: no address, a rounded location, no booking or worker.
          expect(g, `${who}: ${g.title}`).toMatchObject({ address: '', exactLocation: false });
          expect(g.bookingId, `${who}: ${g.title}`).toBeUndefined();
          expect(g.workerId, `${who}: ${g.title}`).toBeUndefined();
          expect(g.location, `${who}: ${g.title}`).toEqual({ lat: Math.round(here.lat * 100) / 100, lng: Math.round(here.lng * 100) / 100 });
        }
      }
      expect(await localIds(d, 'bookings'), `${who}: bookings`).toEqual([...want.bookings].sort());
      expect(await localIds(d, 'messages'), `${who}: messages`).toEqual([...want.messages].sort());
      expect(await localIds(d, 'profiles'), `${who}: profiles`).toEqual([...want.profiles].sort());
      expect(await localIds(d, 'milestones'), `${who}: milestones`).toEqual([...want.milestones].sort());
      expect(await localIds(d, 'disputes'), `${who}: disputes`).toEqual([...want.disputes].sort());
      // Commands: the user's own, whoever else acted on the same gigs and bookings.
      const own = await ids(db.sql`select id from commands where actor_id = ${user}`);
      expect(await localIds(d, 'commands'), `${who}: commands`).toEqual(own.sort());
      // Phone numbers travel only on the booking, to its parties (and to mediation).
      const booking = (await d.client.db.bookings.findOne(bB).exec())?.toJSON();
      if (want.bookings.includes(bB)) expect(booking, who).toMatchObject({ clientPhone: phones.client, workerPhone: phones.worker });
      await stop(d);
    }
  }, 60_000);
});

describe('money on devices', () => {
  it('a milestone’s steps and a dispute with evidence reach both parties’ devices by stream; money steps are not predicted', async () => {
    const client = await createUser(db.sql, ['consumer'], 'Carla');
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    const milestoneId = (await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`)[0]!.id;
    const money: CollectionName[] = ['bookings', 'milestones', 'disputes'];
    const [c, w] = [await device(client, s1, { collections: money }), await device(worker, s1, { collections: money })];
    await settled(c);
    await settled(w);
    expect((await c.client.db.milestones.findOne(milestoneId).exec())!.toJSON()).toMatchObject({
      bookingId, status: 'funded', amount: { amount: 8000, currency: 'USD' }, net: { amount: 7200, currency: 'USD' },
    });
    const before = { c: c.ops.length, w: w.ops.length };

    // The worker submits: shown as the server has it until the server answers (no prediction), then on both.
    const { id: submitId } = await w.client.issue('milestone.submit', { milestoneId, note: 'Washer replaced' });
    const pendingView = await until(w.client.view$('milestones', milestoneId), (m) => m !== undefined, 'the milestone view', WAIT);
    expect(pendingView).toMatchObject({ status: 'funded', pending: false });
    expect(await w.client.awaitConfirmed(submitId, WAIT)).toMatchObject({ status: 'applied' });
    for (const d of [c, w])
      await eventually(() => d.client.db.milestones.findOne(milestoneId).exec(), (m) => m?.status === 'submitted' && m.autoApproveAt !== undefined, 'the submitted milestone');

    // The client disputes it; the worker answers with evidence citing the chat.
    const disputeId = newId();
    const { id: openId } = await c.client.issue('dispute.open', { disputeId, milestoneId, reason: 'The tap still drips', refundAmount: 8000 });
    expect(await c.client.awaitConfirmed(openId, WAIT)).toMatchObject({ status: 'applied' });
    const opened = await eventually(() => w.client.db.disputes.findOne(disputeId).exec(), (x) => x !== null, 'the dispute on the worker’s device');
    expect(opened!.toJSON()).toMatchObject({ milestoneId, openedBy: 'client', refundAmount: { amount: 8000, currency: 'USD' }, status: 'open', evidence: [] });
    const messageId = newId();
    applied(await run(db.sql, worker, 'message.send', { messageId, bookingId, body: 'Fixed at 3pm, photo sent' }));
    const { id: evidenceId } = await w.client.issue('dispute.add_evidence', { evidenceId: newId(), disputeId, text: 'It was dry when I left.', messageIds: [messageId], attachmentIds: [] });
    expect(await w.client.awaitConfirmed(evidenceId, WAIT)).toMatchObject({ status: 'applied' });
    const answered = await eventually(() => c.client.db.disputes.findOne(disputeId).exec(), (x) => (x?.evidence.length ?? 0) === 1, 'the evidence on the client’s device');
    expect(answered!.toJSON().evidence[0]).toMatchObject({ by: 'worker', actorId: worker, text: 'It was dry when I left.', messageIds: [messageId], attachments: [] });
    await eventually(() => c.client.db.milestones.findOne(milestoneId).exec(), (m) => m?.status === 'disputed', 'the disputed milestone');

    // All of it by stream: neither device pulled.
    expect(pulls(c.ops.slice(before.c))).toEqual([]);
    expect(pulls(w.ops.slice(before.w))).toEqual([]);
  });
});

describe('sign-out', () => {
  it('stops replication and removes the local database', async () => {
    const user = await createUser(db.sql);
    const name = uniqueName('signout');
    const d = await device(user, s1, { name });
    await settled(d);
    const gig = gigInput({ title: 'Before signing out' });
    const { id } = await d.client.issue('gig.post', gig);
    expect(await d.client.awaitConfirmed(id, WAIT)).toMatchObject({ status: 'applied' });
    await eventually(() => d.client.db.gigs.findOne(gig.gigId).exec(), (x) => x !== null, 'the gig on the device');
    await until(d.client.status$, (s) => s.lastSyncedAt !== null, 'a sync time', WAIT);
    const sockets = () => [...GRAPHQL_WEBSOCKET_BY_URL.keys()].filter((k) => k.startsWith(s1.ws));
    expect(sockets()).toHaveLength(1);

    open.delete(d.client);
    await d.client.signOut();
    expect(d.client.db.closed).toBe(true);
    expect(sockets()).toEqual([]);

    // A change for this user after sign-out reaches nothing on this device.
    const requestsAtSignOut = d.ops.length;
    const after = gigInput({ title: 'After signing out' });
    applied(await run(db.sql, user, 'gig.post', after));
    await sleep(1000);
    expect(d.ops.length).toBe(requestsAtSignOut);

    // Reopening the same name finds nothing: no documents, no queue, no sync time.
    const again = await device(user, s1, { name, connect: false });
    for (const c of ['gigs', 'bookings', 'messages', 'profiles', 'commands', 'milestones', 'disputes'] as const) expect(await localIds(again, c), c).toEqual([]);
    expect(again.client.getStatus()).toMatchObject({ pending: 0, lastSyncedAt: null, rejected: [] });
  });
});
