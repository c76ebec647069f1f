// POST /graphql through the real app: pushes, refusals as data, pushes to authoritative collections,
// and the limits that keep a hostile query from costing us.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_TIME_HEADER, FIELDS, MAX_PUSH_ROWS, SCHEMA_SDL } from '@shared/replication';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, PRODUCTION_ENV, TEST_SECRET, type TestApp } from '../../test/app';
import { acceptedBooking, clearOfWindowEdge, createOperator, createUser, gigInput, openSession, uuidv7 } from '../../test/fixtures';
import { signAccessToken } from '../auth/tokens';

let db: TestDb;
let t: TestApp;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql);
  ids.client = await createUser(db.sql);
  ids.operator = await createOperator(db.sql);
  for (const [k, id] of Object.entries(ids)) tokens[k] = await signAccessToken(TEST_SECRET, { id, roles: ['consumer'], sessionId: await openSession(db.sql, id) }, 900);
});
afterAll(() => db.drop());

const gql = (query: string, variables: Record<string, unknown> = {}, who = 'client', app = t.app) =>
  app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });

const PUSH = `mutation Push($rows: [CommandPushRow!]!) { pushCommands(rows: $rows) { ${FIELDS.commands} } }`;
const PULL_GIGS = `query Pull($checkpoint: CheckpointInput, $limit: Int!) { pullGigs(checkpoint: $checkpoint, limit: $limit) { documents { ${FIELDS.gigs} } checkpoint { xid id scope } } }`;

function row(type: string, payload: unknown, id = uuidv7()) {
  return { assumedMasterState: null, newDocumentState: { id, type, payload: JSON.stringify(payload), issuedAt: new Date().toISOString(), status: 'pending', deleted: false } };
}

