import { createECDH } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, TEST_SECRET, type TestApp } from '../../test/app';
import { verifyAccessToken } from './tokens';
import { hashRefreshToken, REFRESH_RETRY_GRACE_MS } from './sessions';
import { uuidv7 } from '../../test/fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

// Every test gets its own phone numbers and client address, so rate-limit windows never leak between tests.
let seq = 0;
const nextPhone = () => `+1201555${String(1000 + ++seq).slice(-4)}`;
const nextIp = () => { ++seq; return `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`; };

function makeApp(env: Record<string, string> = {}): TestApp & { ip: string } {
  return { ...createTestApp(db.sql, { TRUST_PROXY: 'true', CODE_RATE_PER_IP: '1000', ...env }), ip: nextIp() };
}

async function post(t: TestApp & { ip: string }, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': t.ip, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
}

async function latestCode(t: TestApp, phone: string): Promise<string> {
  const res = await t.app.request(`/dev/inbox.json?to=${encodeURIComponent(phone)}`);
  const { messages } = (await res.json()) as { messages: { body: string }[] };
  const code = /\b(\d{6})\b/.exec(messages[0]?.body ?? '')?.[1];
  if (!code) throw new Error(`no code sent to ${phone}`);
  return code;
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** The refresh cookie's value from a response, or undefined; '' when the response deletes it. */
function refreshCookie(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith('fw_refresh='));
  return line === undefined ? undefined : /^fw_refresh=([^;]*)/.exec(line)![1];
}

interface SignedIn {
  accessToken: string;
  expiresIn: number;
  user: { id: string; phone: string; displayName: string; roles: string[]; locale: string };
}

async function signIn(t: TestApp & { ip: string }, phone = nextPhone(), displayName?: string) {
  expect((await post(t, '/auth/code', { phone })).status).toBe(202);
  const res = await post(t, '/auth/verify', { phone, code: await latestCode(t, phone), ...(displayName === undefined ? {} : { displayName }) });
  expect(res.status).toBe(200);
  return { res, body: (await res.json()) as SignedIn, cookie: refreshCookie(res)! };
}

const refresh = (t: TestApp & { ip: string }, cookie?: string) => post(t, '/auth/refresh', undefined, cookie === undefined ? {} : { cookie: `fw_refresh=${cookie}` });

