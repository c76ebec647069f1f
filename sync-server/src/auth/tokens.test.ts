import { describe, expect, it } from 'vitest';
import { sign } from 'hono/jwt';
import { signAccessToken, verifyAccessToken } from './tokens';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const user = { id: '0190f5a0-0000-7000-8000-000000000001', sessionId: '0190f5a0-0000-7000-8000-000000000002', roles: ['consumer'] };
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

describe('access tokens', () => {
  it('accepts a token we signed', async () => {
    const token = await signAccessToken(SECRET, user, 60);
    const claims = await verifyAccessToken(SECRET, token);
    expect(claims).toMatchObject({ id: user.id, sessionId: user.sessionId, roles: ['consumer'] });
    expect(claims!.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses alg "none", with or without a signature part', async () => {
    const header = b64url({ alg: 'none', typ: 'JWT' });
    const payload = b64url({ sub: user.id, sid: user.sessionId, roles: ['admin'], iat: nowS(), exp: nowS() + 600 });
    expect(await verifyAccessToken(SECRET, `${header}.${payload}.`)).toBeNull();
    expect(await verifyAccessToken(SECRET, `${header}.${payload}`)).toBeNull();
  });

  it('refuses a token whose header names another algorithm but carries our valid HS256 signature', async () => {
    // Re-labelling a genuine token must not change how it is checked.
    const [, payload, sig] = (await signAccessToken(SECRET, user, 60)).split('.');
    expect(await verifyAccessToken(SECRET, `${b64url({ alg: 'HS512', typ: 'JWT' })}.${payload}.${sig}`)).toBeNull();
  });

  it('refuses an HS256 token signed with another key', async () => {
    const token = await signAccessToken('another-secret-another-secret-another-1', user, 60);
    expect(await verifyAccessToken(SECRET, token)).toBeNull();
  });

  it('refuses an expired token', async () => {
    const token = await signAccessToken(SECRET, user, 60, Date.now() - 120_000);
    expect(await verifyAccessToken(SECRET, token)).toBeNull();
  });

  it('refuses claims without roles, with an unknown role, or with a non-uuid subject', async () => {
    const base = { sub: user.id, sid: user.sessionId, iat: nowS(), exp: nowS() + 60 };
    expect(await verifyAccessToken(SECRET, await sign(base, SECRET, 'HS256'))).toBeNull();
    expect(await verifyAccessToken(SECRET, await sign({ ...base, roles: [] }, SECRET, 'HS256'))).toBeNull();
    expect(await verifyAccessToken(SECRET, await sign({ ...base, roles: ['root'] }, SECRET, 'HS256'))).toBeNull();
    expect(await verifyAccessToken(SECRET, await sign({ ...base, roles: ['consumer'], sub: 'x' }, SECRET, 'HS256'))).toBeNull();
  });

  it('refuses garbage', async () => {
    for (const t of ['', 'a.b.c', 'not a token', '...', `${b64url({ alg: 'HS256' })}.${b64url('x')}.%%%`])
      expect(await verifyAccessToken(SECRET, t)).toBeNull();
  });
});
