import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { gigTermsDigest, type GigTerms } from '@shared/gig-terms';
import { acceptedBooking, applied, confirmPayment, createOperator, createUser, envelope, gigInput, run, uuidv7 } from '../../test/fixtures';
import { applyCommand } from './apply';
import { expireOverdueGigs } from '../store/gigs';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ max: 20 });
});
afterAll(async () => {
  await db.drop();
});

const count = async (table: string, where = 'true') => {
  const [r] = await db.sql.unsafe(`select count(*)::int8 as n from ${table} where ${where}`);
  return r!.n as number;
};

describe('a gig from post to completed', () => {
  it('walks every step once, keeping gig, booking, timeline, messages and outbox in step', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const gig = gigInput();
    expect(applied(await run(db.sql, client, 'gig.post', gig))).toEqual({ gigId: gig.gigId, status: 'open' });
    applied(await run(db.sql, client, 'gig.update', { gigId: gig.gigId, title: 'Fix a leaking kitchen tap' }));

    const bookingId = uuidv7();
    expect(applied(await run(db.sql, worker, 'gig.accept', { gigId: gig.gigId, bookingId }))).toMatchObject({ bookingId, status: 'awaiting_payment' });
    const [g1] = await db.sql`select status, booking_id, title from gigs where id = ${gig.gigId}`;
    expect(g1).toMatchObject({ status: 'assigned', bookingId, title: 'Fix a leaking kitchen tap' });

    // Work may not start before the money is there.
    expect((await run(db.sql, worker, 'booking.start', { bookingId })).rejection?.code).toBe('invalid_state');
    expect(await confirmPayment(db.sql, bookingId)).toBe('funded');
    expect((await db.sql`select status from bookings where id = ${bookingId}`)[0]!.status).toBe('funded');

    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    // Pressed again on the worker's other phone: done already, not refused, and nothing changes. The client cannot start it.
    const [before] = await db.sql<{ version: number; timeline: unknown[] }[]>`select version, timeline from bookings where id = ${bookingId}`;
    expect(applied(await run(db.sql, worker, 'booking.start', { bookingId }))).toEqual({ bookingId, status: 'in_progress' });
    expect((await db.sql`select version, timeline from bookings where id = ${bookingId}`)[0]).toEqual(before);
    expect((await run(db.sql, client, 'booking.start', { bookingId })).rejection?.code).not.toBeUndefined();
    applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body: 'The buzzer is broken, call me.' }));
    applied(await run(db.sql, worker, 'message.send', { messageId: uuidv7(), bookingId, body: 'On my way.' }));
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId, note: 'New cartridge fitted' }));
    applied(await run(db.sql, client, 'booking.request_changes', { bookingId, reason: 'Still drips a little' }));
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
    expect(applied(await run(db.sql, client, 'booking.approve', { bookingId }))).toMatchObject({ bookingId, status: 'completed' });

    const [b] = await db.sql`select status, change_rounds, timeline from bookings where id = ${bookingId}`;
    expect(b!.status).toBe('completed');
    expect(b!.changeRounds).toBe(1);
    expect(b!.timeline.map((t: { event: string }) => t.event)).toEqual([
      'created', 'payment_confirmed', 'start', 'deliver', 'request_changes', 'deliver', 'approve',
    ]);
    expect(b!.timeline[4]).toMatchObject({ by: 'client', actorId: client, note: 'Still drips a little', status: 'changes_requested' });
    const [g2] = await db.sql`select status from gigs where id = ${gig.gigId}`;
    expect(g2!.status).toBe('closed');
    expect(await count('messages', `booking_id = '${bookingId}'`)).toBe(2);
    const templates = (await db.sql`select template from outbox where data->>'bookingId' = ${bookingId} order by created_at`).map((r) => r.template);
    expect(templates).toEqual(expect.arrayContaining(['gig.accepted', 'milestone.funded', 'booking.started', 'message.received', 'milestone.submitted', 'milestone.changes_requested', 'milestone.released']));
    // One piece of news per step and person: the milestone's (with the amount, reason or deadline), not the booking's too.
    expect(templates.filter((t) => ['booking.funded', 'booking.delivered', 'booking.changes_requested', 'booking.approved'].includes(t))).toEqual([]);
    // Terminal: nothing moves a completed booking.
    expect((await run(db.sql, client, 'booking.cancel', { bookingId })).rejection?.code).toBe('invalid_state');
    // Its chat stays open (a question about the work done)...
    applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body: 'Thanks again!' }));

    // ...but a cancelled booking's closes: accepting and cancelling before payment leaves no way to write to the client.
    const other = gigInput();
    applied(await run(db.sql, client, 'gig.post', other));
    const dropped = uuidv7();
    applied(await run(db.sql, worker, 'gig.accept', { gigId: other.gigId, bookingId: dropped }));
    applied(await run(db.sql, worker, 'booking.cancel', { bookingId: dropped }));
    for (const who of [worker, client])
      expect(await run(db.sql, who, 'message.send', { messageId: uuidv7(), bookingId: dropped, body: 'Still there?' })).toMatchObject({
        status: 'rejected', rejection: { code: 'chat_closed', message: 'This booking was cancelled, so its chat takes no new messages.' },
      });
    expect(await count('messages', `booking_id = '${dropped}'`)).toBe(0);
    // Nor can work start on it (a start pressed offline before a cancel that reached us first): said as what it means.
    expect(await run(db.sql, worker, 'booking.start', { bookingId: dropped })).toMatchObject({
      status: 'rejected',
      rejection: {
        code: 'cancelled_before_start',
        message: 'This booking was cancelled before your start reached Fieldwork, so the work is not booked and no money is held for it: do not begin it.',
      },
    });
    // Said so to the worker only: the client never pressed start.
    expect((await run(db.sql, client, 'booking.start', { bookingId: dropped })).rejection?.code).not.toBe('cancelled_before_start');
    // Other steps on it still hear that it was cancelled.
    expect((await run(db.sql, worker, 'booking.deliver', { bookingId: dropped })).rejection?.code).not.toBe('cancelled_before_start');
  });

  it('dates what was done offline when it was done, within what the server knows: chat messages and starting work', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    const [before] = await db.sql<{ updatedAt: Date; createdAt: Date }[]>`select updated_at, created_at from bookings where id = ${bookingId}`;
    const now = new Date(before!.updatedAt.getTime() + 3_600_000);
    const sent = (type: 'message.send' | 'booking.start', payload: object, issuedAt: Date, deviceClockOffsetMs = 0) =>
      applyCommand(db.sql, worker, { id: uuidv7(), type, payload, issuedAt: issuedAt.toISOString() }, { now: () => now, deviceClockOffsetMs });
    const minutesBefore = (m: number) => new Date(now.getTime() - m * 60_000);

    // Started 40 minutes before the connection came back: dated then, in the booking's history.
    applied(await sent('booking.start', { bookingId }, minutesBefore(40)));
    const [b] = await db.sql<{ timeline: { event: string; at: string }[] }[]>`select timeline from bookings where id = ${bookingId}`;
    expect(b!.timeline.at(-1)).toMatchObject({ event: 'start', at: minutesBefore(40).toISOString() });

    // Messages: written offline, dated when written; a clock running fast, dated on arrival; one running slow,
    // no earlier than the booking, unless the device says what its clock read as it sent them.
    const ids = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    applied(await sent('message.send', { messageId: ids[0], bookingId, body: 'Do you have a ladder?' }, minutesBefore(30)));
    applied(await sent('message.send', { messageId: ids[1], bookingId, body: 'On my way.' }, new Date(now.getTime() + 600_000)));
    applied(await sent('message.send', { messageId: ids[2], bookingId, body: 'Hello from 2019.' }, new Date('2019-06-01T00:00:00Z')));
    // The same phone, its clock back in 2019, saying so as it sends (DEVICE_TIME_HEADER): written 5 minutes ago.
    const phoneNow = new Date('2019-06-01T00:05:00Z');
    applied(await sent('message.send', { messageId: ids[3], bookingId, body: 'Written 5 minutes ago.' }, new Date('2019-06-01T00:00:00Z'), now.getTime() - phoneNow.getTime()));
    const times = await db.sql<{ id: string; createdAt: Date }[]>`select id, created_at from messages where booking_id = ${bookingId}`;
    const timeOf = (id: string) => times.find((m) => m.id === id)!.createdAt.toISOString();
    expect(ids.map(timeOf)).toEqual([minutesBefore(30).toISOString(), now.toISOString(), before!.createdAt.toISOString(), minutesBefore(5).toISOString()]);
  });

  it('tells a worker whose accept reaches a gig its client cancelled meanwhile who ended it', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const gig = gigInput();
    applied(await run(db.sql, client, 'gig.post', gig));
    applied(await run(db.sql, client, 'gig.cancel', { gigId: gig.gigId, reason: 'Fixed it myself' }));
    const bookingId = uuidv7();
    expect(await run(db.sql, worker, 'gig.accept', { gigId: gig.gigId, bookingId })).toMatchObject({
      status: 'rejected', rejection: { code: 'gig_cancelled', message: 'The client cancelled this gig.' },
    });
    expect(await count('bookings', `id = '${bookingId}'`)).toBe(0);
  });

  it('puts a gig back on the market when its booking is cancelled before work starts', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const other = await createOperator(db.sql);
    const gig = gigInput();
    applied(await run(db.sql, client, 'gig.post', gig));
    const bookingId = uuidv7();
    applied(await run(db.sql, worker, 'gig.accept', { gigId: gig.gigId, bookingId }));
    applied(await run(db.sql, worker, 'booking.cancel', { bookingId, reason: 'Van broke down' }));
    const [g] = await db.sql`select status, booking_id from gigs where id = ${gig.gigId}`;
    expect(g).toMatchObject({ status: 'open', bookingId: null });
    const [n] = await db.sql`select template, user_id, data from outbox where data->>'bookingId' = ${bookingId} and template = 'booking.cancelled.by_worker.reopened'`;
    expect(n!.userId).toBe(client);
    expect(n!.data).toMatchObject({ reason: 'Van broke down' });
    applied(await run(db.sql, other, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() }));
  });

  it('keeps drafts private until published', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql);
    const gig = gigInput({ publish: false });
    expect(applied(await run(db.sql, client, 'gig.post', gig)).status).toBe('draft');
    expect((await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() })).rejection?.code).toBe('not_found');
    applied(await run(db.sql, client, 'gig.publish', { gigId: gig.gigId }));
    applied(await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() }));
  });
});