describe('sign-in with a phone code', () => {
  it('sends a code, verifies it, creates the account and opens a session', async () => {
    const t = makeApp();
    const phone = nextPhone();
    // Typed the way people type it: national format, default country.
    const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const sent = await post(t, '/auth/code', { phone: national });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ sent: true, expiresInSeconds: 600 });

    const inbox = (await (await t.app.request(`/dev/inbox.json?to=${encodeURIComponent(phone)}`)).json()) as { messages: { to: string; body: string }[] };
    expect(inbox.messages).toHaveLength(1);
    expect(inbox.messages[0]!.to).toBe(phone);
    expect(inbox.messages[0]!.body).toMatch(/^Your Fieldwork code is \d{6}\. It expires in 10 minutes\.$/);
    const code = await latestCode(t, phone);

    // Only a keyed hash of the code is stored.
    const [stored] = await db.sql<{ codeHash: string }[]>`select code_hash from auth_codes where phone = ${phone}`;
    expect(stored!.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.codeHash).not.toContain(code);

    const res = await post(t, '/auth/verify', { phone: national, code: `${code.slice(0, 3)} ${code.slice(3)}`, displayName: '  Ana  ' }, { 'user-agent': 'vitest-phone' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as SignedIn;
    expect(body).toMatchObject({ expiresIn: 900, user: { phone, displayName: 'Ana', roles: ['consumer'], locale: 'en' } });
    expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);

    const claims = await verifyAccessToken(TEST_SECRET, body.accessToken);
    expect(claims).toMatchObject({ id: body.user.id, roles: ['consumer'] });

    const setCookie = res.headers.getSetCookie().find((l) => l.startsWith('fw_refresh='))!;
    expect(setCookie).toMatch(/; Max-Age=2592000/);
    expect(setCookie).toMatch(/; Path=\/auth/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // Not in NODE_ENV=test.
    const token = refreshCookie(res)!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const [session] = await db.sql<{ id: string; userAgent: string; revokedAt: Date | null }[]>`
      select id, user_agent, revoked_at from sessions where user_id = ${body.user.id}`;
    expect(session).toMatchObject({ id: claims!.sessionId, userAgent: 'vitest-phone', revokedAt: null });
    const tokens = await db.sql<{ tokenHash: string }[]>`select token_hash from refresh_tokens where session_id = ${session!.id}`;
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[0]!.tokenHash).not.toContain(token);

    // Signing in again finds the same account and leaves its name alone.
    const again = await signIn(t, phone, 'Someone Else');
    expect(again.body.user).toMatchObject({ id: body.user.id, displayName: 'Ana' });
  });

  it('answers the same for numbers with and without an account', async () => {
    const t = makeApp();
    const known = (await signIn(t)).body.user.phone;
    const a = await post(t, '/auth/code', { phone: known });
    const b = await post(t, '/auth/code', { phone: nextPhone() });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await a.json()).toEqual(await b.json());
  });

  it('refuses an expired code, judged by the server clock', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const code = await latestCode(t, phone);
    t.advance(600_000 + 1000);
    const res = await post(t, '/auth/verify', { phone, code });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_code');
    expect(error.message).toMatch(/expired or was already used\. Request a new code/);
  });

  it('accepts a code once only', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const code = await latestCode(t, phone);
    expect((await post(t, '/auth/verify', { phone, code })).status).toBe(200);
    const res = await post(t, '/auth/verify', { phone, code });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_code', details: { reason: 'expired_or_used' } });
  });

  it('refuses a closed account with its reason, and opens no session', async () => {
    const t = makeApp();
    const phone = nextPhone();
    const { body } = await signIn(t, phone);
    await db.sql`update users set deleted = true where id = ${body.user.id}`;
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const res = await post(t, '/auth/verify', { phone, code: await latestCode(t, phone) });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: 'forbidden', details: { reason: 'account_closed' } });
    expect(refreshCookie(res)).toBeUndefined();
    const sessions = await db.sql`select id from sessions where user_id = ${body.user.id}`;
    expect(sessions).toHaveLength(1);
  });

  it('lets exactly one of two concurrent verifies of one code succeed', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const code = await latestCode(t, phone);
    const results = await Promise.all([1, 2, 3].map(() => post(t, '/auth/verify', { phone, code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int8 as n from sessions s join users u on u.id = s.user_id where u.phone = ${phone}`;
    expect(row!.n).toBe(1);
  });

  it('counts wrong codes and kills the code after CODE_MAX_ATTEMPTS', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const code = await latestCode(t, phone);
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(t, '/auth/verify', { phone, code: otherCode(code) });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: 'invalid_code', details: { reason: 'wrong_code', attemptsLeft: 4 - i } });
      messages.push(error.message);
    }
    expect(messages[0]).toBe('That code is wrong. 4 tries left.');
    expect(messages[3]).toBe('That code is wrong. 1 try left.');
    expect(messages[4]).toMatch(/last try.*Request a new code/);
    // Now even the right code is refused.
    const res = await post(t, '/auth/verify', { phone, code });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_code', details: { reason: 'too_many_attempts' } });
    // A new code works.
    await post(t, '/auth/code', { phone });
    expect((await post(t, '/auth/verify', { phone, code: await latestCode(t, phone) })).status).toBe(200);
  });

  it('only the newest code counts', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const first = await latestCode(t, phone);
    await post(t, '/auth/code', { phone });
    const second = await latestCode(t, phone);
    if (first !== second) expect((await post(t, '/auth/verify', { phone, code: first })).status).toBe(400);
    expect((await post(t, '/auth/verify', { phone, code: second })).status).toBe(200);
    // Signing in consumed every outstanding code for the number.
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int8 as n from auth_codes where phone = ${phone} and consumed_at is null`;
    expect(row!.n).toBe(0);
  });
});

describe('rate limits', () => {
  it('allows CODE_RATE_PER_PHONE codes per number per 15 minutes', async () => {
    const t = makeApp();
    const phone = nextPhone();
    for (let i = 0; i < 3; i++) expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const res = await post(t, '/auth/code', { phone });
    expect(res.status).toBe(429);
    const error = await errorOf(res);
    expect(error.code).toBe('rate_limited');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // The app words the wait itself, in the person's language.
    expect(error.details).toEqual({ reason: 'codes_to_number', retryAfterSeconds: retryAfter });
    // No fourth text was sent.
    const inbox = (await (await t.app.request(`/dev/inbox.json?to=${encodeURIComponent(phone)}`)).json()) as { messages: unknown[] };
    expect(inbox.messages).toHaveLength(3);
    // The window passes.
    t.advance(900_000);
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
  });

  it('allows CODE_RATE_PER_IP codes per client address per hour, reading the X-Forwarded-For hop our proxy added', async () => {
    const t = makeApp({ CODE_RATE_PER_IP: '2' });
    const ip = t.ip;
    expect((await post(t, '/auth/code', { phone: nextPhone() })).status).toBe(202);
    // What the client put first is its own say; the proxy appended the address it saw.
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': `10.9.9.9, ${ip}` })).status).toBe(202);
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': `${nextIp()}, ${ip}` })).status).toBe(429);
    const res = await post(t, '/auth/code', { phone: nextPhone() });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(res)).details).toMatchObject({ reason: 'codes_from_network' });
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': nextIp() })).status).toBe(202);
  });

  it('counts a whole IPv6 /64 as one client address', async () => {
    const t = makeApp({ CODE_RATE_PER_IP: '1' });
    const net = `2001:db8:${(++seq).toString(16)}:1`;
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': `${net}::a` })).status).toBe(202);
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': `${net}:ffff:ffff:ffff:1` })).status).toBe(429);
    expect((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': `2001:db8:${(++seq).toString(16)}:1::a` })).status).toBe(202);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const t = makeApp({ TRUST_PROXY: 'false', CODE_RATE_PER_IP: '1' });
    // Without a socket (app.request) every client is "unknown": one bucket, whatever the header says.
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await post(t, '/auth/code', { phone: nextPhone() }, { 'x-forwarded-for': nextIp() })).status);
    expect(statuses).toEqual([202, 429]);
    await db.sql`delete from rate_limits where key = 'code:ip:unknown'`;
  });

  it('limits verify tries per number across codes', async () => {
    const t = makeApp();
    const phone = nextPhone();
    await post(t, '/auth/code', { phone });
    const code = await latestCode(t, phone);
    for (let i = 0; i < 10; i++) {
      if (i === 5) await post(t, '/auth/code', { phone }); // The first code is dead; keep guessing at a new one.
      expect((await post(t, '/auth/verify', { phone, code: otherCode(code) })).status).toBe(400);
    }
    const res = await post(t, '/auth/verify', { phone, code: await latestCode(t, phone) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect((await errorOf(res)).details).toMatchObject({ reason: 'tries_for_number' });
  });
});

describe('verify tries against a number', () => {
  it('count only while it has a code out: strangers cannot lock a number out with made-up codes', async () => {
    const stranger = makeApp();
    const phone = nextPhone();
    for (let i = 0; i < 12; i++) {
      const res = await post(stranger, '/auth/verify', { phone, code: '000000' });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).details).toEqual({ reason: 'expired_or_used' });
    }
    const owner = { ...stranger, ip: nextIp() };
    expect((await post(owner, '/auth/code', { phone })).status).toBe(202);
    expect((await post(owner, '/auth/verify', { phone, code: await latestCode(owner, phone) })).status).toBe(200);
  });
});

