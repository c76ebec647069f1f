// Fixed-window rate limits kept in Postgres, so every server instance counts against the same budget.
import type { Db } from '../db/sql';
import { HttpError } from '../errors';

export interface Limit {
  /** What is being limited, e.g. `code:phone:+15551234567`. */
  key: string;
  max: number;
  windowSeconds: number;
}

/** Counts `cost` hits against the limit; returns seconds to wait when over it, or 0. */
export async function hit(db: Db, limit: Limit, now: Date, cost = 1): Promise<number> {
  const windowMs = limit.windowSeconds * 1000;
  const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const [row] = await db<{ hits: number }[]>`
    insert into rate_limits (key, window_start, hits) values (${limit.key}, ${start}, ${cost})
    on conflict (key, window_start) do update set hits = rate_limits.hits + excluded.hits
    returning hits`;
  // Expired windows are garbage; sweeping now and then keeps the table small without a job.
  if (Math.random() < 0.01) await db`delete from rate_limits where window_start < ${new Date(now.getTime() - 86_400_000)}`;
  if (row!.hits <= limit.max) return 0;
  return Math.max(1, Math.ceil((start.getTime() + windowMs - now.getTime()) / 1000));
}

/**
 * Throws a 429 carrying Retry-After when the limit is exceeded. A `reason` goes into the error's details with
 * the seconds to wait, for callers whose app words the refusal itself (sign-in).
 */
export async function enforce(db: Db, limit: Limit, now: Date, refusal: string | { message: string; reason: string }, cost = 1): Promise<void> {
  const wait = await hit(db, limit, now, cost);
  if (wait <= 0) return;
  if (typeof refusal === 'string') throw new HttpError('rate_limited', refusal, undefined, wait);
  throw new HttpError('rate_limited', refusal.message, { reason: refusal.reason, retryAfterSeconds: wait }, wait);
}
