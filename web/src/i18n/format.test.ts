// Money typed and shown: the amounts the server refuses, the cap and step named in the user's locale, and
// amounts shown in their currency's own digits.
import { describe, expect, it } from 'vitest';
import { moneySchema } from '@shared/commands';
import { money, type Money } from '@shared/money';
import { amountLimits, amountRefusal, formatMoney } from './format';

const plain = (s: string) => s.replace(/\u00a0/g, ' ');

describe('amountRefusal', () => {
  it('names what the shared schema refuses in an amount: over one charge, or off its currency’s step', () => {
    const cases: [Money, ReturnType<typeof amountRefusal>][] = [
      [money(99_999_999, 'USD'), null],
      [money(100_000_000, 'USD'), 'tooBig'],
      [money(150_000_000, 'COP'), 'tooBig'],
      [money(12_340, 'KWD'), null],
      [money(12_345, 'KWD'), 'offStep'],
      [money(1, 'JPY'), null],
    ];
    for (const [m, refusal] of cases) {
      expect(amountRefusal(m), `${m.amount} ${m.currency}`).toBe(refusal);
      // The same verdict as the schema the server checks with.
      expect(moneySchema.safeParse(m).success, `${m.amount} ${m.currency}`).toBe(refusal === null);
    }
  });
});

describe('amountLimits', () => {
  it('names the cap and the step in the currency and the locale', () => {
    expect(amountLimits('USD', 'en')).toEqual({ max: '$999,999.99', step: '$0.01', currency: 'USD' });
    expect(plain(amountLimits('KWD', 'en').step)).toBe('KWD 0.010');
    expect(plain(amountLimits('KWD', 'es').max)).toBe('99.999,999 KWD');
  });
});

describe('formatMoney', () => {
  it('shows the currency’s own minor units, never rounding them away (Intl alone shows COP in whole pesos)', () => {
    expect(plain(formatMoney(money(99_999_999, 'COP'), 'en'))).toBe('COP 999,999.99');
    expect(plain(formatMoney(money(8_050, 'COP'), 'es'))).toBe('80,50 COP');
    expect(formatMoney(money(1_500, 'JPY'), 'en')).toBe('¥1,500');
    expect(plain(formatMoney(money(12_340, 'KWD'), 'en'))).toBe('KWD 12.340');
  });
});
