// One-time sign-in codes: six digits sent by SMS, stored only as an HMAC, single use, dead after too many wrong tries.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Db, TxSql } from '../db/sql';

export const CODE_DIGITS = 6;

export function generateCode(): string {
  return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/** Keyed by the server secret and bound to the phone, so a leaked table row is useless on its own or for another number. */
export function hashCode(secret: string, phone: string, code: string): string {
  return createHmac('sha256', secret).update(`${phone}:${code}`).digest('hex');
}

/** Stores a new code for `phone`; returns its expiry. The caller sends the SMS once this has committed. */
export async function storeCode(
  db: Db,
  p: { secret: string; phone: string; code: string; now: Date; ttlSeconds: number },
): Promise<{ expiresAt: Date }> {
  const expiresAt = new Date(p.now.getTime() + p.ttlSeconds * 1000);
  await db`
    insert into auth_codes (id, phone, code_hash, created_at, expires_at)
    values (${uuidv7()}, ${p.phone}, ${hashCode(p.secret, p.phone, p.code)}, ${p.now}, ${expiresAt})`;
  return { expiresAt };
}

/** Whether `phone` has a code out: not used and not expired (checkAndConsumeCode says whether tries are left). */
export async function hasLiveCode(db: Db, p: { phone: string; now: Date }): Promise<boolean> {
  const [row] = await db`select 1 from auth_codes where phone = ${p.phone} and consumed_at is null and expires_at > ${p.now} limit 1`;
  return row !== undefined;
}

export type CodeCheck =
  | { ok: true }
  /** The code did not match; `attemptsLeft` more tries on this code (0: it is now dead). */
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  /** Already dead from earlier wrong tries. */
  | { ok: false; reason: 'exhausted' }
  /** No live code: never requested, expired, or already used. */
  | { ok: false; reason: 'expired_or_used' };

/**
 * Checks `code` against the newest live code for `phone` and consumes it on a match. Runs inside the
 * caller's transaction: the row lock means two concurrent verifies of one code cannot both succeed (the
 * second re-reads the row after the first commits, finds it consumed, and gets no row). A wrong try is
 * counted in the same transaction, so the caller must commit before reporting the failure.
 */
export async function checkAndConsumeCode(
  tx: TxSql,
  p: { secret: string; phone: string; code: string; now: Date; maxAttempts: number },
): Promise<CodeCheck> {
  // Expiry is decided by the server clock passed in (deps.now), never by the database's now(): tests move it.
  const [row] = await tx<{ id: string; codeHash: string; attempts: number }[]>`
    select id, code_hash, attempts from auth_codes
    where phone = ${p.phone} and consumed_at is null and expires_at > ${p.now}
    order by created_at desc, id desc
    limit 1
    for update`;
  if (!row) return { ok: false, reason: 'expired_or_used' };
  if (row.attempts >= p.maxAttempts) return { ok: false, reason: 'exhausted' };

  const expected = Buffer.from(row.codeHash, 'hex');
  const given = Buffer.from(hashCode(p.secret, p.phone, p.code), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    const [updated] = await tx<{ attempts: number }[]>`
      update auth_codes set attempts = attempts + 1 where id = ${row.id} returning attempts`;
    return { ok: false, reason: 'wrong', attemptsLeft: Math.max(0, p.maxAttempts - updated!.attempts) };
  }
  // Single use, and it takes any older outstanding codes for the number with it: one sign-in, no spare keys left lying around.
  await tx`update auth_codes set consumed_at = ${p.now} where phone = ${p.phone} and consumed_at is null`;
  return { ok: true };
}