describe('verify tries per client address', () => {
  it('stop one client spreading guesses over many numbers', async () => {
    const t = makeApp();
    const statuses: number[] = [];
    // Guesses at 61 numbers, one each: no number reaches its own limit, the address does.
    for (let i = 0; i < 61; i++) statuses.push((await post(t, '/auth/verify', { phone: nextPhone(), code: '000000' })).status);
    expect(statuses.slice(0, 60).every((s) => s === 400)).toBe(true);
    expect(statuses[60]).toBe(429);
    const blocked = await post(t, '/auth/verify', { phone: nextPhone(), code: '000000' });
    expect(await errorOf(blocked)).toMatchObject({ message: expect.stringMatching(/from this network/), details: { reason: 'tries_from_network' } });
    // Another address is not held up.
    expect((await post({ ...t, ip: nextIp() }, '/auth/verify', { phone: nextPhone(), code: '000000' })).status).toBe(400);
  });
});

describe('refresh tokens', () => {
  it('rotates, and a reused token ends the whole session', async () => {
    const t = makeApp();
    const { cookie: first, body } = await signIn(t);

    const r1 = await refresh(t, first);
    expect(r1.status).toBe(200);
    const second = refreshCookie(r1)!;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const b1 = (await r1.json()) as SignedIn;
    expect(b1.user).toEqual(body.user);
    const claims = await verifyAccessToken(TEST_SECRET, b1.accessToken);
    expect(claims?.sessionId).toBe((await verifyAccessToken(TEST_SECRET, body.accessToken))!.sessionId);

    const r2 = await refresh(t, second);
    expect(r2.status).toBe(200);
    const third = refreshCookie(r2)!;

    // The first token again: stolen. The session ends, and the cookie is cleared.
    const reuse = await refresh(t, first);
    expect(reuse.status).toBe(401);
    expect((await errorOf(reuse)).code).toBe('session_expired');
    expect(refreshCookie(reuse)).toBe('');

    // The family's newest token is dead too.
    const after = await refresh(t, third);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe('session_expired');

    const [session] = await db.sql<{ revokedReason: string }[]>`select revoked_reason from sessions where id = ${claims!.sessionId}`;
    expect(session!.revokedReason).toBe('refresh_token_reuse');
    // Nor does any access token of the session work any longer: the thief's, or the owner's.
    for (const token of [body.accessToken, b1.accessToken]) expect((await commandWith(t, token)).status).toBe(401);
  });

  it('answers a retry of a refresh whose answer was lost, and ends the session if the lost token turns up', async () => {
    const t = makeApp();
    const { cookie: first } = await signIn(t);
    const lost = refreshCookie(await refresh(t, first))!; // the device never heard this answer
    t.advance(60_000);
    const retry = await refresh(t, first);
    expect(retry.status).toBe(200);
    const live = refreshCookie(retry)!;
    expect(live).not.toBe(lost);
    const next = await refresh(t, live);
    expect(next.status).toBe(200);
    // The lost token was retired unseen: whoever presents it now holds a copy, and the session ends.
    const thief = await refresh(t, lost);
    expect(thief.status).toBe(401);
    expect((await errorOf(thief)).code).toBe('session_expired');
    expect((await refresh(t, refreshCookie(next))).status).toBe(401);
  });

  it('treats a used token from another client as stolen, even within the retry window', async () => {
    const t = makeApp();
    const { cookie: first, body } = await signIn(t);
    // A copy of the token, used first from somewhere else…
    const thief = await refresh({ ...t, ip: nextIp() }, first);
    expect(thief.status).toBe(200);
    const stolen = (await thief.json()) as SignedIn;
    // …and the owner's own refresh, moments later, is no retry of that: the session ends, the thief's access with it.
    const owner = await refresh(t, first);
    expect(owner.status).toBe(401);
    expect((await errorOf(owner)).code).toBe('session_expired');
    expect((await commandWith(t, stolen.accessToken)).status).toBe(401);
    expect((await commandWith(t, body.accessToken)).status).toBe(401);
  });

  it('treats a used token as stolen once the retry window has passed', async () => {
    const t = makeApp();
    const { cookie: first } = await signIn(t);
    expect((await refresh(t, first)).status).toBe(200);
    t.advance(REFRESH_RETRY_GRACE_MS + 1000);
    const late = await refresh(t, first);
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe('session_expired');
  });

  it('keeps the session through minutes of answers lost on a slow link, and the last answer’s token works', async () => {
    const t = makeApp();
    const { cookie: first } = await signIn(t);
    // Every answer lost: the app asks again each time sync next needs a token, a minute or more apart.
    let last: Response | undefined;
    for (const gap of [0, 70_000, 80_000, 90_000, 100_000]) {
      t.advance(gap);
      last = await refresh(t, first);
      expect(last.status).toBe(200);
    }
    expect((await refresh(t, refreshCookie(last!)!)).status).toBe(200);
  });

  it('does not let retries stretch the window', async () => {
    const t = makeApp();
    const { cookie: first } = await signIn(t);
    expect((await refresh(t, first)).status).toBe(200);
    t.advance(REFRESH_RETRY_GRACE_MS - 10_000);
    expect((await refresh(t, first)).status).toBe(200);
    t.advance(20_000); // within the window of the retry, past the window of the first exchange
    expect((await refresh(t, first)).status).toBe(401);
  });

  it('answers two concurrent refreshes of one token as a refresh and its retry: one token stays live', async () => {
    const t = makeApp();
    const { cookie } = await signIn(t);
    const results = await Promise.all([refresh(t, cookie), refresh(t, cookie)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const tokens = results.map((r) => refreshCookie(r)!);
    const used = await db.sql<{ usedAt: Date | null }[]>`
      select used_at from refresh_tokens where token_hash = any(${tokens.map(hashRefreshToken)}) order by array_position(${tokens.map(hashRefreshToken)}::text[], token_hash)`;
    const retired = tokens[used.findIndex((u) => u.usedAt !== null)]!;
    const live = tokens[used.findIndex((u) => u.usedAt === null)]!;
    expect((await refresh(t, live)).status).toBe(200);
    expect((await refresh(t, retired)).status).toBe(401);
  });

  it('puts the roles from the database into the next access token', async () => {
    const t = makeApp();
    const { cookie, body } = await signIn(t);
    await db.sql`update users set roles = '{consumer,operator}' where id = ${body.user.id}`;
    const res = await refresh(t, cookie);
    expect(res.status).toBe(200);
    const next = (await res.json()) as SignedIn;
    expect(next.user.roles).toEqual(['consumer', 'operator']);
    expect((await verifyAccessToken(TEST_SECRET, next.accessToken))!.roles).toEqual(['consumer', 'operator']);
  });

  it('refuses a missing or unknown cookie as unauthorized', async () => {
    const t = makeApp();
    const none = await refresh(t);
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe('unauthorized');
    const unknown = await refresh(t, Buffer.alloc(32, 7).toString('base64url'));
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('unauthorized');
  });

  it('ends when the session expires', async () => {
    const t = makeApp({ REFRESH_TOKEN_TTL_DAYS: '1' });
    const { cookie } = await signIn(t);
    t.advance(86_400_000 + 1000);
    const res = await refresh(t, cookie);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('session_expired');
  });
});

/** Any call that needs a signed-in user: a command naming a booking that does not exist (refused, but answered). */
const commandWith = (t: TestApp, accessToken: string) =>
  t.app.request('/commands', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ commands: [{ id: uuidv7(), type: 'message.send', payload: { bookingId: uuidv7(), messageId: uuidv7(), body: 'Hello' }, issuedAt: new Date().toISOString() }] }),
  });

