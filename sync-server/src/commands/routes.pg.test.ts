// POST /commands through the real app: authentication, bad input, batches, rate limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from 'hono/jwt';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, TEST_SECRET, type TestApp } from '../../test/app';
import { clearOfWindowEdge, createUser, envelope, gigInput, openSession, uuidv7 } from '../../test/fixtures';
import { signAccessToken } from '../auth/tokens';

let db: TestDb;
let t: TestApp;
let user: string;
let token: string;

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql, { MAX_BODY_BYTES: '4096', COMMAND_BATCH_MAX: '5' });
  user = await createUser(db.sql);
  token = await signAccessToken(TEST_SECRET, { id: user, roles: ['consumer'], sessionId: await openSession(db.sql, user) }, 900);
});
afterAll(() => db.drop());

const post = (body: string, auth: string | null = `Bearer ${token}`, app = t.app) =>
  app.request('/commands', { method: 'POST', body, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) } });

async function written() {
  const [r] = await db.sql`select (select count(*) from commands)::int8 as commands, (select count(*) from gigs)::int8 as gigs`;
  return r;
}

describe('POST /commands', () => {
  it('applies a batch in order and answers each command as data', async () => {
    const gig = gigInput();
    const res = await post(
      JSON.stringify({
        commands: [
          envelope('gig.post', gig),
          envelope('gig.update', { gigId: gig.gigId, title: 'Edited offline' }),
          { id: 'not-a-uuid', type: 'gig.cancel', payload: {} },
          { id: uuidv7(), type: 'gig.fly', payload: {}, issuedAt: new Date().toISOString() },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const { results } = await json(res);
    expect(results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied', 'rejected', 'rejected']);
    expect(results[2]).toMatchObject({ index: 2, rejection: { code: 'invalid_command' } });
    expect(results[3].rejection.code).toBe('unknown_command');
    const [g] = await db.sql`select title from gigs where id = ${gig.gigId}`;
    expect(g!.title).toBe('Edited offline');
  });

  it('refuses missing, forged, expired and alg:none tokens without writing', async () => {
    const before = await written();
    const body = JSON.stringify({ commands: [envelope('gig.post', gigInput())] });
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user, sid: uuidv7(), roles: ['consumer', 'admin'], iat: now, exp: now + 900 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const tokens = [
      null,
      'Bearer',
      'Basic abc',
      `Bearer ${await sign(claims, 'another-key-another-key-another-key-00', 'HS256')}`,
      `Bearer ${await sign(claims, TEST_SECRET, 'HS512')}`,
      `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      `Bearer ${await signAccessToken(TEST_SECRET, { id: user, roles: ['consumer'], sessionId: await openSession(db.sql, user) }, 60, Date.now() - 3_600_000)}`,
    ];
    for (const auth of tokens) {
      const res = await post(body, auth);
      expect(res.status, String(auth)).toBe(401);
      expect((await json(res)).error.code).toBe('unauthorized');
    }
    expect(await written()).toEqual(before);
  });

  it('answers malformed JSON, wrong shapes, oversized batches and bodies with a clear 4xx and writes nothing', async () => {
    const before = await written();
    const cases: [string, number, string][] = [
      ['{"commands": [', 400, 'malformed_json'],
      ['"just a string"', 400, 'invalid_request'],
      ['{"commands": []}', 400, 'invalid_request'],
      [JSON.stringify({ commands: Array.from({ length: 6 }, () => envelope('gig.post', gigInput())) }), 400, 'invalid_request'],
      [JSON.stringify({ commands: [envelope('gig.post', gigInput({ description: 'x'.repeat(5000) }))] }), 413, 'payload_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect(res.status, body.slice(0, 40)).toBe(status);
      const answer = await json(res);
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.length).toBeGreaterThan(10);
    }
    expect(await written()).toEqual(before);
    expect((await t.app.request('/healthz')).status).toBe(200);
  });

  it('refuses commands Postgres could not store as data, stores none of them, and refuses a replay the same way', async () => {
    const roomy = createTestApp(db.sql).app; // room in the body for the deep payload
    const at = new Date().toISOString();
    const unstorable = [
      { id: uuidv7(), type: 'x\u0000y', payload: {}, issuedAt: at },
      envelope('gig.post', gigInput({ title: 'abc\u0000def' })),
      { id: uuidv7(), type: 'nope', payload: { a: 'x\u0000' }, issuedAt: at },
      { ...envelope('gig.post', gigInput()), issuedAt: '0000-01-01T00:00:00Z' },
      // Once this overflowed the stack while fingerprinting, before any validation.
      { id: uuidv7(), type: 'gig.post', payload: JSON.parse('['.repeat(3000) + ']'.repeat(3000)), issuedAt: at },
      { ...envelope('gig.post', gigInput()), payload: { ...gigInput(), ['k\u0000']: 1 } },
      envelope('gig.post', gigInput({ description: 'lone \ud800 surrogate' })),
    ];
    // Storable, so its refusal is stored as before; and the command after it is applied: the queue moves on.
    const yearZero = envelope('gig.post', gigInput({ startsAt: '0000-06-01T00:00:00Z' }));
    const good = envelope('gig.post', gigInput());
    const body = JSON.stringify({ commands: [...unstorable, yearZero, good] });
    const before = await written();

    const res = await post(body, `Bearer ${token}`, roomy);
    expect(res.status).toBe(200);
    const { results } = await json(res);
    expect(results.map((r: { status: string }) => r.status)).toEqual([...unstorable.map(() => 'rejected'), 'rejected', 'applied']);
    expect(results.map((r: { rejection?: { code: string } }) => r.rejection?.code)).toEqual([
      'unknown_command',
      ...unstorable.slice(1).map(() => 'invalid_command'),
      'invalid_command',
      undefined,
    ]);
    expect(results[1].rejection.message).toMatch(/\(title: must not contain a NUL character/);
    expect(results[3].rejection.message).toMatch(/issuedAt.*between the years 1 and 9999/);
    expect(results[4].rejection.message).toMatch(/nests deeper than 32 levels/);
    // Where, without thirty-two steps of it: the first and the last.
    expect(results[4].rejection.message).toContain('(0.0.0.….0.0: nests deeper than 32 levels)');
    expect(results[7].rejection.message).toMatch(/startsAt: must be a time between the years 1 and 9999/);
    const stored = await db.sql`select id from commands where id in ${db.sql([...unstorable, yearZero, good].map((c) => c.id))}`;
    expect(stored.map((r) => r.id).sort()).toEqual([yearZero.id, good.id].sort());
    const after = await written();
    expect(Number(after!.gigs)).toBe(Number(before!.gigs) + 1);

    const again = await json(await post(body, `Bearer ${token}`, roomy));
    expect(again.results.slice(0, unstorable.length)).toEqual(results.slice(0, unstorable.length));
    expect(again.results[7]).toMatchObject({ status: 'rejected', rejection: results[7].rejection, replayed: true });
    expect(again.results[8]).toMatchObject({ status: 'applied', replayed: true });
    expect(await written()).toEqual(after);
    expect((await roomy.request('/healthz')).status).toBe(200);
  });

  it('rate-limits writes per user with Retry-After', async () => {
    const limited = createTestApp(db.sql, { COMMAND_RATE_PER_MIN: '3' });
    const other = await createUser(db.sql);
    const tok = await signAccessToken(TEST_SECRET, { id: other, roles: ['consumer'], sessionId: await openSession(db.sql, other) }, 900);
    const one = () => post(JSON.stringify({ commands: [envelope('gig.post', gigInput())] }), `Bearer ${tok}`, limited.app);
    await clearOfWindowEdge(60);
    for (let i = 0; i < 3; i++) expect((await one()).status).toBe(200);
    const res = await one();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts outcomes in /metrics', async () => {
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toMatch(/fieldwork_commands_total\{type="gig.post",outcome="applied"\} \d+/);
    expect(text).toMatch(/fieldwork_commands_total\{type="unknown",outcome="rejected"\} \d+/);
    expect(text).toContain('fieldwork_http_request_duration_seconds_bucket');
  });
});
