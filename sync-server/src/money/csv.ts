// CSV as RFC 4180 writes it (every field quoted, quotes doubled, CRLF after every record), with the guard
// against formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
// formula, so such a cell gets a leading apostrophe (OWASP, "CSV Injection").
import type { Locale } from '@shared/locales';
import { money, toDecimalString } from '@shared/money';
import type { ReleasedBy, WorkerStatement } from '@shared/money-api';
import { dayIn } from './period';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

/** A statement's words in the worker's language: the header, and what kind of release each job was and who let it go. */
const STATEMENT_WORDS: Record<Locale, { header: readonly string[]; kind: Record<string, string>; releasedBy: Record<ReleasedBy, string> }> = {
  en: {
    header: ['Released', 'Title', 'Description', 'Type', 'Released by', 'Currency', 'Gross', 'Fee', 'Net', 'Booking', 'Milestone'],
    kind: { release: 'Release', split: 'Split' },
    releasedBy: {
      approved: 'Client approved',
      auto_approved: 'Review time ran out',
      dispute_accepted: 'Dispute: claim accepted',
      dispute_default: 'Dispute: no answer in time',
      mediator: 'Mediator',
    },
  },
  es: {
    header: ['Liberado', 'Título', 'Descripción', 'Tipo', 'Liberado por', 'Moneda', 'Bruto', 'Comisión', 'Neto', 'Reserva', 'Parte del trabajo'],
    kind: { release: 'Liberación', split: 'Reparto' },
    releasedBy: {
      approved: 'Aprobado por el cliente',
      auto_approved: 'Terminó el plazo de revisión',
      dispute_accepted: 'Disputa: reclamación aceptada',
      dispute_default: 'Disputa: sin respuesta a tiempo',
      mediator: 'Mediador',
    },
  },
};

/**
 * One row per job, amounts in major units as decimals with a point, as spreadsheets read a comma-separated
 * file (never negative here, so never guarded); the day each was released on in the statement's time zone,
 * as the screen shows it; the header and the words in the worker's language.
 */
export function statementCsv(s: WorkerStatement, timeZone = 'UTC', locale: Locale = 'en'): string {
  const words = STATEMENT_WORDS[locale];
  return toCsv([
    words.header,
    ...s.jobs.map((j) => [
      dayIn(j.releasedAt, timeZone),
      j.title,
      j.description,
      words.kind[j.kind] ?? j.kind,
      words.releasedBy[j.releasedBy] ?? j.releasedBy,
      j.currency,
      toDecimalString(money(j.gross, j.currency)),
      toDecimalString(money(j.fee, j.currency)),
      toDecimalString(money(j.net, j.currency)),
      j.bookingId ?? '',
      j.milestoneId ?? '',
    ]),
  ]);
}
