// Web push end to end on the server: a device registers through the routes, news written by real commands
// reaches it through a stand-in push service (which checks the VAPID signature and decrypts the payload as
// the browser would), and whatever no device takes goes by text message instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { TEST_VAPID, bearerFor, createTestApp, json, type TestApp } from '../../test/app';
import { startPushStandin, type PushStandin } from '../../test/push-standin';
import { createLogger } from '../log';
import { createDevSink } from '../sms/dev-sink';
import { deliverDue } from '../notifications/deliver';
import { MAX_DEVICES } from './routes';
import { createWebPushSender } from './sender';
import { pushServiceCheck } from './services';

const BASE = 'https://fieldwork.example';
const log = createLogger('silent');

let db: TestDb;
let standin: PushStandin;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  standin = await startPushStandin();
  t = createTestApp(db.sql, { PUSH_SERVICES: `${standin.origin},fcm.googleapis.com` });
});
afterAll(async () => {
  await standin.close();
  await db.drop();
});

const subscribe = (auth: string, body: unknown) =>
  t.app.request('/push/subscriptions', { method: 'POST', body: JSON.stringify(body), headers: { authorization: auth, 'content-type': 'application/json' } });
const unsubscribe = (auth: string, endpoint: string) =>
  t.app.request('/push/subscriptions', { method: 'DELETE', body: JSON.stringify({ endpoint }), headers: { authorization: auth, 'content-type': 'application/json' } });
const devicesOf = async (userId: string) => (await db.sql<{ endpoint: string }[]>`select endpoint from push_subscriptions where user_id = ${userId} order by registered_at`).map((r) => r.endpoint);
const phoneOf = async (userId: string) => (await db.sql<{ phone: string }[]>`select phone from users where id = ${userId}`)[0]!.phone;
const textsTo = async (userId: string) => (await db.sql<{ body: string }[]>`select body from dev_sms where to_phone = ${await phoneOf(userId)} order by id`).map((r) => r.body);
const sentVia = async (userId: string) => db.sql<{ template: string; sentVia: string | null }[]>`select template, sent_via from outbox where user_id = ${userId} order by created_at`;
const pushesTo = (id: string) => standin.received.filter((r) => r.device === id);
const deliver = (now = new Date(Date.now() + 1_000)) =>
  deliverDue({ sql: db.sql, sms: createDevSink(db.sql, log), push: createWebPushSender(TEST_VAPID, 'mailto:ops@fieldwork.example', standin.agent), log, baseUrl: BASE, now: () => now });

/** A client with a device subscribed through the route, in a live session. */
async function subscribedClient() {
  const client = await createUser(db.sql);
  const auth = await bearerFor(t, client);
  const device = standin.device();
  expect((await subscribe(auth, device)).status).toBe(204);
  return { client, auth, device };
}