describe('the device’s time zone', () => {
  it('is kept from a sign-in and each refresh for the texts’ deadlines; a name that is no zone is ignored', async () => {
    const t = makeApp();
    const phone = nextPhone();
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const res = await post(t, '/auth/verify', { phone, code: await latestCode(t, phone) }, { 'x-time-zone': 'America/Los_Angeles' });
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as SignedIn;
    const zone = async () => (await db.sql`select time_zone from users where id = ${user.id}`)[0]!.timeZone;
    expect(await zone()).toBe('America/Los_Angeles');

    // Travelled: the next refresh says so.
    const again = await post(t, '/auth/refresh', undefined, { cookie: `fw_refresh=${refreshCookie(res)!}`, 'x-time-zone': 'Europe/Madrid' });
    expect(again.status).toBe(200);
    expect(await zone()).toBe('Europe/Madrid');
    // Nonsense, or none: kept as it was, and the refresh is answered all the same.
    let cookie = refreshCookie(again)!;
    for (const bad of ['Not/AZone', "'; drop table users; --", 'x'.repeat(200)]) {
      const r = await post(t, '/auth/refresh', undefined, { cookie: `fw_refresh=${cookie}`, 'x-time-zone': bad });
      expect(r.status).toBe(200);
      expect(await zone()).toBe('Europe/Madrid');
      cookie = refreshCookie(r)!;
    }
  });
});

