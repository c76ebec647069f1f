// Sessions: sign-in with a code, rotating refresh tokens (one family per session), reuse detection, logout.
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Role } from '@shared/roles';
import type { Locale } from '@shared/locales';
import type { Db, Sql, TxSql } from '../db/sql';
import { transaction } from '../db/tx';
import { checkAndConsumeCode, type CodeCheck } from './codes';

export interface SessionUser {
  id: string;
  phone: string;
  displayName: string;
  roles: Role[];
  locale: Locale;
}

export interface IssuedSession {
  sessionId: string;
  /** The secret for the cookie; only its sha256 is stored. */
  refreshToken: string;
  expiresAt: Date;
  user: SessionUser;
}

/** signed_in_again: a sign-in on the device replaced the session whose refresh cookie it still carried. */
export type RevokeReason = 'refresh_token_reuse' | 'logout' | 'user_deleted' | 'signed_in_again';

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A plain hash is enough: the token is 256 random bits, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The account for a phone, created on first sign-in. A soft-deleted account is returned as such, not recreated. */
/** A new account starts in the language of the device that signed up; the person may change it later. */
async function findOrCreateUser(tx: TxSql, phone: string, displayName: string, locale: Locale): Promise<SessionUser & { deleted: boolean }> {
  await tx`
    insert into users (id, phone, display_name, roles, locale)
    values (${uuidv7()}, ${phone}, ${displayName}, '{consumer}', ${locale})
    on conflict (phone) do nothing`;
  const [user] = await tx<(SessionUser & { deleted: boolean })[]>`
    select id, phone, display_name, roles, locale, deleted from users where phone = ${phone}`;
  return user!;
}

async function insertRefreshToken(db: Db, sessionId: string, now: Date, expiresAt: Date): Promise<string> {
  const token = newRefreshToken();
  await db`
    insert into refresh_tokens (token_hash, session_id, issued_at, expires_at)
    values (${hashRefreshToken(token)}, ${sessionId}, ${now}, ${expiresAt})`;
  return token;
}

export type SignInOutcome = { ok: true; session: IssuedSession } | Exclude<CodeCheck, { ok: true }> | { ok: false; reason: 'account_closed' };

/** Consumes the code and opens a session in one transaction; a failed check still commits its attempt count. */
export async function signInWithCode(
  sql: Sql,
  p: {
    secret: string;
    phone: string;
    code: string;
    displayName: string;
    /** For a new account: its language. */
    locale: Locale;
    userAgent: string;
    now: Date;
    maxAttempts: number;
    sessionTtlDays: number;
  },
): Promise<SignInOutcome> {
  return transaction(sql, async (tx) => {
    const check = await checkAndConsumeCode(tx, p);
    if (!check.ok) return check;
    const { deleted, ...user } = await findOrCreateUser(tx, p.phone, p.displayName, p.locale);
    if (deleted) return { ok: false, reason: 'account_closed' } as const;
    const sessionId = uuidv7();
    const expiresAt = new Date(p.now.getTime() + p.sessionTtlDays * 86_400_000);
    await tx`
      insert into sessions (id, user_id, created_at, expires_at, last_used_at, user_agent)
      values (${sessionId}, ${user.id}, ${p.now}, ${expiresAt}, ${p.now}, ${p.userAgent})`;
    const refreshToken = await insertRefreshToken(tx, sessionId, p.now, expiresAt);
    return { ok: true, session: { sessionId, refreshToken, expiresAt, user } } as const;
  });
}

export type RefreshOutcome =
  /** `retry`: the token had been exchanged already, and this was that client asking again (see below). */
  | { ok: true; session: IssuedSession; retry: boolean }
  | { ok: false; reason: 'unknown' }
  /** A token presented twice: someone else holds a copy. The whole session is now revoked. */
  | { ok: false; reason: 'reuse'; sessionId: string }
  | { ok: false; reason: 'expired' };

/**
 * How long after a refresh the same token may be presented again, by the same client, as a retry of it, its
 * answer lost. On a link whose answers take longer than the app waits (its refresh gives up after 60 s and
 * asks again when sync next needs a token), a few minutes of retries is ordinary: two minutes ended such
 * sessions, and signing in again needs a text message the same bad coverage delays. The cost: a thief on the
 * owner's own network and browser who exchanges a copied token first is found out only when they present the
 * token they got (the owner's retry retires it), not at the owner's retry.
 */
