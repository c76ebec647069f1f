// CSV as RFC 4180 writes it (every field quoted, quotes doubled, CRLF after every record), with the guard
// against formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
// formula, so such a cell gets a leading apostrophe (OWASP, "CSV Injection").
import { money, toDecimalString } from '@shared/money';
import type { WorkerStatement } from '@shared/money-api';
import { dayIn } from './period';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

const STATEMENT_HEADER = ['Released', 'Title', 'Description', 'Type', 'Released by', 'Currency', 'Gross', 'Fee', 'Net', 'Booking', 'Milestone'] as const;

/**
 * One row per job, amounts in major units as decimals (never negative here, so never guarded); the day each
 * was released on in the statement's time zone, as the screen shows it.
 */
export function statementCsv(s: WorkerStatement, timeZone = 'UTC'): string {
  return toCsv([
    STATEMENT_HEADER,
    ...s.jobs.map((j) => [
      dayIn(j.releasedAt, timeZone),
      j.title,
      j.description,
      j.kind,
      j.releasedBy,
      j.currency,
      toDecimalString(money(j.gross, j.currency)),
      toDecimalString(money(j.fee, j.currency)),
      toDecimalString(money(j.net, j.currency)),
      j.bookingId ?? '',
      j.milestoneId ?? '',
    ]),
  ]);
}
