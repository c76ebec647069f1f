// Bearer-token authentication for API routes: sets c.var.actor or answers 401.
import { createMiddleware } from 'hono/factory';
import type { Sql } from '../db/sql';
import { HttpError } from '../errors';
import { verifyAccessToken, type AccessClaims } from './tokens';

export type AuthEnv = { Variables: { actor: AccessClaims } };

/**
 * A valid signature is not enough: the token's session must still be live, so that signing out, or the
 * revocation of a session whose refresh token was stolen and reused, ends its access tokens at once rather
 * than when they expire. One primary-key read per request.
 */
export function requireActor(deps: { secret: string; sql: Sql }) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!m) throw new HttpError('unauthorized', 'Sign in first: send "Authorization: Bearer <access token>".');
    const claims = await verifyAccessToken(deps.secret, m[1]!);
    if (!claims) throw new HttpError('unauthorized', 'The access token is invalid or expired. Refresh it at POST /auth/refresh.');
    const [live] = await deps.sql`
      select 1 as live from sessions where id = ${claims.sessionId} and user_id = ${claims.id} and revoked_at is null and expires_at > now()`;
    if (!live) throw new HttpError('unauthorized', 'This session has ended: you signed out, or it was revoked. Sign in again.');
    c.set('actor', claims);
    await next();
  });
}
