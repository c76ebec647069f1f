// Pull scoping, projection, tombstones and gap-free checkpoints against the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, CollectionName, GigDoc } from '@shared/replication';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, gigInput, run, uuidv7 } from '../../test/fixtures';
import { gigTermsDigest } from '@shared/gig-terms';
import { encodeScope, pull } from './pull';
import { loadViewer } from './viewer';

let db: TestDb;
/** The server secret the checkpoints' scope marks are signed under. */
const SECRET = 'pull-test-secret-pull-test-secret-0123';
beforeAll(async () => {
  db = await createTestDb({ max: 10 });
});
afterAll(() => db.drop());

/** What a checkpoint's scope mark says, unsigned. */
const payloadOf = (scope: string) => JSON.parse(Buffer.from(scope.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Everything a user's device would hold after pulling a collection to the end, by id. */
async function sync(userId: string, collection: CollectionName, from: Checkpoint | null = null, batch = 3) {
  const viewer = (await loadViewer(db.sql, userId))!;
  const docs = new Map<string, Record<string, unknown>>();
  let cp = from;
  for (let i = 0; i < 1000; i++) {
    const page = await pull(db.sql, SECRET, viewer, collection, cp, batch);
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
    // Someone else's draft has been shown to no one: not even a tombstone of it arrives.
    expect(docs.has(otherGig)).toBe(false);
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
    // The winner has the gig, but not its door until the client has paid into escrow.
    const winner = await sync(near, 'gigs');
    expect(winner.docs.get(gigId)).toMatchObject({ deleted: false, address: '', exactLocation: false, workerId: near, bookingId, status: 'assigned' });
    expect((await sync(near, 'bookings')).docs.get(bookingId)).toMatchObject({ clientPhone: '', status: 'awaiting_payment' });
    expect((await sync(client, 'bookings')).docs.get(bookingId)).toMatchObject({ workerPhone: '' });
    expect(String((await sync(admin, 'bookings')).docs.get(bookingId)!.clientPhone)).toMatch(/^\+1/);
    // Paid: the next pull from where the winner's device stood brings the door and the phone numbers.
    await confirmPayment(db.sql, bookingId);
    expect((await sync(near, 'gigs', winner.checkpoint)).docs.get(gigId)).toMatchObject({ address: '12 Secret Lane', exactLocation: true, workerId: near });
    expect(String((await sync(near, 'bookings')).docs.get(bookingId)!.clientPhone)).toMatch(/^\+1/);
    expect(String((await sync(client, 'bookings')).docs.get(bookingId)!.workerPhone)).toMatch(/^\+1/);
  });

  it('gives an operator who accepts and cancels before payment neither the door nor the client’s number', async () => {
    const gig = gigInput({ address: '7 Private Row' });
    applied(await run(db.sql, client, 'gig.post', gig));
    const snoop = await createOperator(db.sql, { skills: { plumbing: 3 } });
    const bookingId = uuidv7();
    applied(await run(db.sql, snoop, 'gig.accept', { gigId: gig.gigId, bookingId }));
    applied(await run(db.sql, snoop, 'booking.cancel', { bookingId }));
    const gigs = await sync(snoop, 'gigs');
    expect(gigs.docs.get(gig.gigId)).toMatchObject({ deleted: false, status: 'open', address: '', exactLocation: false, workerId: null });
    expect((await sync(snoop, 'bookings')).docs.get(bookingId)).toMatchObject({ status: 'cancelled', clientPhone: '' });
    const everything = JSON.stringify([...gigs.docs.values(), ...(await sync(snoop, 'bookings')).docs.values()]);
    expect(everything).not.toContain('7 Private Row');
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

  it('starts over only the collections the change concerns: a new radius re-sends gigs, not the chat or the commands', async () => {
    const op = await createOperator(db.sql, { skills: { plumbing: 3 }, radiusKm: 10 });
    const { bookingId } = await acceptedBooking(db.sql, client, op);
    for (let i = 0; i < 5; i++) applied(await run(db.sql, op, 'message.send', { messageId: uuidv7(), bookingId, body: `Update ${i}` }));
    const held = Object.fromEntries(
      await Promise.all((['gigs', 'messages', 'commands', 'bookings', 'profiles'] as const).map(async (c) => [c, await sync(op, c)] as const)),
    );
    expect(held.messages!.docs.size).toBe(5);
    applied(await run(db.sql, op, 'profile.update', { serviceRadiusKm: 12 }));
    const again = async (c: CollectionName) => (await sync(op, c, held[c]!.checkpoint)).docs;
    expect((await again('gigs')).size).toBeGreaterThan(0);
    expect((await again('messages')).size).toBe(0);
    expect((await again('bookings')).size).toBe(0);
    // The profile.update itself, and the profile it changed: nothing older.
    expect((await again('commands')).size).toBe(1);
    expect([...(await again('profiles')).keys()]).toEqual([op]);
    // Losing the admin role is a change of scope for all of them (its tombstones are tested elsewhere).
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    await createUser(db.sql, ['consumer', 'admin']);
    const adminHeld = await sync(admin, 'messages');
    await db.sql`update users set roles = '{consumer}' where id = ${admin}`;
    const dropped = await sync(admin, 'messages', adminHeld.checkpoint);
    expect([...dropped.docs.values()].every((d) => d.deleted)).toBe(true);
    expect(dropped.docs.size).toBeGreaterThan(0);
  });

  it('still drops what the first scope held when the scope changes again before the restart caught up', async () => {
    const op = await createOperator(db.sql, { skills: { plumbing: 3 }, radiusKm: 10 });
    const older = gigInput();
    const newest = gigInput();
    applied(await run(db.sql, client, 'gig.post', older));
    applied(await run(db.sql, client, 'gig.post', newest));
    const first = await sync(op, 'gigs');
    expect(first.docs.get(newest.gigId)).toMatchObject({ deleted: false });
    // To New York: the restart sends one page, and the San Francisco gig written last is not in it yet.
    applied(await run(db.sql, op, 'profile.update', { home: { lat: 40.71, lng: -74.0 } }));
    const viewer = (await loadViewer(db.sql, op))!;
    const page = await pull(db.sql, SECRET, viewer, 'gigs', first.checkpoint, 1);
    expect(page.documents.map((d) => d.id)).not.toContain(newest.gigId);
    // Then to London, before that restart caught up: the phone still holds the San Francisco gig.
    applied(await run(db.sql, op, 'profile.update', { home: { lat: 51.5074, lng: -0.1278 } }));
    const after = await sync(op, 'gigs', page.checkpoint);
    expect(after.docs.get(newest.gigId)).toMatchObject({ deleted: true });
    expect(payloadOf(after.checkpoint!.scope!).p).toBeUndefined();
  });
});

describe('a new name', () => {
  it('reaches the other party’s copies of gigs and bookings at the next pull', async () => {
    const client = await createUser(db.sql, ['consumer'], 'Ana');
    const worker = await createOperator(db.sql);
    const { gigId, bookingId } = await acceptedBooking(db.sql, client, worker);
    const first = await sync(worker, 'bookings');
    expect(first.docs.get(bookingId)).toMatchObject({ clientName: 'Ana' });
    const gigs = await sync(worker, 'gigs');
    applied(await run(db.sql, client, 'profile.update', { displayName: 'Ana María' }));
    const renamed = await sync(worker, 'bookings', first.checkpoint);
    expect(renamed.docs.get(bookingId)).toMatchObject({ clientName: 'Ana María' });
    expect((await sync(worker, 'gigs', gigs.checkpoint)).docs.get(gigId)).toMatchObject({ clientName: 'Ana María' });
    // The same name again writes nothing there.
    applied(await run(db.sql, client, 'profile.update', { displayName: 'Ana María', bio: 'Plumbing, mostly.' }));
    expect((await sync(worker, 'bookings', renamed.checkpoint)).docs.size).toBe(0);
  });
});

describe('a gig that moves', () => {
  it('judges the area on the gig’s public point, in the feed and on accepting alike: moving one’s area about finds no door', async () => {
    const client = await createUser(db.sql);
    // 9.47 km north of a home on the 0.01° grid; its public point, 0.09° north, is 10.01 km away.
    const home = { lat: 37.76, lng: -122.41 };
    const gig = gigInput({ location: { lat: home.lat + 0.0852, lng: home.lng } });
    applied(await run(db.sql, client, 'gig.post', gig));
    const inside = await createOperator(db.sql, { skills: { plumbing: 3 }, home, radiusKm: 9.5 });
    const wide = await createOperator(db.sql, { skills: { plumbing: 3 }, home, radiusKm: 10.1 });
    // Within 9.5 km of the door, but not of the public point: not in the feed (a tombstone at most), nor takeable.
    expect((await sync(inside, 'gigs')).docs.get(gig.gigId) ?? { deleted: true }).toMatchObject({ deleted: true, title: '' });
    expect(await run(db.sql, inside, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() })).toMatchObject({ status: 'rejected', rejection: { code: 'out_of_area' } });
    expect((await sync(wide, 'gigs')).docs.get(gig.gigId)).toMatchObject({ deleted: false, location: { lat: 37.85, lng: -122.41 } });
    applied(await run(db.sql, wide, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() }));
  });

  it('gives a device what it needs to compute the gig terms’ digest the server holds an accept to', async () => {
    const client = await createUser(db.sql);
    const gig = gigInput({ description: 'Drips — día y noche', startsAt: '2026-12-01T09:30:00.000Z', location: { lat: 37.769449, lng: -122.486218 } });
    applied(await run(db.sql, client, 'gig.post', gig));
    const op = await createOperator(db.sql, { skills: { plumbing: 3 }, home: { lat: 37.77, lng: -122.45 } });
    const doc = (await sync(op, 'gigs')).docs.get(gig.gigId) as unknown as GigDoc;
    expect(doc).toMatchObject({ deleted: false, exactLocation: false });
    applied(await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7(), seenTerms: gigTermsDigest(doc) }));
  });

  it('rounds in SQL as the feed does in JavaScript: a gig on a half (x.xx5) is picked where the feed shows it', async () => {
    // Postgres' numeric round() takes -1.285 to -1.29, Math.round to -1.28: 1.11 km apart, north–south, where
    // the box's face lies along the radius (near the equator). The public point is 10.008 km from home.
    const client = await createUser(db.sql);
    const gig = gigInput({ location: { lat: -1.285, lng: 36.825 } });
    applied(await run(db.sql, client, 'gig.post', gig));
    const nairobi = await createOperator(db.sql, { skills: { plumbing: 3 }, home: { lat: -1.19, lng: 36.83 }, radiusKm: 10.01 });
    expect((await sync(nairobi, 'gigs')).docs.get(gig.gigId)).toMatchObject({ deleted: false, location: { lat: -1.28, lng: 36.83 } });
  });

  it('leaves the feed of an operator it moved away from, with a deletion, and reaches one it moved near', async () => {
    const client = await createUser(db.sql);
    const sf = await createOperator(db.sql, { skills: { plumbing: 3 } });
    const ny = await createOperator(db.sql, { skills: { plumbing: 3 }, home: { lat: 40.71, lng: -74.0 } });
    const gig = gigInput();
    applied(await run(db.sql, client, 'gig.post', gig));
    const before = await sync(sf, 'gigs');
    expect(before.docs.get(gig.gigId)).toMatchObject({ deleted: false, status: 'open' });
    const nyBefore = await sync(ny, 'gigs');
    expect(nyBefore.docs.has(gig.gigId)).toBe(false);

    applied(await run(db.sql, client, 'gig.update', { gigId: gig.gigId, location: { lat: 40.7128, lng: -74.006 }, address: '1 Broadway' }));
    const after = await sync(sf, 'gigs', before.checkpoint);
    expect(after.docs.get(gig.gigId)).toMatchObject({ deleted: true });
    expect((await sync(ny, 'gigs', nyBefore.checkpoint)).docs.get(gig.gigId)).toMatchObject({ deleted: false, status: 'open' });
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

/**
 * A dispute row as migration 007 describes it, written straight to the table: these tests are about who
 * sees it, not about the dispute commands (handlers/dispute.ts has their own tests).
 */
async function insertDispute(milestoneId: string, opts: { refund?: number; evidence?: unknown[] } = {}) {
  const id = uuidv7();
  const [m] = await db.sql<{ bookingId: string; clientId: string; workerId: string; amount: number; currency: string }[]>`
    select booking_id, client_id, worker_id, amount, currency from milestones where id = ${milestoneId}`;
  await db.sql`
    insert into disputes (id, booking_id, milestone_id, client_id, worker_id, opened_by, opened_by_id, reason, refund_amount, amount,
                          currency, status, respond_by, opened_at, evidence)
    values (${id}, ${m!.bookingId}, ${milestoneId}, ${m!.clientId}, ${m!.workerId}, 'client', ${m!.clientId}, 'The tap still drips',
            ${opts.refund ?? m!.amount}, ${m!.amount}, ${m!.currency}, 'open', now() + interval '5 days', now(),
            ${db.sql.json((opts.evidence ?? []) as never)})`;
  return id;
}

describe('milestones and disputes', () => {
  let client: string, worker: string, admin: string, stranger: string, bookingId: string, milestoneId: string;
  beforeAll(async () => {
    client = await createUser(db.sql);
    worker = await createOperator(db.sql);
    admin = await createUser(db.sql, ['consumer', 'admin']);
    stranger = await createOperator(db.sql);
    ({ bookingId } = await acceptedBooking(db.sql, client, worker));
    const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
    milestoneId = m!.id;
  });

  it('shows a milestone to its booking’s two parties with the fee and net, and the checkout link to the client only', async () => {
    applied(await run(db.sql, client, 'milestone.fund', { milestoneId }));
    // What POST /pay/checkout records once the provider made the session.
    await db.sql`update milestones set checkout_url = 'https://checkout.example/s/1' where id = ${milestoneId}`;
    const seen = new Map<string, Record<string, unknown> | undefined>();
    for (const who of [client, worker, stranger, admin]) seen.set(who, (await sync(who, 'milestones')).docs.get(milestoneId));
    // The gig's 80.00 plumbing budget; plumbing's fee is the default 10%.
    expect(seen.get(client)).toMatchObject({
      bookingId, clientId: client, workerId: worker, status: 'payment_pending', amount: { amount: 8000, currency: 'USD' }, feeBps: 1000,
      fee: { amount: 800, currency: 'USD' }, net: { amount: 7200, currency: 'USD' }, checkoutUrl: 'https://checkout.example/s/1', deleted: false,
    });
    expect(seen.get(client)!.paymentExpiresAt).toEqual(expect.any(String));
    expect(seen.get(worker)).toMatchObject({ status: 'payment_pending', checkoutUrl: null, net: { amount: 7200, currency: 'USD' } });
    // A stranger gets nothing, not even a tombstone; an admin nothing while the booking has no dispute.
    expect(seen.get(stranger)).toBeUndefined();
    expect(seen.get(admin)).toBeUndefined();
  });

  it('brings a booking’s milestones to admins with its first dispute, though the milestones were not written', async () => {
    const before = await sync(admin, 'milestones');
    expect(before.docs.has(milestoneId)).toBe(false);
    const disputeId = await insertDispute(milestoneId);
    const after = await sync(admin, 'milestones', before.checkpoint);
    expect(after.docs.get(milestoneId)).toMatchObject({ id: milestoneId, bookingId, deleted: false, checkoutUrl: null });
    // The parties’ checkpoints are untouched by it: nothing new for them.
    const party = await sync(worker, 'milestones');
    expect((await sync(worker, 'milestones', party.checkpoint)).docs.size).toBe(0);
    // Every admin sees every dispute; the parties theirs; a stranger nothing.
    for (const [who, sees] of [[client, true], [worker, true], [admin, true], [stranger, false]] as const)
      expect((await sync(who, 'disputes')).docs.has(disputeId), who).toBe(sees);
  });

  it('shows a dispute’s evidence with the cited attachments’ names and sizes, never an uncited upload or any bytes', async () => {
    const { bookingId: other } = await acceptedBooking(db.sql, client, worker);
    const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${other}`;
    const disputeId = await insertDispute(m!.id, { refund: 3000 });
    const cited = uuidv7();
    const draft = uuidv7();
    for (const [id, name] of [[cited, 'tap.jpg'], [draft, 'draft.jpg']] as const)
      await db.sql`
        insert into dispute_attachments (id, dispute_id, uploaded_by, name, content_type, size, sha256, bytes)
        values (${id}, ${disputeId}, ${worker}, ${name}, 'image/jpeg', 3, ${'a'.repeat(64)}, ${Buffer.from('jpg')})`;
    const messageId = uuidv7();
    const at = new Date().toISOString();
    await db.sql`
      update disputes set responded_at = now(), evidence = evidence || ${db.sql.json([
        { id: uuidv7(), by: 'worker', actorId: worker, text: 'It was fixed; see the photo.', messageIds: [messageId], attachmentIds: [cited], at },
      ] as never)} where id = ${disputeId}`;
    const doc = (await sync(client, 'disputes')).docs.get(disputeId)!;
    expect(doc).toMatchObject({
      milestoneId: m!.id, openedBy: 'client', status: 'open', reason: 'The tap still drips', amount: { amount: 8000, currency: 'USD' },
      refundAmount: { amount: 3000, currency: 'USD' }, outcome: null, releasedAmount: null,
    });
    expect(doc.evidence).toEqual([
      { id: expect.any(String), by: 'worker', actorId: worker, text: 'It was fixed; see the photo.', messageIds: [messageId], at,
        attachments: [{ id: cited, name: 'tap.jpg', contentType: 'image/jpeg', size: 3 }] },
    ]);
    expect(JSON.stringify(doc)).not.toContain('draft.jpg');
  });
});

describe('signed scope marks', () => {
  const NIL = '00000000-0000-0000-0000-000000000000';
  const COLLECTIONS = ['gigs', 'bookings', 'messages', 'profiles', 'milestones', 'disputes'] as const;
  /** A mark as the server wrote it before marks were signed, or as a device might write one: unsigned. */
  const unsigned = (m: object) => Buffer.from(JSON.stringify(m)).toString('base64url');

  it('treats a forged or borrowed mark claiming an admin scope as none: the device starts over in its own scope, without error', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql, { skills: { plumbing: 3 } });
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    applied(await run(db.sql, client, 'message.send', { bookingId, messageId: uuidv7(), body: 'Gate code 7702' }));
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    const stranger = await createUser(db.sql);
    const viewer = (await loadViewer(db.sql, stranger))!;
    const own = (await sync(stranger, 'profiles')).checkpoint!;
    const admins = (await sync(admin, 'profiles')).checkpoint!;
    const claim = { h: viewer.scope, a: null, adm: false, p: { a: null, adm: true } };
    const forged = [
      unsigned(claim),
      // The stranger's own signature over a different payload.
      `${unsigned(claim)}.${own.scope!.split('.')[1]}`,
      `${unsigned(claim)}.${'A'.repeat(22)}`,
      // An admin's genuine mark means nothing for another user.
      admins.scope!,
      'not a mark', '.', 'a.b.c',
    ];
    for (const collection of COLLECTIONS) {
      const honest = [...(await sync(stranger, collection)).docs.keys()].sort();
      for (const scope of forged) {
        const page = await pull(db.sql, SECRET, viewer, collection, { xid: own.xid, id: own.id, scope }, 100);
        expect(page.documents.map((d) => d.id).sort(), `${collection} ${scope}`).toEqual(honest);
        expect(payloadOf(page.checkpoint!.scope!)).toEqual({ h: viewer.scope, a: null, adm: false });
      }
    }
    // The stranger's own profile, and nothing else of anyone's: no ids of the booking, its message or its people.
    expect((await sync(stranger, 'profiles')).docs.size).toBe(1);
    expect((await sync(stranger, 'bookings')).docs.size).toBe(0);
    expect((await sync(stranger, 'messages')).docs.size).toBe(0);
  });

  it('hands out a genuine mark that round-trips, and that holds only under the server’s secret', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql, { skills: { plumbing: 3 } });
    applied(await run(db.sql, client, 'gig.post', gigInput()));
    const first = await sync(op, 'gigs');
    expect(first.docs.size).toBeGreaterThan(0);
    // Payload and a 16-byte MAC, base64url: 23 characters more than the unsigned mark.
    expect(first.checkpoint!.scope).toMatch(/^[\w-]+\.[\w-]{22}$/);
    const next = gigInput();
    applied(await run(db.sql, client, 'gig.post', next));
    const after = await sync(op, 'gigs', first.checkpoint);
    expect([...after.docs.keys()]).toEqual([next.gigId]);
    // The same checkpoint under another secret is no mark: a restart sends everything again.
    const viewer = (await loadViewer(db.sql, op))!;
    const elsewhere = await pull(db.sql, 'another-secret-another-secret-another', viewer, 'gigs', first.checkpoint, 100);
    expect(elsewhere.documents.length).toBe(first.docs.size + 1);
  });

  it('restarts cleanly from a mark made before marks were signed', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql, { skills: { plumbing: 3 } });
    applied(await run(db.sql, client, 'gig.post', gigInput()));
    const first = await sync(op, 'gigs');
    const viewer = (await loadViewer(db.sql, op))!;
    const old = { ...first.checkpoint!, scope: unsigned(payloadOf(first.checkpoint!.scope!)) };
    expect(old.scope).not.toContain('.');
    const again = await sync(op, 'gigs', old);
    expect([...again.docs.keys()].sort()).toEqual([...first.docs.keys()].sort());
    expect(again.checkpoint!.scope).toMatch(/\./);
    expect((await pull(db.sql, SECRET, viewer, 'gigs', again.checkpoint, 100)).documents).toEqual([]);
  });

  it('bounds the previous area even of a mark that verified to the widest real service area', async () => {
    const client = await createUser(db.sql);
    const sf = gigInput();
    const london = gigInput({ location: { lat: 51.5074, lng: -0.1278 } });
    applied(await run(db.sql, client, 'gig.post', sf));
    applied(await run(db.sql, client, 'gig.post', london));
    const op = await createOperator(db.sql, { skills: { plumbing: 3 }, home: { lat: 40.71, lng: -74.0 } });
    const viewer = (await loadViewer(db.sql, op))!;
    const mark = { h: viewer.scope, a: [40.71, -74.0, 10] as [number, number, number], adm: false, p: { a: [[37.77, -122.42, 20_000] as [number, number, number]], adm: false } };
    const { docs } = await sync(op, 'gigs', { xid: '0', id: NIL, scope: encodeScope(SECRET, viewer, mark) }, 100);
    // San Francisco, within 200 km of the previous home, is dropped; London is not scanned for at all.
    expect(docs.get(sf.gigId)).toMatchObject({ deleted: true });
    expect(docs.has(london.gigId)).toBe(false);
  });
});
