// Statement periods: calendar months, as the whole days (YYYY-MM-DD, both included) the money routes take.
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11": the month holding `date`, in the device's time zone. */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}`;
}

/** A month from the URL when it is one, else the current month. */
export function pickMonth(text: string | null, now: Date): string {
  return text && MONTH.test(text) ? text : monthOf(now);
}

/** The month's first and last days, "2026-02-01" and "2026-02-28". */
export function monthRange(month: string): { from: string; to: string } {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  // Day 0 of the next month is this month's last day; UTC so that no time zone moves it.
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${pad(last)}` };
}

/** The `count` months up to and including the current one, newest first: what the period picker offers. */
export function recentMonths(now: Date, count = 24): string[] {
  return Array.from({ length: count }, (_, i) => monthOf(new Date(now.getFullYear(), now.getMonth() - i, 1)));
}

/**
 * The device's time zone, in which its months begin and end (the server counts the days in it too). Some
 * devices name none, or one the platform cannot use ("Etc/Unknown"): then UTC, so the money screens still load.
 */
export function deviceTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** The query string the statement routes take for a month: its days, in the device's time zone. */
export function periodQuery(month: string, timeZone = deviceTimeZone()): string {
  return new URLSearchParams({ ...monthRange(month), tz: timeZone }).toString();
}

/** "November 2026" / "noviembre de 2026". */
export function monthLabel(month: string, locale: string): string {
  const [year, index] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, index - 1, 1)));
}
