// The outbox's delivery against a real database and the development SMS sink (what the dev inbox lists):
// news written by real commands reaches the recipient's phone, once, in their language, with the link to the
// booking; a failing provider is tried again later; two runs at once send each piece once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { createLogger } from '../log';
import { createDevSink } from '../sms/dev-sink';
import type { SmsProvider } from '../sms';
import { MIGRATIONS_DIR } from '../db/migrate';
import { BACKOFF_MINUTES, deliverDue, LEASE_MINUTES, MAX_ATTEMPTS } from './deliver';

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

  it('sends a busy chat as one text per person and booking: the count and the latest message', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    const other = await acceptedBooking(db.sql, client, worker);
    await deliver();
    for (const body of ['Are you coming?', 'The gate code is 4711.', 'Call me when you are here.'])
      applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body }));
    applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId: other.bookingId, body: 'And the other job?' }));
    // A moment later: a row written in the same millisecond as the run's clock (Postgres keeps microseconds) is
    // not due yet, and would go with the next run.
    const done = await deliver(undefined, new Date(Date.now() + 1_000));
    expect(done.sent).toBe(4);
    const texts = await textsTo(await phoneOf(worker));
    expect(texts.slice(-2)).toEqual([
      expect.stringMatching(/^Fieldwork: 3 new messages on “.+”\. The latest: “Call me when you are here\.” https:\/\/fieldwork\.example\/b\//),
      expect.stringMatching(/^Fieldwork: New message on “.+”: “And the other job\?” /),
    ]);
    expect(texts.at(-2)).toContain(bookingId);
    expect(await unsent(worker)).toEqual([]);
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

  it('writes a deadline in the recipient\'s time zone, as their device last said it', async () => {
    const worker = await createOperator(db.sql);
    await db.sql`update users set time_zone = 'America/Chicago' where id = ${worker}`;
    const respondBy = new Date(Date.now() + 5 * 86_400_000);
    await db.sql`
      insert into outbox (dedupe_key, channel, user_id, template, data) values
      (${`tz:${worker}`}, 'sms', ${worker}, 'dispute.opened', ${db.sql.json({ bookingId: uuidv7(), respondBy: respondBy.toISOString() })})`;
    await deliver(undefined, new Date(Date.now() + 1_000));
    const chicago = new Intl.DateTimeFormat('en', { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'America/Chicago', timeZoneName: 'short' }).format(respondBy);
    expect((await textsTo(await phoneOf(worker)))[0]).toContain(`Answer by ${chicago}, or the claim applies.`);
    expect(chicago).toMatch(/C[SD]T$/);
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

  it('holds no transaction open while the provider answers, so pulls are not held back', async () => {
    await db.sql`update outbox set sent_at = now() where sent_at is null`;
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, await createUser(db.sql), worker);
    let heldBack: boolean | undefined;
    const slow: SmsProvider = {
      name: 'twilio',
      async send() {
        // A write committed by someone else while a text is on its way is below the replication watermark.
        const [w] = await db.sql<{ xid: string }[]>`update users set bio = 'x' where id = ${worker} returning change_xid::text as xid`;
        const [s] = await db.sql<{ xmin: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`;
        heldBack = BigInt(w!.xid) >= BigInt(s!.xmin);
      },
    };
    await deliver(slow, new Date(Date.now() + 1_000));
    expect(heldBack).toBe(false);
  });

  it('leases what it claims, and on shutdown hands back what it has not tried', async () => {
    await db.sql`update outbox set sent_at = now() where sent_at is null`;
    const worker = await createOperator(db.sql);
    const clients = [];
    for (let i = 0; i < 4; i++) {
      const c = await createUser(db.sql);
      await acceptedBooking(db.sql, c, worker);
      clients.push(c);
    }
    const stop = new AbortController();
    let n = 0;
    const stopping: SmsProvider = { name: 'twilio', send: async () => void (++n === 2 && stop.abort()) };
    const now = new Date(Date.now() + 1_000);
    expect(await deliverDue({ sql: db.sql, sms: stopping, log, baseUrl: BASE, now: () => now, signal: stop.signal })).toEqual({ sent: 2, failed: 0 });
    const left = await db.sql<{ attempts: number; availableAt: Date }[]>`select attempts, available_at from outbox where sent_at is null`;
    expect(left).toEqual([{ attempts: 0, availableAt: now }, { attempts: 0, availableAt: now }]);
    // A claimed row is not claimed again while its lease runs (a run that died holds it so long).
    await db.sql`update outbox set attempts = 1, available_at = ${new Date(now.getTime() + LEASE_MINUTES * 60_000)} where sent_at is null`;
    expect(await deliver(undefined, now)).toEqual({ sent: 0, failed: 0 });
    expect(await deliver(undefined, new Date(now.getTime() + LEASE_MINUTES * 60_000))).toEqual({ sent: 2, failed: 0 });
  });

  it('does not send a reminder whose deadline has passed', async () => {
    await db.sql`update outbox set sent_at = now() where sent_at is null`;
    const client = await createUser(db.sql);
    const now = new Date(Date.now() + 1_000);
    const bookingId = uuidv7();
    await db.sql`insert into outbox (dedupe_key, channel, user_id, template, data) values
      (${`late:${bookingId}`}, 'push', ${client}, 'milestone.approval_reminder', ${db.sql.json({ bookingId, hoursLeft: 2, autoApproveAt: new Date(now.getTime() - 60_000).toISOString() })})`;
    expect(await deliver(undefined, now)).toEqual({ sent: 0, failed: 0, stale: 1 });
    expect(await textsTo(await phoneOf(client))).toEqual([]);
    expect((await unsent(client))[0]).toMatchObject({ attempts: MAX_ATTEMPTS, lastError: expect.stringMatching(/deadline/) });
  });

  it('does not send "paid, you can start" once the booking was cancelled, only the cancellation', async () => {
    await db.sql`update outbox set sent_at = now() where sent_at is null`;
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    // Paid, then cancelled by the client before the news of the payment went out.
    const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
    applied(await run(db.sql, client, 'booking.cancel', { bookingId, reason: 'Plans changed' }));
    const result = await deliver(undefined, new Date(Date.now() + 1_000));
    const texts = await textsTo(await phoneOf(worker));
    expect(texts).toEqual([expect.stringMatching(/The client cancelled “.+”: “Plans changed”\./)]);
    expect(result.stale).toBeGreaterThanOrEqual(1);
    const [funded] = await db.sql<{ lastError: string }[]>`select last_error from outbox where user_id = ${worker} and template = 'milestone.funded'`;
    expect(funded!.lastError).toBe('not sent: the booking was cancelled before it went out');
  });

  it('migration 018 leaves the news written before delivery existed unsent, and marks why', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, client, worker);
    await db.sql.unsafe(await fs.readFile(path.join(MIGRATIONS_DIR, '018_outbox_before_delivery.sql'), 'utf8'));
    expect(await unsent(client)).toMatchObject([{ template: 'gig.accepted', attempts: MAX_ATTEMPTS, lastError: 'written before news was delivered; not sent' }]);
    await deliver();
    expect(await textsTo(await phoneOf(client))).toEqual([]);
  });
});