describe('signing in again on a device', () => {
  it('ends the session of the refresh cookie the device still carried', async () => {
    const t = makeApp();
    const first = await signIn(t);
    const phone = nextPhone();
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const second = await post(t, '/auth/verify', { phone, code: await latestCode(t, phone) }, { cookie: `fw_refresh=${first.cookie}` });
    expect(second.status).toBe(200);
    expect((await refresh(t, first.cookie)).status).toBe(401);
    expect((await t.app.request('/money/payments', { headers: { authorization: `Bearer ${first.body.accessToken}` } })).status).toBe(401);
    const [session] = await db.sql`select revoked_reason from sessions where user_id = ${first.body.user.id}`;
    expect(session!.revokedReason).toBe('signed_in_again');
    expect((await refresh(t, refreshCookie(second))).status).toBe(200);
  });
});

describe('roles on bearer routes', () => {
  it('are the roles as they are now: a demoted admin loses the admin pages at once', async () => {
    const t = makeApp();
    const { body } = await signIn(t);
    await db.sql`update users set roles = '{consumer,admin}' where id = ${body.user.id}`;
    const { accessToken } = (await signIn(t, body.user.phone)).body;
    const trialBalance = () => t.app.request('/money/trial-balance', { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await trialBalance()).status).toBe(200);
    // The scheme's name in any case (RFC 9110): a client that writes "bearer" is not told to sign in.
    expect((await t.app.request('/money/trial-balance', { headers: { authorization: `bearer ${accessToken}` } })).status).toBe(200);
    await db.sql`update users set roles = '{consumer}' where id = ${body.user.id}`;
    // The token still says admin until it expires; the route reads the database.
    expect((await verifyAccessToken(TEST_SECRET, accessToken))!.roles).toContain('admin');
    expect((await trialBalance()).status).toBe(403);
  });
});

