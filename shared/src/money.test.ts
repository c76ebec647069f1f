// Examples and properties for the money module: rounding, allocation, errors, format/parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURRENCIES,
  FEE_ROUNDING,
  MoneyError,
  type CurrencyCode,
  type Money,
  add,
  allocate,
  compare,
  equals,
  formatMoney,
  isCurrency,
  isNegative,
  isZero,
  max,
  min,
  minorUnits,
  money,
  negate,
  parseMoney,
  percentageFee,
  splitFee,
  subtract,
  sum,
  toDecimalString,
  zero,
} from './money';

const usd = (amount: number) => money(amount, 'USD');
const amounts = (ms: Money[]) => ms.map((m) => m.amount);

function expectMoneyError(fn: () => unknown, code: MoneyError['code']) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MoneyError);
    expect((e as MoneyError).code).toBe(code);
    return;
  }
  throw new Error(`expected MoneyError ${code}, nothing was thrown`);
}

const currencyArb = fc.constantFrom(...(Object.keys(CURRENCIES) as CurrencyCode[]));
const safeAmount = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const bpsArb = fc.integer({ min: 0, max: 10_000 });

describe('currencies', () => {
  it('knows exponents', () => {
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('CLP')).toBe(0);
    expect(minorUnits('KWD')).toBe(3);
  });

  it('rejects unknown and prototype names', () => {
    expect(isCurrency('EUR')).toBe(true);
    for (const x of ['usd', 'XXX', 'toString', '__proto__', '', 1, null, undefined]) {
      expect(isCurrency(x)).toBe(false);
    }
    expectMoneyError(() => minorUnits('XXX' as CurrencyCode), 'unknown_currency');
  });
});

