// Money: integer minor units plus an ISO 4217 currency, and the only functions allowed to change it.

// Minor-unit exponent per supported currency (ISO 4217). The exponent says how many
// minor units make one major unit (10^exponent); amounts are always stored in minor units.
export const CURRENCIES = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  MXN: 2,
  COP: 2,
  ARS: 2,
  BRL: 2,
  CLP: 0,
  JPY: 0,
  KES: 2,
  NGN: 2,
  INR: 2,
  PEN: 2,
  KWD: 3,
} as const satisfies Record<string, 0 | 2 | 3>;

export type CurrencyCode = keyof typeof CURRENCIES;

// `amount` is an integer count of minor units (cents, fils, yen); never a float.
export type Money = { readonly amount: number; readonly currency: CurrencyCode };

export type MoneyErrorCode =
  | 'unknown_currency'
  | 'not_integer'
  | 'unsafe_integer'
  | 'currency_mismatch'
  | 'invalid_fee'
  | 'invalid_allocation'
  | 'invalid_format';

export class MoneyError extends Error {
  readonly code: MoneyErrorCode;

  constructor(code: MoneyErrorCode, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.code = code;
  }
}

// The one rounding rule for fees: round half to even ("banker's rounding") on the exact
// rational amount × bps / 10000. Half-even has no upward bias, so summed over many
// transactions neither the platform nor the workers systematically gain the half cent.
export const FEE_ROUNDING = 'half-even' as const;

const BPS_PER_WHOLE = 10_000;

/**
 * The most one amount a person names may be, in minor units: what a payment provider takes in one charge
 * (Stripe: eight digits). Far below 2^53, so that a booking's milestones, however many, add up to a safe
 * integer.
 */
export const MAX_AMOUNT = 99_999_999;

/**
 * The step, in minor units, that amounts charged or refunded move in: three-decimal currencies are charged in
 * tens (Stripe takes 0.010 KWD steps only, for payments and refunds alike), the rest in ones.
 */
export function chargeStep(currency: CurrencyCode): number {
  return minorUnits(currency) === 3 ? 10 : 1;
}

/** Why an amount cannot be charged or refunded in its currency, or null when it can. */
export function offStep(m: Money): string | null {
  const step = chargeStep(m.currency);
  return m.amount % step === 0 ? null : `${m.currency} amounts go in steps of ${toDecimalString(money(step, m.currency))} ${m.currency}`;
}

/**
 * Why an amount is refused (the moneySchema's rules, for forms to say before sending): more than one charge may
 * be, or finer than its currency's step. Null when it would be taken.
 */
export function amountRefusal(m: Money): 'tooBig' | 'offStep' | null {
  if (m.amount > MAX_AMOUNT) return 'tooBig';
  return offStep(m) ? 'offStep' : null;
}

export function isCurrency(x: unknown): x is CurrencyCode {
  // hasOwn, not `in`, so 'toString' and friends are not currencies.
  return typeof x === 'string' && Object.hasOwn(CURRENCIES, x);
}

export function minorUnits(currency: CurrencyCode): number {
  assertCurrency(currency);
  return CURRENCIES[currency];
}

export function money(amount: number, currency: string): Money {
  assertCurrency(currency);
  if (typeof amount !== 'number' || !Number.isInteger(amount)) {
    throw new MoneyError('not_integer', `Amount must be an integer number of minor units, got ${String(amount)}`);
  }
  return make(amount, currency);
}

