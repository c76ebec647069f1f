// A milestone's due date: a calendar day agreed between two people who may be in different time zones. It is
// kept as the last second of that day in UTC and read back (and shown) as that day in UTC, so that both see
// the day that was picked; and it has passed only once that day is over everywhere, up to 12 hours after it
// is over in UTC (the clocks furthest behind, UTC−12), so that the device and the server judge it alike.

/** How far behind UTC a clock can be: a day over in UTC is still that day there for this long. */
const SLACK_MS = 12 * 3_600_000;

/** A `YYYY-MM-DD` day as its due instant, or null when it is not a day. */
export function dueInstant(day: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const t = Date.parse(`${day}T23:59:59.000Z`);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The day a due instant stands for. */
export const dueDay = (iso: string): string => new Date(iso).toISOString().slice(0, 10);

/** Whether the day is over everywhere. */
export const duePassed = (dueAt: string, now: Date): boolean => Date.parse(dueAt) < now.getTime() - SLACK_MS;
