// Statement periods: months on the wall clock, their bounds, the picker's list.
import { describe, expect, it } from 'vitest';
import { deviceTimeZone, monthLabel, monthOf, monthRange, periodQuery, pickMonth, recentMonths } from './period';

describe('periods', () => {
  it('a month is its first to its last day, both included, leap years counted', () => {
    expect(monthRange('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(monthRange('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthRange('2026-04')).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    expect(monthOf(new Date(2026, 11, 31, 23, 30))).toBe('2026-12');
  });

  it('takes a month from the URL only when it is one', () => {
    const now = new Date(2026, 10, 20);
    expect(pickMonth('2026-02', now)).toBe('2026-02');
    expect(pickMonth('2026-13', now)).toBe('2026-11');
    expect(pickMonth('november', now)).toBe('2026-11');
    expect(pickMonth(null, now)).toBe('2026-11');
    expect(() => monthRange('2026-1')).toThrow(/not a month/);
  });

  it('offers the recent months newest first, across a year boundary', () => {
    expect(recentMonths(new Date(2026, 1, 15), 4)).toEqual(['2026-02', '2026-01', '2025-12', '2025-11']);
  });

  it('names months in the reader’s language and builds the query the statement routes take', () => {
    expect(monthLabel('2026-11', 'en')).toBe('November 2026');
    expect(monthLabel('2026-11', 'es')).toBe('noviembre de 2026');
    expect(periodQuery('2026-11', 'America/Bogota')).toBe('from=2026-11-01&to=2026-11-30&tz=America%2FBogota');
    expect(new URLSearchParams(periodQuery('2026-11')).get('tz')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('falls back to UTC when the device names no usable time zone', () => {
    const real = Intl.DateTimeFormat.prototype.resolvedOptions;
    for (const zone of [undefined, 'Etc/Unknown']) {
      Intl.DateTimeFormat.prototype.resolvedOptions = function () {
        return { ...real.call(this), timeZone: zone as never };
      };
      try {
        expect(deviceTimeZone()).toBe('UTC');
      } finally {
        Intl.DateTimeFormat.prototype.resolvedOptions = real;
      }
    }
  });
});
