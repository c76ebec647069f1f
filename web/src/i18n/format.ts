// Numbers, money, distances and times formatted for the user's locale with the platform's Intl.
import { chargeStep, MAX_AMOUNT, minorUnits, money, toDecimalString, type CurrencyCode, type Money } from '@shared/money';
import type { Locale } from '@shared/locales';

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function memo<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) cache.set(key, (f = make()));
  return f;
}

/**
 * Money for display only. The integer amount is split into major and minor parts as text, so no float
 * arithmetic touches it; Intl only lays the digits out.
 */
export function formatMoney(m: Money, locale: Locale): string {
  const digits = minorUnits(m.currency);
  const negative = m.amount < 0;
  const abs = String(Math.abs(m.amount)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  // The digits are the currency's exponent, not Intl's own idea of it: Intl shows COP in whole pesos, which would
  // round COP 999,999.99 up to a 1,000,000 that is refused.
  const f = memo(`money:${locale}:${m.currency}`, () =>
    new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency, minimumFractionDigits: digits, maximumFractionDigits: digits }),
  );
  // Intl accepts decimal strings exactly (no rounding through a double for amounts below 2^53 minor units).
  return f.format(`${negative ? '-' : ''}${decimal}` as unknown as number);
}

/**
 * An amount as text a person edits in their language (a form's starting value): 4050 USD → "40.50" in English,
 * "40,50" in Spanish, whose forms ask for a decimal comma. No grouping, no float arithmetic; parseMoneyInput reads
 * both back.
 */
export function moneyInputText(m: Money, locale: Locale): string {
  return toDecimalString(m).replace('.', decimalMark(locale));
}

/**
 * A latitude or longitude as text a person edits in their language (a form's starting value, a GPS fix):
 * "37.7749" in English, "37,7749" in Spanish, as the forms' examples write it. The forms read either mark back.
 */
export function coordinateInputText(x: number, locale: Locale): string {
  return String(x).replace('.', decimalMark(locale));
}

const decimalMark = (locale: Locale) => memo(`num:${locale}`, () => new Intl.NumberFormat(locale)).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';

/**
 * The ways a person may mark an amount as being in `currency`, before or after it: its code ("USD") and its
 * symbols ("$", "US$"), as either language writes them. Typed with the amount, they say nothing more.
 */
const marksCache = new Map<CurrencyCode, string[]>();
function currencyMarks(currency: CurrencyCode): string[] {
  let marks = marksCache.get(currency);
  if (!marks) {
    const found = new Set([currency.toLowerCase()]);
    for (const locale of ['en', 'es'])
      for (const currencyDisplay of ['symbol', 'narrowSymbol'] as const) {
        const mark = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay }).formatToParts(1).find((p) => p.type === 'currency')?.value;
        if (mark) found.add(mark.toLowerCase());
      }
    // Longest first, so that "US$" goes whole rather than leaving "US".
    marksCache.set(currency, (marks = [...found].sort((a, b) => b.length - a.length)));
  }
  return marks;
}

/** Typed text without spaces and without a mark of its own currency before or after the number. */
function bareAmount(text: string, currency: CurrencyCode): string {
  const cleaned = text.trim().replace(/\s/g, '');
  const lower = cleaned.toLowerCase();
  for (const mark of currencyMarks(currency)) {
    if (lower.startsWith(mark)) return cleaned.slice(mark.length);
    if (lower.endsWith(mark)) return cleaned.slice(0, cleaned.length - mark.length);
  }
  return cleaned;
}

/** Major units typed by a person ("12.50", "12,5", "$12.50") → integer minor units; null when it is not a price. */
export function parseMoneyInput(text: string, currency: Money['currency']): Money | null {
  const digits = minorUnits(currency);
  const cleaned = bareAmount(text, currency).replace(',', '.');
  const re = digits === 0 ? /^\d{1,9}$/ : new RegExp(`^\\d{1,9}(\\.\\d{0,${digits}})?$`);
  if (!re.test(cleaned)) return null;
  const [whole, frac = ''] = cleaned.split('.');
  const amount = Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(amount) ? { amount, currency } : null;
}

/**
 * The amount typed text will be read as, worth saying back to the person only when it has a separator:
 * "1,000" in KWD is 1.000 dinar (three decimals), not a thousand; "1,00" in dollars is one dollar.
 */
export function amountReadBack(text: string, currency: Money['currency']): Money | null {
  return /[.,]/.test(text) ? parseMoneyInput(text, currency) : null;
}

