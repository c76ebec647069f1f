// Money shown: the cap and step named in the user's locale, and amounts in their currency's own digits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMoney as sharedFormatMoney, money } from '@shared/money';
import { amountLimits, formatBytes, formatCoordinates, formatDay, formatMoney } from './format';

const plain = (s: string) => s.replace(/\u00a0/g, ' ');

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

  it('writes every amount as the server’s texts and pages do (shared formatMoney), four-digit Spanish amounts ungrouped', () => {
    expect(plain(formatMoney(money(123_450, 'USD'), 'es'))).toBe('1234,50 US$');
    expect(plain(formatMoney(money(1_234_550, 'USD'), 'es'))).toBe('12.345,50 US$');
    for (const locale of ['en', 'es'] as const)
      for (const m of [money(123_450, 'USD'), money(1_234_550, 'EUR'), money(-50, 'USD'), money(150_000, 'JPY'), money(99_999_999, 'COP'), money(12_340, 'KWD')])
        expect(formatMoney(m, locale)).toBe(sharedFormatMoney(m, locale));
  });
});

describe('formatBytes', () => {
  it('says bytes in words, and larger sizes short, in each language', () => {
    expect(formatBytes(50, 'en')).toBe('50 bytes');
    expect(formatBytes(1, 'en')).toBe('1 byte');
    expect(formatBytes(50, 'es')).toBe('50 bytes');
    expect(formatBytes(2_500, 'en')).toBe('2.5 kB');
    expect(formatBytes(1_200_000, 'es').replace(/\u00a0/g, ' ')).toBe('1,2 MB');
  });
});

describe('formatCoordinates', () => {
  it('writes a point in the locale’s digits, kept apart by a semicolon where the decimal mark is a comma', () => {
    expect(formatCoordinates(40.4168, -3.7038, 'en')).toBe('40.41680, -3.70380');
    expect(formatCoordinates(40.4168, -3.7038, 'es')).toBe('40,41680; -3,70380');
    // No grouping of thousands (a longitude reaches 180 only), and five places at most.
    expect(formatCoordinates(-33.868819, 151.209296, 'es')).toBe('-33,86882; 151,20930');
  });
});

describe('formatDay', () => {
  afterEach(() => void vi.unstubAllEnvs());

  it('shows a due date as the day that was picked, wherever the reader is', () => {
    for (const tz of ['Pacific/Auckland', 'America/Los_Angeles', 'UTC']) {
      vi.stubEnv('TZ', tz);
      expect(formatDay('2026-12-01T23:59:59.000Z', 'en'), tz).toBe('Dec 1, 2026');
      expect(formatDay('2026-12-01T23:59:59.000Z', 'es'), tz).toBe('1 dic 2026');
    }
    // In Auckland the same instant is already the 2nd: a reader's own zone would move the day.
    vi.stubEnv('TZ', 'Pacific/Auckland');
    expect(new Date('2026-12-01T23:59:59.000Z').getDate()).toBe(2);
  });
});