describe('logout', () => {
  it('ends the access tokens of the session at once, not when they expire', async () => {
    const t = makeApp();
    const { cookie, body } = await signIn(t);
    expect((await commandWith(t, body.accessToken)).status).toBe(200);
    expect((await post(t, '/auth/logout', undefined, { cookie: `fw_refresh=${cookie}` })).status).toBe(204);
    const after = await commandWith(t, body.accessToken);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).message).toMatch(/session has ended/);
  });

  it("forgets the devices this session registered for push, and only this session's", async () => {
    const t = makeApp();
    const phone = nextPhone();
    const here = await signIn(t, phone);
    const there = await signIn(t, phone);
    const register = (token: string, n: number) =>
      t.app.request('/push/subscriptions', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: `https://fcm.googleapis.com/fcm/send/device-${phone}-${n}`, keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: Buffer.alloc(16, 1).toString('base64url') } }),
      });
    expect((await register(here.body.accessToken, 1)).status).toBe(204);
    expect((await register(there.body.accessToken, 2)).status).toBe(204);
    expect((await post(t, '/auth/logout', undefined, { cookie: `fw_refresh=${here.cookie}` })).status).toBe(204);
    const left = await db.sql<{ endpoint: string }[]>`select endpoint from push_subscriptions where user_id = ${here.body.user.id}`;
    expect(left.map((r) => r.endpoint)).toEqual([`https://fcm.googleapis.com/fcm/send/device-${phone}-2`]);
  });

  it('revokes the session and clears the cookie; idempotent', async () => {
    const t = makeApp();
    const { cookie } = await signIn(t);
    const out = await post(t, '/auth/logout', undefined, { cookie: `fw_refresh=${cookie}` });
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie().find((l) => l.startsWith('fw_refresh='))!;
    expect(cleared).toMatch(/^fw_refresh=; Max-Age=0; Path=\/auth/);

    const res = await refresh(t, cookie);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('session_expired');

    expect((await post(t, '/auth/logout', undefined, { cookie: `fw_refresh=${cookie}` })).status).toBe(204);
    expect((await post(t, '/auth/logout')).status).toBe(204);
  });
});

