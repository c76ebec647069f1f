// The outbox's delivery against a real database and the development SMS sink (what the dev inbox lists):
// news written by real commands reaches the recipient's phone, once, in their language, with the link to the
// booking; a failing provider is tried again later; two runs at once send each piece once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { createLogger } from '../log';
import { createDevSink } from '../sms/dev-sink';
import type { SmsProvider } from '../sms';
import { BACKOFF_MINUTES, deliverDue, MAX_ATTEMPTS } from './deliver';

const BASE = 'https://fieldwork.example';
const log = createLogger('silent');

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

const phoneOf = async (userId: string) => (await db.sql<{ phone: string }[]>`select phone from users where id = ${userId}`)[0]!.phone;
const textsTo = async (phone: string) => (await db.sql<{ body: string }[]>`select body from dev_sms where to_phone = ${phone} order by id`).map((r) => r.body);
const unsent = async (userId: string) =>
  db.sql<{ template: string; attempts: number; availableAt: Date; lastError: string | null }[]>`
    select template, attempts, available_at, last_error from outbox where user_id = ${userId} and sent_at is null order by created_at`;

/** Delivers everything due now (other files' rows included: this database is the file's own). */
const deliver = (sms: SmsProvider = createDevSink(db.sql, log), now?: Date) => deliverDue({ sql: db.sql, sms, log, baseUrl: BASE, ...(now ? { now: () => now } : {}) });

describe('delivering news', () => {
  it('texts each piece of news once, to its recipient, naming the booking and linking to it', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    applied(await run(db.sql, worker, 'message.send', { messageId: uuidv7(), bookingId, body: 'On my way,\n   about fifteen minutes.' }));
    expect((await unsent(client)).map((r) => r.template)).toEqual(['gig.accepted', 'message.received']);

    const first = await deliver();
    expect(first.sent).toBeGreaterThanOrEqual(2);
    const [title] = (await db.sql<{ title: string }[]>`select g.title from bookings b join gigs g on g.id = b.gig_id where b.id = ${bookingId}`).map((r) => r.title);
    expect(await textsTo(await phoneOf(client))).toEqual([
      `Fieldwork: A worker accepted “${title}”. Pay to confirm the booking. ${BASE}/b/${bookingId}`,
      `Fieldwork: New message on “${title}”: “On my way, about fifteen minutes.” ${BASE}/b/${bookingId}`,
    ]);
    expect(await unsent(client)).toEqual([]);
    // Nothing twice.
    expect(await deliver()).toEqual({ sent: 0, failed: 0 });
    expect(await textsTo(await phoneOf(client))).toHaveLength(2);
  });

  it('writes in the recipient\'s language', async () => {
    const client = await createUser(db.sql);
    await db.sql`update users set locale = 'es' where id = ${client}`;
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    await deliver();
    expect((await textsTo(await phoneOf(client)))[0]).toMatch(/^Fieldwork: Un trabajador aceptó «.+»\. Paga para confirmar la reserva\. https:\/\/fieldwork\.example\/b\//);
    expect((await textsTo(await phoneOf(client)))[0]).toContain(bookingId);
  });

  it('tries a failed send again later, keeping the error, and gives up after the last attempt', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, client, worker);
    const down: SmsProvider = { name: 'twilio', send: async () => Promise.reject(new Error('gateway answered 503')) };
    let now = new Date(Date.now() + 1_000);
    const failed = await deliver(down, now);
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    const [row] = await unsent(client);
    expect(row).toMatchObject({ template: 'gig.accepted', attempts: 1, lastError: 'gateway answered 503' });
    expect(row!.availableAt.getTime()).toBe(now.getTime() + BACKOFF_MINUTES[0] * 60_000);
    // Not due yet: not tried.
    await deliver(down, new Date(now.getTime() + 30_000));
    expect((await unsent(client))[0]!.attempts).toBe(1);
    // Failing on: each try waits longer, until the last.
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      now = (await unsent(client))[0]!.availableAt;
      await deliver(down, now);
      expect((await unsent(client))[0]!.attempts).toBe(attempt);
    }
    await deliver(down, new Date(now.getTime() + 24 * 3_600_000));
    expect((await unsent(client))[0]!.attempts).toBe(MAX_ATTEMPTS);

    // The same news for another person, with the provider back: sent on the next run after the wait.
    const other = await createUser(db.sql);
    await acceptedBooking(db.sql, other, worker);
    const t0 = new Date(Date.now() + 1_000);
    await deliver(down, t0);
    await deliver(createDevSink(db.sql, log), new Date(t0.getTime() + BACKOFF_MINUTES[0] * 60_000));
    expect(await unsent(other)).toEqual([]);
    expect(await textsTo(await phoneOf(other))).toHaveLength(1);
  });

  it('sends each piece once when two runs go at once', async () => {
    const worker = await createOperator(db.sql);
    const clients = await Promise.all(Array.from({ length: 6 }, () => createUser(db.sql)));
    for (const c of clients) await acceptedBooking(db.sql, c, worker);
    const results = await Promise.all([deliver(), deliver()]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(clients.length);
    for (const c of clients) expect(await textsTo(await phoneOf(c))).toHaveLength(1);
  });
});