describe('judging against the server state and clock', () => {
  it('refuses an accept after expiry by the server clock, whatever the device says', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql);
    const gig = gigInput({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    applied(await run(db.sql, client, 'gig.post', gig));
    const late = { now: () => new Date(Date.now() + 120_000) };
    const out = await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() }, late);
    expect(out.rejection).toEqual({ code: 'gig_expired', message: 'This gig has expired.' });
    expect(await expireOverdueGigs(db.sql, new Date(Date.now() + 120_000))).toContain(gig.gigId);
  });

  it('holds an accept to the gig as the operator saw it: a client’s edit since refuses it, and nothing is booked', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql);
    const gig = gigInput({ budget: { amount: 15000, currency: 'USD' } });
    applied(await run(db.sql, client, 'gig.post', gig));
    // The operator looked (at the public point, as sent), went offline and accepted; meanwhile the client cut
    // the price and added work.
    const terms: GigTerms = { title: gig.title, description: gig.description ?? '', skills: gig.skills, budget: { amount: 15000, currency: 'USD' }, location: { lat: 37.77, lng: -122.42 } };
    const seen = gigTermsDigest(terms);
    // A new version that changes no term refuses nothing: the client renamed themselves.
    applied(await run(db.sql, client, 'profile.update', { displayName: 'Carla C.' }));
    applied(await run(db.sql, client, 'gig.update', { gigId: gig.gigId, title: 'Fix the tap AND re-tile the floor', budget: { amount: 4000, currency: 'USD' } }));
    const bookingId = uuidv7();
    const out = await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId, seenTerms: seen });
    expect(out).toMatchObject({ status: 'rejected', rejection: { code: 'gig_changed' } });
    expect(await count('bookings', `id = '${bookingId}'`)).toBe(0);
    // Looked at again, it is the operator's to take.
    const now = gigTermsDigest({ ...terms, title: 'Fix the tap AND re-tile the floor', budget: { amount: 4000, currency: 'USD' } });
    expect(applied(await run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7(), seenTerms: now }))).toMatchObject({ status: 'awaiting_payment' });
  });

  it('answers a client’s change or cancel that lost to an accept with the booking that stands, and changes nothing', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql);
    const { gigId, bookingId } = await acceptedBooking(db.sql, client, op);
    const edit = await run(db.sql, client, 'gig.update', { gigId, budget: { amount: 15000, currency: 'USD' } });
    expect(edit).toMatchObject({ status: 'rejected', rejection: { code: 'gig_booked' } });
    expect(edit.rejection!.message).toMatch(/with a new payment plan, where and when in its chat/);
    const cancel = await run(db.sql, client, 'gig.cancel', { gigId });
    expect(cancel).toMatchObject({ status: 'rejected', rejection: { code: 'gig_booked', message: 'This gig already has a booking: cancel the booking first.' } });
    const [gig] = await db.sql<{ status: string; budgetAmount: number }[]>`select status, budget_amount from gigs where id = ${gigId}`;
    expect(gig).toEqual({ status: 'assigned', budgetAmount: 8000 });
    expect((await db.sql<{ status: string }[]>`select status from bookings where id = ${bookingId}`)[0]!.status).toBe('awaiting_payment');
  });

  it('names the missing skill, and refuses out-of-area, unavailable and own gigs', async () => {
    const client = await createUser(db.sql, ['consumer', 'operator']);
    await db.sql`insert into operator_profiles (user_id, skills, home_lat, home_lng, available) values (${client}, '{"plumbing":5}', 37.77, -122.42, true)`;
    const gig = gigInput({ skills: { plumbing: 2, electrical: 3 } });
    applied(await run(db.sql, client, 'gig.post', gig));
    const weak = await createOperator(db.sql, { skills: { plumbing: 3, electrical: 1 } });
    const far = await createOperator(db.sql, { skills: { plumbing: 5, electrical: 5 }, home: { lat: 40.7128, lng: -74.006 } });
    const off = await createOperator(db.sql, { skills: { plumbing: 5, electrical: 5 }, available: false });
    const b = () => ({ gigId: gig.gigId, bookingId: uuidv7() });
    const weakOut = await run(db.sql, weak, 'gig.accept', b());
    expect(weakOut.rejection?.code).toBe('skills_mismatch');
    expect(weakOut.rejection?.message).toContain('electrical (level 3)');
    expect((await run(db.sql, far, 'gig.accept', b())).rejection?.code).toBe('out_of_area');
    expect((await run(db.sql, off, 'gig.accept', b())).rejection?.code).toBe('operator_unavailable');
    expect((await run(db.sql, client, 'gig.accept', b())).rejection?.code).toBe('own_gig');
    expect(await count('bookings', `gig_id = '${gig.gigId}'`)).toBe(0);
  });

  it('refuses going available with an incomplete profile', async () => {
    const op = await createUser(db.sql, ['operator']);
    expect((await run(db.sql, op, 'availability.set', { available: true })).rejection?.code).toBe('profile_incomplete');
    applied(await run(db.sql, op, 'profile.update', { skills: { cleaning: 2 }, home: { lat: 1, lng: 1 } }));
    applied(await run(db.sql, op, 'availability.set', { available: true }));
  });

  it('caps rounds of changes', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, worker, 'booking.start', { bookingId }));
    for (let i = 0; i < 3; i++) {
      applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
      applied(await run(db.sql, client, 'booking.request_changes', { bookingId, reason: `round ${i}` }));
    }
    applied(await run(db.sql, worker, 'booking.deliver', { bookingId }));
    expect((await run(db.sql, client, 'booking.request_changes', { bookingId, reason: 'again' })).rejection?.code).toBe('change_rounds_exhausted');
  });
});

