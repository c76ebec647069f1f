// The period a money report covers: whole days from `from` to `to`, both included, in the reader's time zone
// (`tz`, an IANA name such as America/Bogota; UTC when not given), so that a job released late on the last
// evening of a month is in that month where the worker lives, on screen and in the CSV alike.
import { z } from 'zod';
import { HttpError } from '../errors';

/** A statement covers at most a year (a leap year's 366 days). */
const MAX_DAYS = 366;

export interface Period {
  /** YYYY-MM-DD, the first day included. */
  from: string;
  /** YYYY-MM-DD, the last day included. */
  to: string;
  /** from at 00:00 in timeZone. */
  start: Date;
  /** The day after `to` at 00:00 in timeZone: the period is [start, end). */
  end: Date;
  /** The IANA zone the days are in. */
  timeZone: string;
}

const isZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/**
 * The days a report may name. Before 1970 nothing was kept (and Intl and Date.UTC read years below 100 as
 * 19xx); the last day stops short of 9999-12-31, whose next midnight, the period's end, is in year 10000,
 * which Postgres does not take.
 */
const FIRST_DAY = '1970-01-01';
const LAST_DAY = '9999-12-30';
const day = z.iso
  .date({ error: 'a calendar date as YYYY-MM-DD' })
  .refine((d) => d >= FIRST_DAY && d <= LAST_DAY, `a day from ${FIRST_DAY} to ${LAST_DAY}`);
const zone = z.string().max(64).refine(isZone, { error: 'an IANA time zone such as Europe/Madrid' });
const periodQuery = z.object({ from: day.optional(), to: day.optional(), tz: zone.optional() });

const DAY_PARTS = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;

/** The calendar day (YYYY-MM-DD) that `at` falls on in `timeZone`. */
export function dayIn(at: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { ...DAY_PARTS, timeZone }).format(at);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { ...DAY_PARTS, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - (at - (at % 1000));
}

/**
 * The instant a calendar day (YYYY-MM-DD) begins in `timeZone`: its midnight, or where clocks jump over
 * midnight (Asunción, Santiago, Havana move them at 00:00), the first instant that is that day there.
 */
export function startOfDay(ymd: string, timeZone: string): Date {
  const wall = Date.parse(`${ymd}T00:00:00Z`);
  // The offset at the guess, then at the instant it gives (a guess across a change of offset moves once).
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  if (dayIn(new Date(second), timeZone) === ymd) return new Date(second);
  // Midnight does not exist that day: the clocks went from 23:59:59 to 01:00, which is `first`.
  return new Date(first);
}

const nextDay = (ymd: string) => new Date(Date.parse(`${ymd}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** `?from=&to=` (both or neither; neither means the current calendar month) and `tz`. */
export function parsePeriod(query: Record<string, string | undefined>, now: Date): Period {
  const q = periodQuery.safeParse(query);
  if (!q.success)
    throw new HttpError(
      'invalid_request',
      `Give from and to as calendar dates, YYYY-MM-DD, from ${FIRST_DAY} to ${LAST_DAY} (for example from=2026-03-01&to=2026-03-31), and tz as an IANA time zone.`,
      q.error.issues,
    );
  let { from, to } = q.data;
  const timeZone = q.data.tz ?? 'UTC';
  if ((from === undefined) !== (to === undefined)) throw new HttpError('invalid_request', 'Give both from and to, or neither for the current month.');
  if (from === undefined || to === undefined) {
    const [year, month] = dayIn(now, timeZone).split('-').map(Number) as [number, number];
    from = new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 10);
    to = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  }
  if (to < from) throw new HttpError('invalid_request', `from (${from}) must not be after to (${to}).`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > MAX_DAYS) throw new HttpError('invalid_request', `A period covers at most ${MAX_DAYS} days; ${from} to ${to} is longer.`);
  return { from, to, start: startOfDay(from, timeZone), end: startOfDay(nextDay(to), timeZone), timeZone };
}
