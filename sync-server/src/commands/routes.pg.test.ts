// POST /commands through the real app: authentication, bad input, batches, rate limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from 'hono/jwt';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, TEST_SECRET, type TestApp } from '../../test/app';
import { createUser, envelope, gigInput, uuidv7 } from '../../test/fixtures';
import { signAccessToken } from '../auth/tokens';

let db: TestDb;
let t: TestApp;
let user: string;
let token: string;

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql, { MAX_BODY_BYTES: '4096', COMMAND_BATCH_MAX: '5' });
  user = await createUser(db.sql);
  token = await signAccessToken(TEST_SECRET, { id: user, roles: ['consumer'], sessionId: uuidv7() }, 900);
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
      `Bearer ${await signAccessToken(TEST_SECRET, { id: user, roles: ['consumer'], sessionId: uuidv7() }, 60, Date.now() - 3_600_000)}`,
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

  it('rate-limits writes per user with Retry-After', async () => {
    const limited = createTestApp(db.sql, { COMMAND_RATE_PER_MIN: '3' });
    const other = await createUser(db.sql);
    const tok = await signAccessToken(TEST_SECRET, { id: other, roles: ['consumer'], sessionId: uuidv7() }, 900);
    const one = () => post(JSON.stringify({ commands: [envelope('gig.post', gigInput())] }), `Bearer ${tok}`, limited.app);
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