describe('exactly once', () => {
  it('answers a sequential replay with the stored outcome and no second effect', async () => {
    const client = await createUser(db.sql);
    const gig = gigInput();
    const env = envelope('gig.post', gig);
    const first = await applyCommand(db.sql, client, env);
    const again = await applyCommand(db.sql, client, env);
    expect(first).toMatchObject({ status: 'applied', replayed: false });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await count('gigs', `id = '${gig.gigId}'`)).toBe(1);
    // The same payload with its keys in another order is the same command.
    const reordered = { ...env, payload: Object.fromEntries(Object.entries(env.payload).reverse()) };
    expect((await applyCommand(db.sql, client, reordered as typeof env)).replayed).toBe(true);
  });

  it('replays a rejection as a rejection even after the world changed', async () => {
    const client = await createUser(db.sql);
    const op = await createOperator(db.sql, { available: false });
    const gig = gigInput();
    applied(await run(db.sql, client, 'gig.post', gig));
    const env = envelope('gig.accept', { gigId: gig.gigId, bookingId: uuidv7() });
    expect((await applyCommand(db.sql, op, env)).rejection?.code).toBe('operator_unavailable');
    await db.sql`update operator_profiles set available = true where user_id = ${op}`;
    expect(await applyCommand(db.sql, op, env)).toMatchObject({ status: 'rejected', replayed: true, rejection: { code: 'operator_unavailable' } });
    expect(await count('bookings', `gig_id = '${gig.gigId}'`)).toBe(0);
  });

  it('applies concurrent deliveries of one command once', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const env = envelope('message.send', { messageId: uuidv7(), bookingId, body: 'hello' });
    const outs = await Promise.all(Array.from({ length: 16 }, () => applyCommand(db.sql, client, env)));
    expect(outs.every((o) => o.status === 'applied')).toBe(true);
    expect(outs.filter((o) => !o.replayed)).toHaveLength(1);
    expect(await count('messages', `booking_id = '${bookingId}'`)).toBe(1);
    expect(await count('outbox', `dedupe_key = 'message:${env.payload.messageId}'`)).toBe(1);
  });

  it('refuses the same id with another payload or another actor, leaving the stored command alone', async () => {
    const client = await createUser(db.sql);
    const other = await createUser(db.sql);
    const gig = gigInput();
    const env = envelope('gig.post', gig);
    applied(await applyCommand(db.sql, client, env));
    const changed = await applyCommand(db.sql, client, { ...env, payload: { ...gig, title: 'Something else' } });
    expect(changed.rejection?.code).toBe('id_reused');
    const stolen = await applyCommand(db.sql, other, env);
    expect(stolen.rejection?.code).toBe('id_reused');
    const otherType = await applyCommand(db.sql, client, { ...env, type: 'gig.cancel', payload: { gigId: gig.gigId } });
    expect(otherType.rejection?.code).toBe('id_reused');
    const [row] = await db.sql`select actor_id, status, type from commands where id = ${env.id}`;
    expect(row).toMatchObject({ actorId: client, status: 'applied', type: 'gig.post' });
    const [g] = await db.sql`select title, status from gigs where id = ${gig.gigId}`;
    expect(g).toMatchObject({ title: gig.title, status: 'open' });
  });

  it('stores unknown types and invalid payloads as rejections, so replays agree', async () => {
    const client = await createUser(db.sql);
    const unknown = { id: uuidv7(), type: 'gig.teleport', payload: {}, issuedAt: new Date().toISOString() };
    expect((await applyCommand(db.sql, client, unknown)).rejection?.code).toBe('unknown_command');
    expect((await applyCommand(db.sql, client, unknown)).replayed).toBe(true);
    const bad = envelope('gig.post', { ...gigInput(), budget: { amount: 12.5, currency: 'USD' } });
    const out = await applyCommand(db.sql, client, bad);
    expect(out.rejection?.code).toBe('invalid_command');
    expect(out.rejection?.message).toContain('budget.amount');
    expect(await count('gigs', `id = '${bad.payload.gigId}'`)).toBe(0);
  });
});

describe('the accept race', () => {
  it('gives each gig to exactly one of several operators accepting at once, every time', async () => {
    const client = await createUser(db.sql);
    const operators = await Promise.all(Array.from({ length: 4 }, () => createOperator(db.sql)));
    for (let round = 0; round < 25; round++) {
      const gig = gigInput();
      applied(await run(db.sql, client, 'gig.post', gig));
      const outs = await Promise.all(operators.map((op) => run(db.sql, op, 'gig.accept', { gigId: gig.gigId, bookingId: uuidv7() })));
      const winners = outs.filter((o) => o.status === 'applied');
      expect(winners).toHaveLength(1);
      for (const loser of outs.filter((o) => o.status === 'rejected'))
        expect(loser.rejection).toEqual({ code: 'gig_taken', message: 'This gig was just taken by another worker.' });
      expect(await count('bookings', `gig_id = '${gig.gigId}'`)).toBe(1);
      const [g] = await db.sql`select booking_id from gigs where id = ${gig.gigId}`;
      expect(g!.bookingId).toBe(winners[0]!.result!.bookingId);
    }
  });
});
