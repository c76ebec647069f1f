// The period a money report covers: whole UTC days from `from` to `to`, both included.
import { z } from 'zod';
import { HttpError } from '../errors';

/** A statement covers at most a year (a leap year's 366 days). */
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export interface Period {
  /** YYYY-MM-DD, the first day included. */
  from: string;
  /** YYYY-MM-DD, the last day included. */
  to: string;
  /** from at 00:00 UTC. */
  start: Date;
  /** The day after `to` at 00:00 UTC: the period is [start, end). */
  end: Date;
}

const day = z.iso.date({ error: 'a calendar date as YYYY-MM-DD' });
const periodQuery = z.object({ from: day.optional(), to: day.optional() });

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** `?from=&to=` (both or neither); neither means the current calendar month in UTC. */
export function parsePeriod(query: Record<string, string | undefined>, now: Date): Period {
  const q = periodQuery.safeParse(query);
  if (!q.success) throw new HttpError('invalid_request', 'Give from and to as calendar dates, YYYY-MM-DD (for example from=2026-03-01&to=2026-03-31).', q.error.issues);
  let { from, to } = q.data;
  if ((from === undefined) !== (to === undefined)) throw new HttpError('invalid_request', 'Give both from and to, or neither for the current month.');
  if (from === undefined || to === undefined) {
    from = ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
    to = ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)));
  }
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(new Date(`${to}T00:00:00Z`).getTime() + DAY_MS);
  if (end <= start) throw new HttpError('invalid_request', `from (${from}) must not be after to (${to}).`);
  if ((end.getTime() - start.getTime()) / DAY_MS > MAX_DAYS) throw new HttpError('invalid_request', `A period covers at most ${MAX_DAYS} days; ${from} to ${to} is longer.`);
  return { from, to, start, end };
}