describe('money constructor', () => {
  it('builds plain JSON-friendly objects', () => {
    const m = money(1234, 'EUR');
    expect(JSON.parse(JSON.stringify(m))).toEqual({ amount: 1234, currency: 'EUR' });
    expect(zero('JPY')).toEqual({ amount: 0, currency: 'JPY' });
  });

  it('normalizes negative zero', () => {
    expect(Object.is(money(-0, 'USD').amount, 0)).toBe(true);
    expect(Object.is(negate(zero('USD')).amount, 0)).toBe(true);
  });

  it('rejects bad input', () => {
    expectMoneyError(() => money(100, 'XXX'), 'unknown_currency');
    expectMoneyError(() => money(1.5, 'USD'), 'not_integer');
    expectMoneyError(() => money(Number.NaN, 'USD'), 'not_integer');
    expectMoneyError(() => money(Number.POSITIVE_INFINITY, 'USD'), 'not_integer');
    expectMoneyError(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD'), 'unsafe_integer');
    expectMoneyError(() => money(Number.MIN_SAFE_INTEGER - 1, 'USD'), 'unsafe_integer');
    expect(money(Number.MAX_SAFE_INTEGER, 'USD').amount).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('arithmetic', () => {
  it('adds, subtracts, sums and compares', () => {
    expect(add(usd(150), usd(275))).toEqual(usd(425));
    expect(subtract(usd(150), usd(275))).toEqual(usd(-125));
    expect(sum([usd(1), usd(2), usd(3)], 'USD')).toEqual(usd(6));
    expect(sum([], 'KWD')).toEqual(zero('KWD'));
    expect(negate(usd(5))).toEqual(usd(-5));
    expect(isZero(usd(0))).toBe(true);
    expect(isNegative(usd(-1))).toBe(true);
    expect(isNegative(usd(0))).toBe(false);
    expect(compare(usd(1), usd(2))).toBe(-1);
    expect(compare(usd(2), usd(2))).toBe(0);
    expect(compare(usd(3), usd(2))).toBe(1);
    expect(equals(usd(2), usd(2))).toBe(true);
    expect(equals(usd(2), money(2, 'EUR'))).toBe(false);
    expect(min(usd(1), usd(2))).toEqual(usd(1));
    expect(max(usd(1), usd(2))).toEqual(usd(2));
  });

  it('refuses to mix currencies', () => {
    const eur = money(1, 'EUR');
    expectMoneyError(() => add(usd(1), eur), 'currency_mismatch');
    expectMoneyError(() => subtract(usd(1), eur), 'currency_mismatch');
    expectMoneyError(() => compare(usd(1), eur), 'currency_mismatch');
    expectMoneyError(() => sum([usd(1), eur], 'USD'), 'currency_mismatch');
    expectMoneyError(() => sum([], 'XXX' as CurrencyCode), 'unknown_currency');
  });

  it('refuses to leave the safe integer range', () => {
    const big = usd(Number.MAX_SAFE_INTEGER);
    expectMoneyError(() => add(big, usd(1)), 'unsafe_integer');
    expectMoneyError(() => subtract(usd(Number.MIN_SAFE_INTEGER), usd(1)), 'unsafe_integer');
    expectMoneyError(() => sum([big, big], 'USD'), 'unsafe_integer');
    // A running total may overflow as long as the final total is safe.
    expect(sum([big, usd(10), usd(-20)], 'USD')).toEqual(usd(Number.MAX_SAFE_INTEGER - 10));
  });

  it('add and subtract are inverse', () => {
    fc.assert(
      fc.property(safeAmount, safeAmount, (a, b) => {
        const x = usd(a);
        const y = usd(b);
        let s: Money;
        try {
          s = add(x, y);
        } catch (e) {
          expect((e as MoneyError).code).toBe('unsafe_integer');
          return;
        }
        expect(subtract(s, y)).toEqual(x);
        expect(subtract(s, x)).toEqual(y);
      }),
    );
  });
});

describe('percentageFee', () => {
  it('names its rounding rule', () => {
    expect(FEE_ROUNDING).toBe('half-even');
  });

  it.each([
    [250, 1000, 25],
    [5, 1000, 0], // 0.5 -> 0
    [15, 1000, 2], // 1.5 -> 2
    [25, 1000, 2], // 2.5 -> 2
    [35, 1000, 4], // 3.5 -> 4
    [14, 1000, 1], // 1.4 -> 1
    [16, 1000, 2], // 1.6 -> 2
    [1, 5000, 0], // 0.5 -> 0
    [3, 5000, 2], // 1.5 -> 2
    [12345, 0, 0],
    [12345, 10_000, 12345],
    [10_001, 1, 1], // 1.0001 -> 1
  ])('%i minor units at %i bps = %i', (amount, bps, fee) => {
    expect(percentageFee(usd(amount), bps)).toEqual(usd(fee));
  });

  it('is symmetric for negative amounts', () => {
    expect(percentageFee(usd(-15), 1000)).toEqual(usd(-2));
    expect(percentageFee(usd(-25), 1000)).toEqual(usd(-2));
    fc.assert(
      fc.property(safeAmount, bpsArb, (a, bps) => {
        expect(percentageFee(usd(-a), bps)).toEqual(negate(percentageFee(usd(a), bps)));
      }),
    );
  });

  it('is exact for the largest amounts', () => {
    // 9007199254740991 * 0.0001 = 900719925474.0991 -> 900719925474
    expect(percentageFee(usd(Number.MAX_SAFE_INTEGER), 1)).toEqual(usd(900719925474));
    // 9007199254740991 * 0.5 = 4503599627370495.5 -> ...496 (even)
    expect(percentageFee(usd(Number.MAX_SAFE_INTEGER), 5000)).toEqual(usd(4503599627370496));
  });

  it('rejects bad basis points', () => {
    for (const bps of [-1, 10_001, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectMoneyError(() => percentageFee(usd(100), bps), 'invalid_fee');
    }
  });

  it('lies between floor and ceil of the exact value', () => {
    fc.assert(
      fc.property(safeAmount, bpsArb, (a, bps) => {
        const fee = BigInt(percentageFee(usd(a), bps).amount);
        const exact = BigInt(a) * BigInt(bps);
        // fee - 1 < exact / 10000 < fee + 1, checked without division.
        expect((fee - 1n) * 10_000n < exact).toBe(true);
        expect(exact < (fee + 1n) * 10_000n).toBe(true);
        // And it is the nearest integer: within half a unit.
        const distance = fee * 10_000n - exact;
        expect(distance <= 5000n && distance >= -5000n).toBe(true);
      }),
    );
  });

  it('is monotonic in amount', () => {
    fc.assert(
      fc.property(safeAmount, safeAmount, bpsArb, (a, b, bps) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(percentageFee(usd(lo), bps).amount).toBeLessThanOrEqual(percentageFee(usd(hi), bps).amount);
      }),
    );
  });
});

describe('splitFee', () => {
  it('splits into fee and net', () => {
    expect(splitFee(usd(10_000), 1500)).toEqual({ fee: usd(1500), net: usd(8500) });
  });

  it('fee + net is the amount', () => {
    fc.assert(
      fc.property(safeAmount, bpsArb, currencyArb, (a, bps, c) => {
        const amount = money(a, c);
        const { fee, net } = splitFee(amount, bps);
        expect(add(fee, net)).toEqual(amount);
      }),
    );
  });
});

describe('allocate', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [5, [1, 1], [3, 2]],
    [100, [70, 30], [70, 30]],
    [1, [0, 1, 1], [0, 1, 0]],
    [10, [0, 3], [0, 10]],
    [0, [1, 2], [0, 0]],
    [7, [1], [7]],
    [101, [1, 2, 1], [25, 51, 25]], // remainders .25 .5 .25: the .5 wins
    [2, [1, 1, 1], [1, 1, 0]], // equal remainders go to earlier indexes
  ])('%i into %j -> %j', (amount, ratios, expected) => {
    expect(amounts(allocate(usd(amount), ratios))).toEqual(expected);
  });

  it('keeps the currency', () => {
    expect(allocate(money(10, 'JPY'), [1, 2])).toEqual([money(3, 'JPY'), money(7, 'JPY')]);
  });

  it('rejects bad ratios', () => {
    for (const ratios of [[], [0], [0, 0], [-1, 2], [1.5, 1], [Number.NaN], [Number.MAX_SAFE_INTEGER + 1]]) {
      expectMoneyError(() => allocate(usd(100), ratios), 'invalid_allocation');
    }
  });

  it('sums exactly and stays within one unit of each exact share', () => {
    fc.assert(
      fc.property(
        safeAmount,
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 12 }).filter((r) => r.some((x) => x > 0)),
        (a, ratios) => {
          const parts = allocate(usd(a), ratios);
          expect(parts).toHaveLength(ratios.length);
          expect(sum(parts, 'USD')).toEqual(usd(a));
          const total = BigInt(ratios.reduce((x, y) => x + y, 0));
          parts.forEach((p, i) => {
            // |part - a * r / total| < 1, scaled by total to stay in integers.
            const diff = BigInt(p.amount) * total - BigInt(a) * BigInt(ratios[i]!);
            expect(diff < total && diff > -total).toBe(true);
          });
        },
      ),
    );
  });

  it('is symmetric for negative amounts', () => {
    fc.assert(
      fc.property(safeAmount, fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }), (a, r) => {
        expect(allocate(usd(-a), r)).toEqual(allocate(usd(a), r).map(negate));
      }),
    );
  });
});

