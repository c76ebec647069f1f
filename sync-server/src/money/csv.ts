// CSV as RFC 4180 writes it (every field quoted, quotes doubled, CRLF after every record), with the guard
// against formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
// formula, so such a cell gets a leading apostrophe (OWASP, "CSV Injection").
import type { Locale } from '@shared/locales';
import { money, toDecimalString, type CurrencyCode } from '@shared/money';
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

/** A statement's words in the worker's language: the header, and what kind of row each is and who let a job's money go. */
const STATEMENT_WORDS: Record<Locale, { header: readonly string[]; kind: Record<string, string>; releasedBy: Record<ReleasedBy, string> }> = {
  en: {
    header: ['Date', 'Title', 'Description', 'Type', 'Released by', 'Currency', 'Gross', 'Fee', 'Net', 'Paid out', 'Reference', 'Booking', 'Milestone'],
    kind: { release: 'Release', split: 'Split', payout: 'Payout' },
    releasedBy: {
      approved: 'Client approved',
      auto_approved: 'Review time ran out',
      dispute_accepted: 'Dispute: claim accepted',
      dispute_default: 'Dispute: no answer in time',
      mediator: 'Mediator',
    },
  },
  es: {
    header: ['Fecha', 'Título', 'Descripción', 'Tipo', 'Liberado por', 'Moneda', 'Bruto', 'Comisión', 'Neto', 'Pagado', 'Referencia', 'Reserva', 'Parte del trabajo'],
    kind: { release: 'Liberación', split: 'Reparto', payout: 'Pago a tu cuenta' },
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
 * One row per job released to the worker (gross, fee, net) and per payout to their account (paid out, with the
 * provider's reference to find it by on their bank statement), in the order they happened: the day of each in
 * the statement's time zone, as the screen shows it. Amounts in major units as decimals with a point, as
 * spreadsheets read a comma-separated file (never negative here, so never guarded); the header and the words
 * in the worker's language.
 */
export function statementCsv(s: WorkerStatement, timeZone = 'UTC', locale: Locale = 'en'): string {
  const words = STATEMENT_WORDS[locale];
  const decimal = (amount: number, currency: CurrencyCode) => toDecimalString(money(amount, currency));
  const rows = [
    ...s.jobs.map((j) => ({
      at: j.releasedAt,
      cells: [
        dayIn(j.releasedAt, timeZone), j.title, j.description, words.kind[j.kind] ?? j.kind, words.releasedBy[j.releasedBy] ?? j.releasedBy, j.currency,
        decimal(j.gross, j.currency), decimal(j.fee, j.currency), decimal(j.net, j.currency), '', '', j.bookingId ?? '', j.milestoneId ?? '',
      ],
    })),
    ...s.payouts.map((p) => ({
      at: p.paidAt,
      cells: [
        dayIn(p.paidAt, timeZone), p.title, p.description, words.kind.payout!, '', p.currency,
        '', '', '', decimal(p.amount, p.currency), p.reference ?? '', p.bookingId ?? '', p.milestoneId ?? '',
      ],
    })),
  ];
  // Sorted stably: a job released and paid out in the same instant keeps its release first.
  rows.sort((a, b) => a.at.getTime() - b.at.getTime());
  return toCsv([words.header, ...rows.map((r) => r.cells)]);
}