describe('request validation', () => {
  it('answers malformed JSON with 400 malformed_json', async () => {
    const t = makeApp();
    for (const path of ['/auth/code', '/auth/verify']) {
      const res = await post(t, path, '{"phone": ');
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('malformed_json');
    }
  });

  it('answers an invalid phone or body with 400 invalid_request and a helpful message', async () => {
    const t = makeApp();
    const bad = await post(t, '/auth/code', { phone: '12345' });
    expect(bad.status).toBe(400);
    const error = await errorOf(bad);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/not a valid phone number.*country code/);
    expect(error.details).toEqual({ reason: 'invalid_phone' });

    // Real numbers a code cannot or should not be texted to: no code is made, and nothing is sent.
    for (const phone of ['+1 900 555 0100', '+1 800 555 0100', '+34 912 345 678', '+44 20 7946 0000']) {
      const res = await post(t, '/auth/code', { phone });
      expect(res.status, phone).toBe(400);
      const e = await errorOf(res);
      expect(e.message).toMatch(/cannot receive a sign-in code by text message.*Use a mobile number/);
      expect(e.details).toEqual({ reason: 'invalid_phone' });
    }
    expect((await db.sql`select count(*)::int as n from auth_codes where phone in ('+19005550100', '+18005550100', '+34912345678', '+442079460000')`)[0]!.n).toBe(0);
    // Mobiles, and the numbers the US shares between landlines and mobiles, get their code.
    for (const phone of ['+34 612 345 678', '+1 201 555 0123']) expect((await post(t, '/auth/code', { phone })).status, phone).toBe(202);

    for (const body of [{}, { phone: 12015550123 }, { phone: '+12015550123', extra: true }, [], null]) {
      const res = await post(t, '/auth/code', body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('invalid_request');
    }
    const shortCode = await post(t, '/auth/verify', { phone: nextPhone(), code: '123' });
    expect(shortCode.status).toBe(400);
    expect(await errorOf(shortCode)).toMatchObject({ code: 'invalid_request', details: { reason: 'code_format' } });
    // A program's mistake is not a person's: no reason for the app to word.
    const noPhone = await errorOf(await post(t, '/auth/verify', { code: '123456' }));
    expect(noPhone.code).toBe('invalid_request');
    expect(noPhone.details).not.toHaveProperty('reason');
  });

  it('texts the code in the language of the account, or of the device for a first sign-in', async () => {
    const t = makeApp();
    const bodyOf = async (phone: string) =>
      ((await (await t.app.request(`/dev/inbox.json?to=${encodeURIComponent(phone)}`)).json()) as { messages: { body: string }[] }).messages[0]!.body;
    // A new number from a Spanish-speaking phone; and from one that prefers a language we do not speak.
    const fresh = nextPhone();
    expect((await post(t, '/auth/code', { phone: fresh }, { 'accept-language': 'es-CO,es;q=0.9,en;q=0.8' })).status).toBe(202);
    expect(await bodyOf(fresh)).toMatch(/^Tu código de Fieldwork es \d{6}\. Caduca en 10 minutos\.$/);
    const other = nextPhone();
    expect((await post(t, '/auth/code', { phone: other }, { 'accept-language': 'fr-FR,de;q=0.5,es;q=0' })).status).toBe(202);
    expect(await bodyOf(other)).toMatch(/^Your Fieldwork code is \d{6}\./);
    // Signing up from that Spanish phone makes a Spanish account, whose later codes stay Spanish even from
    // an English browser; the language the person picks in the app wins from then on.
    const code = /\b(\d{6})\b/.exec(await bodyOf(fresh))![1]!;
    const signedUp = await post(t, '/auth/verify', { phone: fresh, code }, { 'accept-language': 'es-CO,es;q=0.9' });
    expect(((await signedUp.json()) as SignedIn).user.locale).toBe('es');
    expect((await post(t, '/auth/code', { phone: fresh }, { 'accept-language': 'en-US' })).status).toBe(202);
    expect(await bodyOf(fresh)).toMatch(/^Tu código de Fieldwork es \d{6}\./);
    await db.sql`update users set locale = 'en' where phone = ${fresh}`;
    expect((await post(t, '/auth/code', { phone: fresh }, { 'accept-language': 'es' })).status).toBe(202);
    expect(await bodyOf(fresh)).toMatch(/^Your Fieldwork code is \d{6}\./);
  });

  it('refuses a NUL or half a character in displayName with 400, creates nothing, and the code still works', async () => {
    const t = makeApp();
    const phone = nextPhone();
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const code = await latestCode(t, phone);
    // Half a character would be stored as U+FFFD, a name other than the one sent.
    for (const [displayName, why] of [['Ana\u0000B', 'must not contain a NUL character'], ['x\ud800y', 'unpaired surrogate']] as const) {
      const res = await post(t, '/auth/verify', { phone, code, displayName });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('invalid_request');
      expect(JSON.stringify(error.details)).toContain(why);
    }
    const [{ n }] = (await db.sql`select count(*)::int8 as n from users where phone = ${phone}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
    const retry = await post(t, '/auth/verify', { phone, code, displayName: 'Ana B' });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as SignedIn).user.displayName).toBe('Ana B');
  });

  it('refuses a body not sent as JSON, which a form on another site could send (login CSRF): nothing happens', async () => {
    const t = makeApp();
    const phone = nextPhone();
    expect((await post(t, '/auth/code', { phone })).status).toBe(202);
    const code = await latestCode(t, phone);
    // What <form enctype="text/plain"> sends: a JSON-looking body, no preflight.
    const plain = await post(t, '/auth/verify', `{"phone":"${phone}","code":"${code}","displayName":"x=\"}"}`, { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect((await errorOf(plain)).code).toBe('unsupported_media_type');
    expect(refreshCookie(plain)).toBeUndefined();
    for (const type of ['application/x-www-form-urlencoded', '']) expect((await post(t, '/auth/code', { phone }, { 'content-type': type })).status).toBe(415);
    // A browser that says the request comes from another site is refused whatever the body.
    const crossSite = await post(t, '/auth/verify', { phone, code }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(refreshCookie(crossSite)).toBeUndefined();
    const [{ n }] = (await db.sql`select count(*)::int8 as n from users where phone = ${phone}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
    // The code was never tried: the app's own request still signs in with it.
    expect((await post(t, '/auth/verify', { phone, code }, { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('answers an oversized body with 413', async () => {
    const t = makeApp({ MAX_BODY_BYTES: '1024' });
    const res = await post(t, '/auth/code', { phone: '+12015550123', padding: 'x'.repeat(2000) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });
});