describe('formatMoney', () => {
  it('uses the currency exponent', () => {
    expect(formatMoney(usd(123456), 'en-US')).toBe('$1,234.56');
    expect(formatMoney(usd(5), 'en-US')).toBe('$0.05');
    expect(formatMoney(usd(-50), 'en-US')).toBe('-$0.50');
    expect(formatMoney(usd(-123456), 'en-US')).toBe('-$1,234.56');
    expect(formatMoney(money(1234, 'JPY'), 'en-US')).toBe('¥1,234');
    expect(formatMoney(money(1234, 'JPY'), 'ja-JP')).toBe('￥1,234');
    expect(formatMoney(money(1234567, 'KWD'), 'en-US')).toBe('KWD 1,234.567'.replace(' ', '\u00a0'));
    expect(formatMoney(money(7, 'KWD'), 'en-US', { grouping: false })).toBe('KWD\u00a00.007');
    expect(formatMoney(money(123456, 'EUR'), 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(usd(123456), 'en-US', { grouping: false })).toBe('$1234.56');
    // Grouped as the locale groups: Spanish leaves four digits whole.
    expect(formatMoney(money(123456, 'EUR'), 'es')).toBe('1234,56\u00a0€');
    expect(formatMoney(money(1234567, 'EUR'), 'es')).toBe('12.345,67\u00a0€');
  });

  it('is exact for the largest amounts', () => {
    // MAX_SAFE_INTEGER / 100 is not exactly representable as a float.
    expect(formatMoney(usd(Number.MAX_SAFE_INTEGER), 'en-US')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(money(Number.MIN_SAFE_INTEGER, 'KWD'), 'en-US', { grouping: false })).toBe(
      '-KWD\u00a09007199254740.991',
    );
  });

  it('uses the locale numbering system for the fraction', () => {
    const formatted = formatMoney(money(1005, 'KWD'), 'ar-EG');
    expect(formatted).toContain('١٫٠٠٥');
  });
});

describe('toDecimalString', () => {
  it('writes major units in the currency exponent, without symbol or grouping', () => {
    expect(toDecimalString(usd(123456))).toBe('1234.56');
    expect(toDecimalString(usd(5))).toBe('0.05');
    expect(toDecimalString(usd(-50))).toBe('-0.50');
    expect(toDecimalString(usd(0))).toBe('0.00');
    expect(toDecimalString(money(1234, 'JPY'))).toBe('1234');
    expect(toDecimalString(money(-7, 'JPY'))).toBe('-7');
    expect(toDecimalString(money(1234567, 'KWD'))).toBe('1234.567');
    expect(toDecimalString(money(7, 'KWD'))).toBe('0.007');
    // Exact where amount / 100 as a float is not.
    expect(toDecimalString(usd(Number.MAX_SAFE_INTEGER))).toBe('90071992547409.91');
    expect(toDecimalString(money(Number.MIN_SAFE_INTEGER, 'KWD'))).toBe('-9007199254740.991');
  });

  it('round-trips through parseMoney', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currencyArb, (a, c) => {
        expect(parseMoney(toDecimalString(money(a, c)), c)).toEqual(money(a, c));
      }),
    );
  });
});