export function zero(currency: CurrencyCode): Money {
  return money(0, currency);
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return make(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return make(a.amount - b.amount, a.currency);
}

// Accumulates in BigInt so a list whose running total overflows but whose final total
// is safe still sums correctly.
export function sum(list: readonly Money[], currency: CurrencyCode): Money {
  assertCurrency(currency);
  let total = 0n;
  for (const m of list) {
    if (m.currency !== currency) {
      throw new MoneyError('currency_mismatch', `Cannot sum ${m.currency} into ${currency}`);
    }
    total += BigInt(m.amount);
  }
  return fromBig(total, currency);
}

export function negate(m: Money): Money {
  return make(-m.amount, m.currency);
}

export function isZero(m: Money): boolean {
  return m.amount === 0;
}

export function isNegative(m: Money): boolean {
  return m.amount < 0;
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

export function min(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Money, b: Money): Money {
  return compare(a, b) >= 0 ? a : b;
}

// Fee of `basisPoints` (1 bp = 0.01%) on `amount`, rounded by FEE_ROUNDING. Computed on
// |amount| and the sign reapplied, so fee(-x) = -fee(x): a refund returns exactly the fee taken.
export function percentageFee(amount: Money, basisPoints: number): Money {
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > BPS_PER_WHOLE) {
    throw new MoneyError('invalid_fee', `Basis points must be an integer in 0..10000, got ${String(basisPoints)}`);
  }
  const magnitude = BigInt(Math.abs(amount.amount)) * BigInt(basisPoints);
  const fee = roundHalfEven(magnitude, BigInt(BPS_PER_WHOLE));
  return fromBig(amount.amount < 0 ? -fee : fee, amount.currency);
}

// Fee and what remains; net is derived by subtraction so fee + net === amount always.
export function splitFee(amount: Money, basisPoints: number): { fee: Money; net: Money } {
  const fee = percentageFee(amount, basisPoints);
  return { fee, net: subtract(amount, fee) };
}

// Largest-remainder split of `amount` in proportion to `ratios`. Every part gets the floor
// of its exact share; the leftover units go one each to the parts with the largest
// fractional remainders, ties to the earlier index. Parts therefore sum exactly to
// `amount` and each is within one minor unit of its exact share. Negative amounts are
// split as their magnitude and negated, so allocate(-x) = allocate(x) negated.
export function allocate(amount: Money, ratios: readonly number[]): Money[] {
  if (ratios.length === 0) {
    throw new MoneyError('invalid_allocation', 'Allocation needs at least one ratio');
  }
  for (const r of ratios) {
    if (!Number.isSafeInteger(r) || r < 0) {
      throw new MoneyError('invalid_allocation', `Ratios must be non-negative integers, got ${String(r)}`);
    }
  }
  const weights = ratios.map((r) => BigInt(r));
  const total = weights.reduce((acc, w) => acc + w, 0n);
  if (total === 0n) {
    throw new MoneyError('invalid_allocation', 'Ratios must not all be zero');
  }

  const magnitude = BigInt(Math.abs(amount.amount));
  const parts = weights.map((w) => (magnitude * w) / total);
  // Remainders share the denominator `total`, so comparing numerators compares fractions.
  const remainders = weights.map((w) => (magnitude * w) % total);
  let leftover = magnitude - parts.reduce((acc, p) => acc + p, 0n);

  const order = remainders
    .map((_, i) => i)
    .sort((i, j) => (remainders[i]! > remainders[j]! ? -1 : remainders[i]! < remainders[j]! ? 1 : i - j));
  for (const i of order) {
    if (leftover === 0n) break;
    parts[i] = parts[i]! + 1n;
    leftover -= 1n;
  }

  const sign = amount.amount < 0 ? -1n : 1n;
  return parts.map((p) => fromBig(sign * p, amount.currency));
}

// Formats with Intl in the currency's own exponent. The amount is split into whole and
// fractional minor units with BigInt and only the whole part goes through a float, so
// large amounts are not rounded by binary floating point (amount / 100 would be for
// amounts above ~2^46 minor units).
export function formatMoney(m: Money, locale: string, options: { grouping?: boolean } = {}): string {
  const exponent = minorUnits(m.currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: m.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
    // Grouped as the locale groups (Spanish leaves four-digit amounts whole: "1234,50 US$"), as the app's screens
    // are: `useGrouping: true` would mean "always" and write "1.234,50 US$" in texts and on the server's pages.
    ...(options.grouping === false ? { useGrouping: false } : {}),
  });
  const scale = 10n ** BigInt(exponent);
  const magnitude = BigInt(Math.abs(m.amount));
  const whole = Number(magnitude / scale);
  // -0 keeps the minus sign for amounts like -0.50, whose whole part is zero.
  const signedWhole = m.amount < 0 ? -whole : whole;
  if (exponent === 0) return formatter.format(signedWhole);

  // Fraction digits in the same numbering system the main formatter chose (e.g. Arabic-Indic).
  const fractionFormatter = new Intl.NumberFormat(locale, {
    numberingSystem: formatter.resolvedOptions().numberingSystem,
    minimumIntegerDigits: exponent,
    useGrouping: false,
  });
  const fraction = fractionFormatter.format(Number(magnitude % scale));
  return formatter
    .formatToParts(signedWhole)
    .map((part) => (part.type === 'fraction' ? fraction : part.value))
    .join('');
}

// The amount as a plain decimal in major units ("1234.50", "-0.07", JPY "1234", KWD "1.234"): no symbol,
// grouping or locale, for files other programs read (CSV exports). String arithmetic on BigInt, never a float.
export function toDecimalString(m: Money): string {
  const exponent = minorUnits(m.currency);
  const magnitude = BigInt(Math.abs(m.amount));
  const scale = 10n ** BigInt(exponent);
  const sign = m.amount < 0 ? '-' : '';
  if (exponent === 0) return `${sign}${magnitude}`;
  return `${sign}${magnitude / scale}.${String(magnitude % scale).padStart(exponent, '0')}`;
}

// Parses a user-typed non-negative decimal such as "12.5" or "12.50" with string
// operations only (no floats). Whitespace is ignored; at most `exponent` decimals.
export function parseMoney(input: string, currency: string): Money {
  assertCurrency(currency);
  const exponent = CURRENCIES[currency];
  const cleaned = input.replace(/\s+/g, '');
  const match = new RegExp(`^(\\d+)(?:\\.(\\d{0,${exponent}}))?$`).exec(cleaned);
  if (match === null) {
    throw new MoneyError(
      'invalid_format',
      `"${input}" is not an amount in ${currency}; use digits with at most ${exponent} decimals`,
    );
  }
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(exponent, '0') || '0');
  return fromBig(whole * 10n ** BigInt(exponent) + fraction, currency);
}

// Rounds the non-negative rational n / d to an integer, ties to the even neighbour.
function roundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twiceRemainder = (n % d) * 2n;
  if (twiceRemainder > d) return q + 1n;
  if (twiceRemainder < d) return q;
  return q % 2n === 0n ? q : q + 1n;
}

function assertCurrency(currency: unknown): asserts currency is CurrencyCode {
  if (!isCurrency(currency)) {
    throw new MoneyError('unknown_currency', `Unsupported currency ${String(currency)}`);
  }
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError('currency_mismatch', `Cannot combine ${a.currency} with ${b.currency}`);
  }
}

function fromBig(amount: bigint, currency: CurrencyCode): Money {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError('unsafe_integer', `Amount ${amount} ${currency} is beyond the safe integer range`);
  }
  return make(Number(amount), currency);
}

// Every Money is built here: the one place that enforces the safe-integer range.
function make(amount: number, currency: CurrencyCode): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError('unsafe_integer', `Amount ${amount} ${currency} is beyond the safe integer range`);
  }
  // `+ 0` turns -0 into 0 so equal amounts serialize and compare identically.
  return Object.freeze({ amount: amount + 0, currency });
}
