// Pull scoping, projection, tombstones and gap-free checkpoints against the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, CollectionName, GigDoc } from '@shared/replication';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, gigInput, run, uuidv7 } from '../../test/fixtures';
import { pull } from './pull';
import { loadViewer } from './viewer';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ max: 10 });
});
afterAll(() => db.drop());

/** Everything a user's device would hold after pulling a collection to the end, by id. */
async function sync(userId: string, collection: CollectionName, from: Checkpoint | null = null, batch = 3) {
  const viewer = (await loadViewer(db.sql, userId))!;
  const docs = new Map<string, Record<string, unknown>>();
  let cp = from;
  for (let i = 0; i < 1000; i++) {
    const page = await pull(db.sql, viewer, collection, cp, batch);
    for (const d of page.documents) docs.set(d.id, d as unknown as Record<string, unknown>);
    cp = page.checkpoint;
    if (page.documents.length < batch) break;
  }
  return { docs, checkpoint: cp };
}

describe('scope and projection', () => {
  let client: string, other: string, near: string, far: string, unskilled: string, admin: string;
  let gigId: string, otherGig: string;
  beforeAll(async () => {
    client = await createUser(db.sql);
    other = await createUser(db.sql);
    admin = await createUser(db.sql, ['consumer', 'admin']);
    near = await createOperator(db.sql, { skills: { plumbing: 3 } });
    far = await createOperator(db.sql, { skills: { plumbing: 5 }, home: { lat: 40.71, lng: -74.0 } });
    unskilled = await createOperator(db.sql, { skills: { painting: 5 } });
    gigId = (applied(await run(db.sql, client, 'gig.post', gigInput({ address: '12 Secret Lane' }))) as { gigId: string }).gigId;
    otherGig = (applied(await run(db.sql, other, 'gig.post', gigInput({ publish: false }))) as { gigId: string }).gigId;
  });

  it('shows a client their own gigs whole, and nobody else’s', async () => {
    const { docs } = await sync(client, 'gigs');
    expect((docs.get(gigId) as unknown as GigDoc).address).toBe('12 Secret Lane');
    expect(docs.has(otherGig)).toBe(false);
  });

  it('shows an operator open gigs that fit them nearby, without the address or the exact spot', async () => {
    const { docs } = await sync(near, 'gigs');
    const g = docs.get(gigId) as unknown as GigDoc;
    expect(g).toMatchObject({ deleted: false, address: '', exactLocation: false, bookingId: null });
    expect(g.location.lat).toBe(Math.round(37.7699 * 100) / 100);
    // Someone else's draft in the area may arrive only as a tombstone: an id, nothing else.
    expect(docs.get(otherGig) ?? { deleted: true }).toMatchObject({ deleted: true, title: '' });
    expect((await sync(far, 'gigs')).docs.size).toBe(0); // out of area: not even a tombstone
    expect([...(await sync(unskilled, 'gigs')).docs.values()].every((d) => d.deleted === true)).toBe(true);
  });

  it('tells operators to drop a gig another operator took, and shows the winner everything', async () => {
    const watcher = await createOperator(db.sql, { skills: { plumbing: 3 } });
    const before = await sync(watcher, 'gigs');
    expect((before.docs.get(gigId) as unknown as GigDoc).deleted).toBe(false);
    const bookingId = uuidv7();
    applied(await run(db.sql, near, 'gig.accept', { gigId, bookingId }));
    const after = await sync(watcher, 'gigs', before.checkpoint);
    expect(after.docs.get(gigId)).toMatchObject({ id: gigId, deleted: true });
    const winner = await sync(near, 'gigs');
    expect(winner.docs.get(gigId)).toMatchObject({ address: '12 Secret Lane', exactLocation: true, workerId: near, status: 'assigned' });
  });

  it('shows bookings and messages to their two parties and admins only, with phones', async () => {
    const [bookingId] = [...(await sync(near, 'bookings')).docs.keys()];
    applied(await run(db.sql, client, 'message.send', { bookingId: bookingId!, messageId: uuidv7(), body: 'Gate code 4411' }));
    for (const [who, sees] of [[client, true], [near, true], [admin, true], [other, false], [unskilled, false]] as const) {
      const bookings = await sync(who, 'bookings');
      const messages = await sync(who, 'messages');
      expect(bookings.docs.has(bookingId!), who).toBe(sees);
      expect([...messages.docs.values()].some((m) => m.body === 'Gate code 4411'), who).toBe(sees);
    }
    const seen = (await sync(near, 'bookings')).docs.get(bookingId!)!;
    expect(seen).toMatchObject({ clientId: client, clientName: 'Test Person' });
    expect(String(seen.clientPhone)).toMatch(/^\+1/);
  });

  it('shows each person their own profile and commands; admins every profile', async () => {
    const mine = await sync(client, 'profiles');
    expect([...mine.docs.keys()]).toEqual([client]);
    expect((await sync(admin, 'profiles')).docs.size).toBeGreaterThanOrEqual(6);
    const commands = await sync(client, 'commands');
    expect(commands.docs.size).toBeGreaterThan(0);
    expect([...commands.docs.values()].every((c) => typeof c.payload === 'string')).toBe(true);
    expect([...(await sync(other, 'commands')).docs.keys()].some((id) => commands.docs.has(id))).toBe(false);
  });

  it('starts over when an operator’s scope changes, dropping what left it', async () => {
    const op = await createOperator(db.sql, { skills: { plumbing: 3 }, radiusKm: 10 });
    const fresh = gigInput();
    applied(await run(db.sql, client, 'gig.post', fresh));
    const first = await sync(op, 'gigs');
    expect((first.docs.get(fresh.gigId) as unknown as GigDoc).deleted).toBe(false);
    // Moving home to New York takes every San Francisco gig out of scope.
    applied(await run(db.sql, op, 'profile.update', { home: { lat: 40.71, lng: -74.0 } }));
    const after = await sync(op, 'gigs', first.checkpoint);
    expect(after.docs.get(fresh.gigId)).toMatchObject({ deleted: true });
    expect(after.checkpoint!.scope).not.toBe(first.checkpoint!.scope);
  });
});