describe('parseMoney', () => {
  it('parses decimals with string operations', () => {
    expect(parseMoney('12.5', 'USD')).toEqual(usd(1250));
    expect(parseMoney('12.50', 'USD')).toEqual(usd(1250));
    expect(parseMoney(' 12 ', 'USD')).toEqual(usd(1200));
    expect(parseMoney('0.07', 'USD')).toEqual(usd(7));
    expect(parseMoney('1 234.56', 'USD')).toEqual(usd(123456));
    expect(parseMoney('12.', 'USD')).toEqual(usd(1200));
    expect(parseMoney('1234', 'JPY')).toEqual(money(1234, 'JPY'));
    expect(parseMoney('1.5', 'KWD')).toEqual(money(1500, 'KWD'));
    expect(parseMoney('1.234', 'KWD')).toEqual(money(1234, 'KWD'));
    expect(parseMoney('90071992547409.91', 'USD')).toEqual(usd(Number.MAX_SAFE_INTEGER));
  });

  it('rejects what it cannot read exactly', () => {
    for (const input of ['', '.5', '1.234', '-1', '+1', '1e3', 'abc', '1,234.56', '1.2.3', '0x10']) {
      expectMoneyError(() => parseMoney(input, 'USD'), 'invalid_format');
    }
    expectMoneyError(() => parseMoney('12.5', 'JPY'), 'invalid_format');
    expectMoneyError(() => parseMoney('1.2345', 'KWD'), 'invalid_format');
    expectMoneyError(() => parseMoney('1', 'XXX'), 'unknown_currency');
    expectMoneyError(() => parseMoney('90071992547409.92', 'USD'), 'unsafe_integer');
  });

  it('round-trips with formatMoney (en-US, no grouping)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currencyArb, (a, c) => {
        const m = money(a, c);
        // Keep only the number: drop the symbol or code and its separator.
        const digits = formatMoney(m, 'en-US', { grouping: false }).replace(/[^\d.]/g, '');
        expect(parseMoney(digits, c)).toEqual(m);
      }),
    );
  });
});