describe('pushCommands', () => {
  it('applies commands in order and answers each with its decided document', async () => {
    const gig = gigInput();
    const rows = [row('gig.post', gig), row('gig.update', { gigId: gig.gigId, title: 'Edited' }), row('gig.accept', { gigId: gig.gigId, bookingId: uuidv7() })];
    const res = await gql(PUSH, { rows });
    expect(res.status).toBe(200);
    const { data, errors } = await json(res);
    expect(errors).toBeUndefined();
    expect(data.pushCommands.map((d: { status: string }) => d.status)).toEqual(['applied', 'applied', 'rejected']);
    expect(data.pushCommands[2]).toMatchObject({ rejectionCode: 'forbidden' });
    expect(JSON.parse(data.pushCommands[0].result)).toEqual({ gigId: gig.gigId, status: 'open' });
    // A replay of the same push gets the same answers and changes nothing.
    const again = await json(await gql(PUSH, { rows }));
    expect(again.data.pushCommands.map((d: { status: string }) => d.status)).toEqual(['applied', 'applied', 'rejected']);
    const [{ n }] = (await db.sql`select count(*)::int8 as n from gigs where id = ${gig.gigId}`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it('dates a message by the device’s clock as corrected by the time the device says it sent the push', async () => {
    const { bookingId } = await acceptedBooking(db.sql, ids.client!, ids.operator!);
    // Booked yesterday (a message is never dated before its booking).
    await db.sql`update bookings set created_at = now() - interval '1 day' where id = ${bookingId}`;
    // A phone whose clock is an hour behind, sending a message written five minutes ago by that clock.
    const phoneNow = Date.now() - 3_600_000;
    const messageId = uuidv7();
    const pushed = { ...row('message.send', { messageId, bookingId, body: 'Written in the basement.' }) };
    pushed.newDocumentState.issuedAt = new Date(phoneNow - 300_000).toISOString();
    const res = await t.app.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.client}`, [DEVICE_TIME_HEADER]: String(phoneNow) },
      body: JSON.stringify({ query: PUSH, variables: { rows: [pushed] } }),
    });
    expect((await json(res)).data.pushCommands[0].status).toBe('applied');
    const [m] = await db.sql<{ createdAt: Date }[]>`select created_at from messages where id = ${messageId}`;
    const fiveMinutesAgo = Date.now() - 300_000;
    expect(Math.abs(m!.createdAt.getTime() - fiveMinutesAgo)).toBeLessThan(10_000);
  });

  it('ignores a forged assumed master state and never shows another user’s command', async () => {
    const gig = gigInput();
    const mine = row('gig.post', gig);
    await gql(PUSH, { rows: [mine] });
    const forged = { ...mine, assumedMasterState: { ...mine.newDocumentState, status: 'applied' }, newDocumentState: { ...mine.newDocumentState } };
    const stolen = await json(await gql(PUSH, { rows: [forged] }, 'operator'));
    expect(stolen.data.pushCommands[0]).toMatchObject({ status: 'rejected', rejectionCode: 'id_reused', result: null });
    expect(stolen.data.pushCommands[0].payload).toBe(mine.newDocumentState.payload); // only what the pusher sent
  });

  it('answers malformed commands with a refusal document, not an error', async () => {
    const bad = row('gig.post', {});
    bad.newDocumentState.payload = '{not json';
    const { data } = await json(await gql(PUSH, { rows: [bad, row('gig.teleport', {})] }));
    expect(data.pushCommands.map((d: { rejectionCode: string }) => d.rejectionCode)).toEqual(['invalid_command', 'unknown_command']);
  });

  it('answers commands Postgres could not store with a refusal document, storing none, and the same on replay', async () => {
    const yearZero = row('gig.post', gigInput());
    yearZero.newDocumentState.issuedAt = '0000-01-01T00:00:00Z';
    const deep = row('gig.post', {});
    deep.newDocumentState.payload = '['.repeat(3000) + ']'.repeat(3000);
    const rows = [row('gig.post', gigInput({ title: 'abc\u0000def' })), row('x\u0000y', {}), yearZero, deep, row('gig.post', gigInput())];
    const first = await json(await gql(PUSH, { rows }));
    expect(first.errors).toBeUndefined();
    const codes = (docs: { status: string; rejectionCode: string | null }[]) => docs.map((d) => [d.status, d.rejectionCode]);
    expect(codes(first.data.pushCommands)).toEqual([
      ['rejected', 'invalid_command'],
      ['rejected', 'unknown_command'],
      ['rejected', 'invalid_command'],
      ['rejected', 'invalid_command'],
      ['applied', null],
    ]);
    expect(first.data.pushCommands[0].rejectionMessage).toMatch(/title: must not contain a NUL character/);
    const stored = await db.sql`select id from commands where id in ${db.sql(rows.map((r) => r.newDocumentState.id))}`;
    expect(stored.map((r) => r.id)).toEqual([rows[4]!.newDocumentState.id]);
    const again = await json(await gql(PUSH, { rows }));
    expect(codes(again.data.pushCommands)).toEqual(codes(first.data.pushCommands));
    expect(again.data.pushCommands.slice(0, 4).map((d: { rejectionMessage: string }) => d.rejectionMessage)).toEqual(
      first.data.pushCommands.slice(0, 4).map((d: { rejectionMessage: string }) => d.rejectionMessage),
    );
  });

  it('answers pushes beyond COMMAND_RATE_PER_MIN with a RATE_LIMITED refusal, applying none of them', async () => {
    const limited = createTestApp(db.sql, { COMMAND_RATE_PER_MIN: '2' });
    const fresh = await createUser(db.sql);
    tokens.fresh = await signAccessToken(TEST_SECRET, { id: fresh, roles: ['consumer'], sessionId: await openSession(db.sql, fresh) }, 900);
    const gigs = [gigInput(), gigInput(), gigInput()];
    await clearOfWindowEdge(60);
    expect((await json(await gql(PUSH, { rows: gigs.slice(0, 2).map((g) => row('gig.post', g)) }, 'fresh', limited.app))).errors).toBeUndefined();
    const over = await json(await gql(PUSH, { rows: [row('gig.post', gigs[2])] }, 'fresh', limited.app));
    expect(over.errors).toEqual([expect.objectContaining({ message: 'Too many actions in a minute.', extensions: { code: 'RATE_LIMITED', retryAfter: expect.any(Number) } })]);
    expect(await db.sql`select 1 from gigs where id = ${gigs[2]!.gigId}`).toHaveLength(0);
  });

  it('refuses oversized pushes without applying any', async () => {
    const rows = Array.from({ length: MAX_PUSH_ROWS + 1 }, () => row('gig.post', gigInput()));
    const body = await json(await gql(PUSH, { rows }));
    expect(body.errors[0].message).toContain(`At most ${MAX_PUSH_ROWS}`);
    const [{ n }] = (await db.sql`select count(*)::int8 as n from commands where id = ${rows[0]!.newDocumentState.id}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  });
});

describe('authoritative collections', () => {
  it('answers a push to gigs with the master copy and writes nothing', async () => {
    const gig = gigInput({ title: 'The real title' });
    await gql(PUSH, { rows: [row('gig.post', gig)] });
    const pulled = await json(await gql(PULL_GIGS, { checkpoint: null, limit: 100 }));
    const master = pulled.data.pullGigs.documents.find((d: { id: string }) => d.id === gig.gigId);
    const forged = { ...master, title: 'Hacked', status: 'closed' };
    const res = await json(
      await gql(`mutation($rows: [DocumentPushRow!]!) { pushGigs(rows: $rows) { id title status } }`, { rows: [{ assumedMasterState: master, newDocumentState: forged }] }),
    );
    expect(res.data.pushGigs).toEqual([{ id: gig.gigId, title: 'The real title', status: 'open' }]);
    const [g] = await db.sql`select title, status from gigs where id = ${gig.gigId}`;
    expect(g).toMatchObject({ title: 'The real title', status: 'open' });
  });
});

describe('limits and bad input', () => {
  it('refuses requests without a valid token', async () => {
    expect((await gql(PULL_GIGS, { limit: 10 }, '')).status).toBe(401);
    const res = await t.app.request('/graphql', { method: 'POST', headers: { authorization: 'Bearer x.y.z', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });

  it('refuses deep, wide, aliased and oversized queries before running them', async () => {
    const deep = `{ pullGigs(limit: 1) { documents { budget { amount } } checkpoint { xid } } }`;
    expect((await gql(deep)).status).toBe(200);
    const aliases = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: pullGigs(limit: 1) { checkpoint { xid } }`).join(' ')} }`;
    const a = await gql(aliases);
    expect(a.status).toBe(400);
    expect((await json(a)).errors[0].message).toContain('root fields');
    const wide = `{ pullGigs(limit: 1) { documents { ${Array.from({ length: 130 }, (_, i) => `f${i}: id`).join(' ')} } } }`;
    expect((await json(await gql(wide))).errors[0].message).toContain('fields per request');
    const frag = `query { pullGigs(limit: 1) { ...F } } fragment F on GigPullBulk { checkpoint { ...G } } fragment G on Checkpoint { xid }`;
    expect((await gql(frag)).status).toBe(400);
    expect((await gql(`{ pullGigs(limit: 1) { checkpoint { xid } } } ${' '.repeat(9000)}`)).status).toBe(400);
    expect((await json(await gql(PULL_GIGS, { limit: 100000 }))).errors[0].message).toContain('limit must be between');
    expect((await json(await gql(PULL_GIGS, { limit: 5, checkpoint: { xid: 'drop table', id: 'x' } }))).errors[0].message).toContain('checkpoint');
    // Twenty digits, beyond what an xid8 holds, beside a scope this server signed: refused, not a database error.
    const { checkpoint } = (await json(await gql(PULL_GIGS, { limit: 1 }))).data.pullGigs;
    for (const xid of ['18446744073709551616', '99999999999999999999']) {
      const past = (await json(await gql(PULL_GIGS, { limit: 5, checkpoint: { ...checkpoint, xid } }))).errors[0];
      expect(past.message, xid).toBe('The checkpoint is not one this server issued.');
      expect(past.extensions?.code, xid).not.toBe('INTERNAL');
    }
    expect((await json(await gql(PULL_GIGS, { limit: 5, checkpoint: { ...checkpoint, xid: '18446744073709551615' } }))).errors).toBeUndefined();
    // A subscription belongs on the socket.
    const sub = await gql(`subscription { streamGigs(headers: { Authorization: "x" }) { checkpoint { id } } }`);
    expect(sub.status).toBe(400);
    expect((await json(sub)).errors[0].message).toMatch(/WebSocket/);
    expect((await t.app.request('/healthz')).status).toBe(200);
  });

  it('publishes the schema, and hides introspection in production', async () => {
    const sdl = await (await t.app.request('/graphql/schema.graphql')).text();
    expect(sdl).toContain('pushCommands(rows: [CommandPushRow!]!): [Command!]!');
    expect(sdl.trim()).toBe(SCHEMA_SDL.trim());
    const dev = await json(await gql(`{ __schema { queryType { name } } }`));
    expect(dev.data.__schema.queryType.name).toBe('Query');
    const prod = createTestApp(db.sql, PRODUCTION_ENV);
    const res = await gql(`{ __schema { queryType { name } } }`, {}, 'client', prod.app);
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].message).toMatch(/introspection/i);
  });
});