describe('registering a device', () => {
  it('hands out the key devices subscribe with', async () => {
    const res = await t.app.request('/push/key');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ publicKey: TEST_VAPID.publicKey });
    // Not kept by browsers: a rotated key reaches devices at their next start.
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('keeps a subscription under the session that sent it, once however often it is sent', async () => {
    const { client, auth, device } = await subscribedClient();
    expect((await subscribe(auth, device)).status).toBe(204);
    const rows = await db.sql`select user_id, session_id, p256dh, auth from push_subscriptions where endpoint = ${device.endpoint}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: client, p256dh: device.keys.p256dh, auth: device.keys.auth });
    const [s] = await db.sql`select user_id from sessions where id = ${rows[0]!.sessionId}`;
    expect(s!.userId).toBe(client);
  });

  it('hands a device over to whoever signs in on it next', async () => {
    const { client, device } = await subscribedClient();
    const next = await createUser(db.sql);
    expect((await subscribe(await bearerFor(t, next), device)).status).toBe(204);
    expect(await devicesOf(client)).toEqual([]);
    expect(await devicesOf(next)).toEqual([device.endpoint]);
  });

  it(`keeps the ${MAX_DEVICES} devices of a person registered last, after those of ended sessions`, async () => {
    const client = await createUser(db.sql);
    const auth = await bearerFor(t, client);
    const devices = Array.from({ length: MAX_DEVICES + 2 }, () => standin.device());
    for (const d of devices) expect((await subscribe(auth, d)).status).toBe(204);
    expect((await devicesOf(client)).sort()).toEqual(devices.slice(2).map((d) => d.endpoint).sort());
    // The phone in daily use registers again at each start: it is not the one that goes.
    expect((await subscribe(auth, devices[2]!)).status).toBe(204);
    const next = standin.device();
    expect((await subscribe(auth, next)).status).toBe(204);
    expect(await devicesOf(client)).toContain(devices[2]!.endpoint);
    expect(await devicesOf(client)).not.toContain(devices[3]!.endpoint);
    // A device of a session that ended goes at the next registration, whatever the count.
    const elsewhere = await bearerFor(t, client);
    const old = standin.device();
    expect((await subscribe(elsewhere, old)).status).toBe(204);
    await db.sql`update sessions set expires_at = now() - interval '1 second' where id = (select session_id from push_subscriptions where endpoint = ${old.endpoint})`;
    expect((await subscribe(auth, next)).status).toBe(204);
    expect(await devicesOf(client)).not.toContain(old.endpoint);
    expect(await devicesOf(client)).toHaveLength(MAX_DEVICES - 1);
  });

  it('refuses bad input with a reason and writes nothing', async () => {
    const client = await createUser(db.sql);
    const auth = await bearerFor(t, client);
    const good = standin.device();
    const cases: [unknown, RegExp][] = [
      [{ ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } }, /p256dh must be a 65-byte P-256 public key/],
      // 65 bytes that are no point on the curve: every push to it would fail, and the subscription never end.
      [{ ...good, keys: { ...good.keys, p256dh: Buffer.from([4, ...Array<number>(64).fill(1)]).toString('base64url') } }, /p256dh is not a P-256 public key/],
      [{ ...good, keys: { ...good.keys, auth: 'not base64!' } }, /auth must be base64url/],
      [{ ...good, keys: undefined }, /keys/],
      [{ ...good, endpoint: 'javascript:alert(1)' }, /endpoint/],
      [{ ...good, endpoint: `https://fcm.googleapis.com/${'x'.repeat(1100)}` }, /longer than any push service gives/],
      // Endpoints anywhere but a push service: this server would post to them.
      [{ ...good, endpoint: 'http://169.254.169.254/latest/meta-data' }, /not one we send to/],
      [{ ...good, endpoint: 'https://fcm.googleapis.com.evil.example/send/1' }, /not one we send to/],
      [{ ...good, endpoint: 'http://fcm.googleapis.com/send/1' }, /not one we send to/],
      [{ ...good, endpoint: 'https://fcm.googleapis.com:8443/send/1' }, /not one we send to/],
      [{ ...good, endpoint: 'https://127.0.0.1%2efcm.googleapis.com/send/1' }, /not one we send to/],
      [{ ...good, endpoint: 'https://169.254.169.254;.fcm.googleapis.com/latest' }, /not one we send to/],
    ];
    for (const [body, reason] of cases) {
      const res = await subscribe(auth, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await json(res)).error.message).toMatch(reason);
    }
    const malformed = await t.app.request('/push/subscriptions', { method: 'POST', body: '{"endpoint":', headers: { authorization: auth, 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect((await subscribe('Bearer forged.token.here', good)).status).toBe(401);
    expect(await devicesOf(client)).toEqual([]);
    // Still serving.
    expect((await subscribe(auth, good)).status).toBe(204);
  });

  it('forgets a device only for the person it belongs to', async () => {
    const { client, auth, device } = await subscribedClient();
    const stranger = await bearerFor(t, await createUser(db.sql));
    expect((await unsubscribe(stranger, device.endpoint)).status).toBe(204);
    expect(await devicesOf(client)).toEqual([device.endpoint]);
    expect((await unsubscribe(auth, device.endpoint)).status).toBe(204);
    expect(await devicesOf(client)).toEqual([]);
    expect((await unsubscribe(auth, device.endpoint)).status).toBe(204);
  });
});

describe('PUSH_SERVICES', () => {
  it('takes the push services and their hosts over https, and whole origins named as such', () => {
    const ok = pushServiceCheck('fcm.googleapis.com,push.apple.com,http://127.0.0.1:9999');
    expect(ok('https://fcm.googleapis.com/fcm/send/abc')).toBe(true);
    expect(ok('https://web.push.apple.com/QGx')).toBe(true);
    expect(ok('http://127.0.0.1:9999/push/1')).toBe(true);
    expect(ok('http://127.0.0.1:9998/push/1')).toBe(false);
    expect(ok('https://evilpush.apple.com/x')).toBe(false);
    expect(ok('https://user:pw@fcm.googleapis.com/x')).toBe(false);
    expect(ok('not a url')).toBe(false);
    // Read as a push service by URL, but as another host by the url.parse web-push sends with.
    for (const e of ['https://127.0.0.1%2efcm.googleapis.com/x', 'https://169.254.169.254;.fcm.googleapis.com/x', 'https://internal{.push.apple.com/x', 'https://FCM.googleapis.com/x', 'https://fcm.googleapis.com\\@evil.example/x'])
      expect(ok(e), e).toBe(false);
    // What browsers give.
    for (const e of ['https://fcm.googleapis.com/fcm/send/dZ3:APA91bG-x_y', 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk', 'https://web.push.apple.com/QGx-Yz', 'https://wns2-bn3p.notify.windows.com/w/?token=BQYAAA%3d%3d'])
      expect(pushServiceCheck('fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com')(e), e).toBe(true);
  });
});

describe('delivering news by push', () => {
  it("pushes a client's news to their device, signed and encrypted, instead of texting it", async () => {
    const { client, device } = await subscribedClient();
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    await deliver();
    const [title] = (await db.sql<{ title: string }[]>`select g.title from bookings b join gigs g on g.id = b.gig_id where b.id = ${bookingId}`).map((r) => r.title);
    const pushes = pushesTo(device.id);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({
      payload: { title: 'Fieldwork', body: `A worker accepted “${title}”. Pay to confirm the booking.`, url: `/b/${bookingId}`, tag: expect.stringMatching(/^news:/) },
      key: TEST_VAPID.publicKey,
      subject: 'mailto:ops@fieldwork.example',
      urgency: 'normal',
      ttl: 86_400,
    });
    expect(await textsTo(client)).toEqual([]);
    expect(await sentVia(client)).toEqual([{ template: 'gig.accepted', sentVia: 'push' }]);
    expect(standin.refused).toEqual([]);
  });

  it('texts a client with no device, and a worker whatever devices they have', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const workerDevice = standin.device();
    expect((await subscribe(await bearerFor(t, worker), workerDevice)).status).toBe(204);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    applied(await run(db.sql, client, 'message.send', { messageId: uuidv7(), bookingId, body: 'Hello' }));
    await deliver();
    expect(await textsTo(client)).toHaveLength(1);
    expect(await textsTo(worker)).toHaveLength(1);
    expect(pushesTo(workerDevice.id)).toEqual([]);
  });

  it('forgets a device whose subscription ended and texts instead; a push service in trouble keeps its device', async () => {
    const gone = await subscribedClient();
    standin.end(gone.device.id);
    const troubled = await subscribedClient();
    standin.failWith(troubled.device.id, 503);
    const worker = await createOperator(db.sql);
    await acceptedBooking(db.sql, gone.client, worker);
    await acceptedBooking(db.sql, troubled.client, worker);
    await deliver();
    expect(await devicesOf(gone.client)).toEqual([]);
    expect(await devicesOf(troubled.client)).toEqual([troubled.device.endpoint]);
    for (const c of [gone.client, troubled.client]) {
      expect(await textsTo(c)).toEqual([expect.stringMatching(/^Fieldwork: A worker accepted/)]);
      expect(await sentVia(c)).toEqual([{ template: 'gig.accepted', sentVia: 'sms' }]);
    }
    standin.failWith(troubled.device.id, null);
  });

  it('counts news pushed when any device took it, and forgets the ended ones', async () => {
    const { client, auth, device } = await subscribedClient();
    const old = standin.device();
    expect((await subscribe(auth, old)).status).toBe(204);
    standin.end(old.id);
    await acceptedBooking(db.sql, client, await createOperator(db.sql));
    await deliver();
    expect(pushesTo(device.id)).toHaveLength(1);
    expect(await devicesOf(client)).toEqual([device.endpoint]);
    expect(await textsTo(client)).toEqual([]);
  });

  it('pushes nothing to a device whose session ended, revoked or expired', async () => {
    for (const end of ['revoked', 'expired'] as const) {
      const { client, device } = await subscribedClient();
      if (end === 'revoked') await db.sql`update sessions set revoked_at = now() where user_id = ${client}`;
      else await db.sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${client}`;
      await acceptedBooking(db.sql, client, await createOperator(db.sql));
      await deliver();
      expect(pushesTo(device.id), end).toEqual([]);
      expect(await textsTo(client), end).toHaveLength(1);
    }
  });

  it('sends a reminder of a deadline by push and by text, kept at the push service no longer than the deadline', async () => {
    const { client, device } = await subscribedClient();
    const { bookingId } = await acceptedBooking(db.sql, client, await createOperator(db.sql));
    await deliver();
    const autoApproveAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    await db.sql`
      insert into outbox (dedupe_key, channel, user_id, template, data)
      values (${`test:${uuidv7()}`}, 'push', ${client}, 'milestone.approval_reminder', ${db.sql.json({ bookingId, autoApproveAt, hoursLeft: 2 })})`;
    await deliver();
    const reminder = pushesTo(device.id).at(-1)!;
    expect(reminder.payload).toMatchObject({ body: expect.stringMatching(/^2 h left to review the work on/), url: `/b/${bookingId}` });
    expect(reminder.urgency).toBe('high');
    expect(reminder.ttl).toBeGreaterThan(7_000);
    expect(reminder.ttl).toBeLessThanOrEqual(7_200);
    expect(await textsTo(client)).toEqual([expect.stringMatching(/^Fieldwork: 2 h left to review the work on/)]);
    expect((await sentVia(client)).at(-1)).toEqual({ template: 'milestone.approval_reminder', sentVia: 'both' });
  });

  it("sends a booking's chat as one notification that replaces the last, kept at the push service as the latest only", async () => {
    const { client, device } = await subscribedClient();
    const worker = await createOperator(db.sql);
    const { bookingId } = await acceptedBooking(db.sql, client, worker);
    await deliver();
    for (const body of ['On my way', 'Stuck in traffic', 'Here now'])
      applied(await run(db.sql, worker, 'message.send', { messageId: uuidv7(), bookingId, body }));
    await deliver();
    const chat = pushesTo(device.id).at(-1)!;
    expect(pushesTo(device.id)).toHaveLength(2);
    expect(chat.payload).toMatchObject({ body: expect.stringMatching(/^3 new messages on “.+”\. The latest: “Here now”$/), tag: `chat:${bookingId}` });
    expect(chat.topic).toBe(bookingId.replace(/-/g, ''));
  });
});

describe('a reminder pushed whose text failed', () => {
  it('is not pushed again when only its text is tried again', async () => {
    const { client, device } = await subscribedClient();
    const { bookingId } = await acceptedBooking(db.sql, client, await createOperator(db.sql));
    await deliver();
    const before = pushesTo(device.id).length;
    const autoApproveAt = new Date(Date.now() + 5 * 3_600_000).toISOString();
    await db.sql`
      insert into outbox (dedupe_key, channel, user_id, template, data)
      values (${`test:${uuidv7()}`}, 'push', ${client}, 'milestone.approval_reminder', ${db.sql.json({ bookingId, autoApproveAt, hoursLeft: 5 })})`;
    const down = { name: 'dev' as const, send: async () => { throw new Error('SMS gateway down'); } };
    const failing = (now: Date) =>
      deliverDue({ sql: db.sql, sms: down, push: createWebPushSender(TEST_VAPID, 'mailto:ops@fieldwork.example', standin.agent), log, baseUrl: BASE, now: () => now });
    const t0 = Date.now() + 1_000;
    await failing(new Date(t0));
    await failing(new Date(t0 + 2 * 60_000));
    await failing(new Date(t0 + 8 * 60_000));
    // The phone buzzed once for the reminder, not once per try of the text.
    expect(pushesTo(device.id).length - before).toBe(1);
  });
});