/**
 * Why typed text is not a price parseMoneyInput takes, as far as can be told: thousands separators
 * ("1,000", "1.000,50"; a single separator before three digits, as in "120.999", is read so too, since it
 * means thousands in some languages and decimals in others, and the sentence's examples show both forms),
 * more decimals than the currency has ("80.5055" in dollars), more whole digits than any charge (more than
 * nine), or not an amount at all. Given the reader's `locale`, a single mark that is its decimal mark is read as one.
 */
export function moneyInputProblem(text: string, currency: Money['currency'], locale?: Locale): 'grouping' | 'decimals' | 'tooBig' | 'invalid' {
  const cleaned = bareAmount(text, currency);
  // One mark before three digits is read by the reader's own language, when known: in English "95.505" has a
  // decimal too many and "95,505" is grouped; in Spanish the other way round.
  const single = /^[1-9]\d{0,2}([.,])\d{3}$/.exec(cleaned);
  if (single && locale && single[1] === decimalMark(locale)) return 'decimals';
  if (/^[1-9]\d{0,2}([.,]\d{3})+([.,]\d+)?$/.test(cleaned)) return 'grouping';
  const number = /^(\d+)(?:[.,](\d*))?$/.exec(cleaned);
  if (!number) return 'invalid';
  if (number[1]!.length > 9) return 'tooBig';
  if ((number[2] ?? '').length > minorUnits(currency)) return 'decimals';
  return 'invalid';
}

/** The words the sentences of amountRefusal (shared/src/money.ts) name: the cap and the step of amounts in a currency, in the user's locale. */
export function amountLimits(currency: CurrencyCode, locale: Locale): { max: string; step: string; currency: CurrencyCode } {
  return { max: formatMoney(money(MAX_AMOUNT, currency), locale), step: formatMoney(money(chargeStep(currency), currency), locale), currency };
}

export function formatKm(km: number, locale: Locale): string {
  const f = memo(`km:${locale}:${km < 10 ? 1 : 0}`, () => new Intl.NumberFormat(locale, { style: 'unit', unit: 'kilometer', maximumFractionDigits: km < 10 ? 1 : 0 }));
  return f.format(km);
}

/**
 * A point as latitude and longitude to five places (about a metre), in the locale's digits: "40.41680, -3.70380";
 * where the decimal mark is a comma, the two are kept apart by a semicolon: "40,41680; -3,70380".
 */
export function formatCoordinates(lat: number, lng: number, locale: Locale): string {
  const f = memo(`coord:${locale}`, () => new Intl.NumberFormat(locale, { minimumFractionDigits: 5, maximumFractionDigits: 5, useGrouping: false }));
  const comma = f.format(0.5).includes(',');
  return `${f.format(lat)}${comma ? '; ' : ', '}${f.format(lng)}`;
}

export function formatDateTime(iso: string, locale: Locale): string {
  return memo(`dt:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })).format(new Date(iso));
}

/**
 * A calendar day kept as an instant in that day in UTC (a milestone's due date: plan-form.ts), shown as that
 * same day wherever the reader is: in their own zone it could fall on the day before or after.
 */
export function formatDay(iso: string, locale: Locale): string {
  return memo(`day:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })).format(new Date(iso));
}

export function formatTime(iso: string, locale: Locale): string {
  return memo(`t:${locale}`, () => new Intl.DateTimeFormat(locale, { timeStyle: 'short' })).format(new Date(iso));
}

/** "3 minutes ago", "in 2 hours", in the user's language. */
export function formatRelative(iso: string, locale: Locale, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const f = memo(`rel:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  const abs = Math.abs(seconds);
  if (abs < 45) return f.format(0, 'second');
  if (abs < 45 * 60) return f.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return f.format(Math.round(seconds / 3600), 'hour');
  return f.format(Math.round(seconds / 86400), 'day');
}

/** A rate in basis points as a percentage: 1000 → "10%", 1250 → "12.5%". */
export function formatBps(bps: number, locale: Locale): string {
  return memo(`pct:${locale}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 })).format(bps / 10_000);
}

/** A file's size: "850 B", "12 kB", "1.5 MB". */
export function formatBytes(bytes: number, locale: Locale): string {
  const [value, unit] = bytes < 1000 ? [bytes, 'byte'] : bytes < 1_000_000 ? [bytes / 1000, 'kilobyte'] : [bytes / 1_000_000, 'megabyte'];
  // Whole bytes in words ("50 bytes"): English's short form of the unit is the singular, "50 byte".
  const display = unit === 'byte' ? 'long' : 'short';
  return memo(`bytes:${locale}:${unit}`, () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: display, maximumFractionDigits: 1 })).format(value);
}