export const REFRESH_RETRY_GRACE_MS = 10 * 60_000;

/** Who exchanges a token, as far as a retry must match: their network (rate-limit key) and browser, hashed. */
export function refreshClient(addressKey: string, userAgent: string): string {
  return createHash('sha256').update(addressKey).update('\0').update(userAgent).digest('base64url');
}

/**
 * Exchanges a refresh token for a new one in the same session (rotation). The token row and its session
 * are locked, so two exchanges of one token take turns. A used token presented again ends the session
 * (someone else holds a copy), unless it is a retry: from the client that exchanged it (`client`, see
 * refreshClient), within REFRESH_RETRY_GRACE_MS of the exchange, with the token it was exchanged for never
 * presented. The retry retires that token unseen, so the retry's answer holds the one live token, and whoever
 * presents the retired one later ends the session. Roles come from the database now, so a role change
 * applies at the next refresh.
 */
export async function rotateRefreshToken(sql: Sql, token: string, now: Date, client: string): Promise<RefreshOutcome> {
  return transaction(sql, async (tx) => {
    const hash = hashRefreshToken(token);
    const [row] = await tx<
      {
        sessionId: string; usedAt: Date | null; replacedBy: string | null; exchangedBy: string | null; expiresAt: Date; revokedAt: Date | null;
        sessionExpiresAt: Date; userId: string;
      }[]
    >`
      select rt.session_id, rt.used_at, rt.replaced_by, rt.exchanged_by, rt.expires_at, s.revoked_at, s.expires_at as session_expires_at, s.user_id
      from refresh_tokens rt join sessions s on s.id = rt.session_id
      where rt.token_hash = ${hash}
      for update`;
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.usedAt) {
      const retry = row.replacedBy && row.exchangedBy === client && now.getTime() - row.usedAt.getTime() <= REFRESH_RETRY_GRACE_MS && !row.revokedAt;
      const retired = retry
        ? await tx`update refresh_tokens set used_at = ${now} where token_hash = ${row.replacedBy} and used_at is null returning token_hash`
        : [];
      if (retired.length === 0) {
        await revoke(tx, row.sessionId, now, 'refresh_token_reuse');
        return { ok: false, reason: 'reuse', sessionId: row.sessionId } as const;
      }
    }
    if (row.revokedAt || row.sessionExpiresAt <= now || row.expiresAt <= now) return { ok: false, reason: 'expired' } as const;

    const [user] = await tx<(SessionUser & { deleted: boolean })[]>`
      select id, phone, display_name, roles, locale, deleted from users where id = ${row.userId}`;
    if (!user || user.deleted) {
      await revoke(tx, row.sessionId, now, 'user_deleted');
      return { ok: false, reason: 'expired' } as const;
    }
    await tx`update sessions set last_used_at = ${now} where id = ${row.sessionId}`;
    // The session keeps its absolute expiry: rotation does not extend it.
    const refreshToken = await insertRefreshToken(tx, row.sessionId, now, row.sessionExpiresAt);
    // A retry keeps the first exchange's time and client, so that retries cannot stretch the grace between them.
    await tx`
      update refresh_tokens set used_at = coalesce(used_at, ${now}), exchanged_by = coalesce(exchanged_by, ${client}), replaced_by = ${hashRefreshToken(refreshToken)}
      where token_hash = ${hash}`;
    const { deleted: _, ...sessionUser } = user;
    return { ok: true, session: { sessionId: row.sessionId, refreshToken, expiresAt: row.sessionExpiresAt, user: sessionUser }, retry: row.usedAt !== null } as const;
  });
}

async function revoke(db: Db, sessionId: string, now: Date, reason: RevokeReason): Promise<void> {
  await db`update sessions set revoked_at = ${now}, revoked_reason = ${reason} where id = ${sessionId} and revoked_at is null`;
}

/** Logout: revokes the session a refresh token belongs to, whatever state the token is in. Unknown tokens are a no-op. */
export async function revokeSessionByToken(sql: Sql, token: string, now: Date, reason: RevokeReason): Promise<void> {
  // The devices this session registered for push go with it (delivery skips ended sessions' anyway).
  await sql`
    with ended as (
      update sessions set revoked_at = ${now}, revoked_reason = ${reason}
      where id = (select session_id from refresh_tokens where token_hash = ${hashRefreshToken(token)}) and revoked_at is null
      returning id
    )
    delete from push_subscriptions where session_id in (select id from ended)`;
}