describe('gap-free checkpoints', () => {
  it('never passes a change whose transaction commits after a later one', async () => {
    const client = await createUser(db.sql);
    const a = gigInput();
    const b = gigInput();
    applied(await run(db.sql, client, 'gig.post', a));
    applied(await run(db.sql, client, 'gig.post', b));
    const start = (await sync(client, 'gigs')).checkpoint;

    // T1 writes gig a first and so holds the smaller transaction id; T2 writes gig b and commits first.
    const t1 = await db.sql.reserve();
    const t2 = await db.sql.reserve();
    try {
      await t1`begin`;
      await t1`update gigs set title = 'written first, committed last' where id = ${a.gigId}`;
      await t2`begin`;
      await t2`update gigs set title = 'written second, committed first' where id = ${b.gigId}`;
      const [x1] = await t1`select pg_current_xact_id()::text as x`;
      const [x2] = await t2`select pg_current_xact_id()::text as x`;
      expect(BigInt(x1!.x)).toBeLessThan(BigInt(x2!.x));
      await t2`commit`;

      // T2's row is committed and visible, but T1 is still open below it: the pull must hold T2 back.
      const during = await sync(client, 'gigs', start);
      expect(during.docs.size).toBe(0);
      expect(during.checkpoint).toEqual(start);

      await t1`commit`;
      const after = await sync(client, 'gigs', during.checkpoint);
      expect([...after.docs.keys()]).toEqual([a.gigId, b.gigId]);
    } finally {
      t1.release();
      t2.release();
    }
  });

  it('holds back only what is still in flight under concurrent writers, and loses nothing', async () => {
    const client = await createUser(db.sql);
    const gigs = Array.from({ length: 40 }, () => gigInput());
    let cp: Checkpoint | null = null;
    const seen = new Set<string>();
    const writers = Promise.all(gigs.map((g, i) => new Promise((r) => setTimeout(r, i * 3)).then(() => run(db.sql, client, 'gig.post', g))));
    let done = false;
    void writers.then(() => (done = true));
    while (!done) {
      const page = await sync(client, 'gigs', cp, 7);
      page.docs.forEach((_, id) => seen.add(id));
      cp = page.checkpoint;
    }
    const last = await sync(client, 'gigs', cp, 7);
    last.docs.forEach((_, id) => seen.add(id));
    for (const g of gigs) expect(seen.has(g.gigId)).toBe(true);
  });
});

describe('payment-driven changes flow to both parties', () => {
  it('delivers the funded booking to the worker and the client', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const cps = { client: (await sync(client, 'bookings')).checkpoint, worker: (await sync(worker, 'bookings')).checkpoint };
    await confirmPayment(db.sql, bookingId);
    expect((await sync(client, 'bookings', cps.client)).docs.get(bookingId)).toMatchObject({ status: 'funded' });
    expect((await sync(worker, 'bookings', cps.worker)).docs.get(bookingId)).toMatchObject({ status: 'funded' });
  });
});
