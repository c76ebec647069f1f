// Bearer-token authentication for API routes: sets c.var.actor or answers 401.
import { createMiddleware } from 'hono/factory';
import type { Role } from '@shared/roles';
import type { Sql } from '../db/sql';
import { HttpError } from '../errors';
import { verifyAccessToken, type AccessClaims } from './tokens';

export type AuthEnv = { Variables: { actor: AccessClaims } };

/**
 * A valid signature is not enough: the token's session must still be live, so that signing out, or the
 * revocation of a session whose refresh token was stolen and reused, ends its access tokens at once rather
 * than when they expire. The roles are the user's as they are now, read with the session, not as the token
 * remembers them: an admin who is demoted loses the admin pages at once, as commands already read them.
 * One primary-key read per request.
 */
export function requireActor(deps: { secret: string; sql: Sql }) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    // The scheme's name is case-insensitive (RFC 9110 §11.1): "bearer" is Bearer.
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(header);
    if (!m) throw new HttpError('unauthorized', 'Sign in first: send "Authorization: Bearer <access token>".');
    const claims = await verifyAccessToken(deps.secret, m[1]!);
    if (!claims) throw new HttpError('unauthorized', 'The access token is invalid or expired. Refresh it at POST /auth/refresh.');
    const [live] = await deps.sql<{ roles: Role[] }[]>`
      select u.roles from sessions s join users u on u.id = s.user_id and not u.deleted
      where s.id = ${claims.sessionId} and s.user_id = ${claims.id} and s.revoked_at is null and s.expires_at > now()`;
    if (!live) throw new HttpError('unauthorized', 'This session has ended: you signed out, or it was revoked. Sign in again.');
    c.set('actor', { ...claims, roles: live.roles });
    await next();
  });
}
