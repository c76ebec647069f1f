// Access tokens: short-lived HS256 JWTs carrying the user id, session id and roles.
import { sign, verify } from 'hono/jwt';
import { z } from 'zod';
import { ROLES, type Actor } from '@shared/roles';

/** Always named explicitly on both sides: a token may not choose its own algorithm (no "none", no RS/HS confusion). */
export const ACCESS_TOKEN_ALG = 'HS256';

const claims = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  roles: z.array(z.enum(ROLES)).min(1),
  exp: z.number(),
  iat: z.number(),
});

export interface AccessClaims extends Actor {
  readonly sessionId: string;
  readonly expiresAt: number;
}

export async function signAccessToken(
  secret: string,
  user: { id: string; roles: readonly string[]; sessionId: string },
  ttlSeconds: number,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return sign({ sub: user.id, sid: user.sessionId, roles: [...user.roles], iat, exp: iat + ttlSeconds }, secret, ACCESS_TOKEN_ALG);
}

/** The verified actor, or null for anything not signed by us with our algorithm and still fresh. */
export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims | null> {
  try {
    const payload = await verify(token, secret, ACCESS_TOKEN_ALG);
    const c = claims.safeParse(payload);
    if (!c.success) return null;
    return { id: c.data.sub, roles: c.data.roles, sessionId: c.data.sid, expiresAt: c.data.exp * 1000 };
  } catch {
    return null;
  }
}
