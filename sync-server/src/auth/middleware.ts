// Bearer-token authentication for API routes: sets c.var.actor or answers 401.
import { createMiddleware } from 'hono/factory';
import { HttpError } from '../errors';
import { verifyAccessToken, type AccessClaims } from './tokens';

export type AuthEnv = { Variables: { actor: AccessClaims } };

export function requireActor(secret: string) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!m) throw new HttpError('unauthorized', 'Sign in first: send "Authorization: Bearer <access token>".');
    const claims = await verifyAccessToken(secret, m[1]!);
    if (!claims) throw new HttpError('unauthorized', 'The access token is invalid or expired. Refresh it at POST /auth/refresh.');
    c.set('actor', claims);
    await next();
  });
}
