// Report periods: whole days in the reader's time zone (UTC by default), both ends included, the current month
// by default, at most a year.
import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { dayIn, parsePeriod } from './period';

const now = new Date('2024-02-17T23:30:00Z');

function refused(query: Record<string, string>): HttpError {
  try {
    parsePeriod(query, now);
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).status).toBe(400);
    return e as HttpError;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parsePeriod', () => {
  it('defaults to the current calendar month in UTC', () => {
    expect(parsePeriod({}, now)).toEqual({ from: '2024-02-01', to: '2024-02-29', start: new Date('2024-02-01T00:00:00Z'), end: new Date('2024-03-01T00:00:00Z'), timeZone: 'UTC' });
    // Late on the 31st in New York is already the 1st in UTC.
    expect(parsePeriod({}, new Date('2023-12-31T23:59:59.999Z')).to).toBe('2023-12-31');
    expect(parsePeriod({}, new Date('2024-01-01T00:00:00Z')).from).toBe('2024-01-01');
  });

  it('covers whole days, the last one included', () => {
    expect(parsePeriod({ from: '2024-03-05', to: '2024-03-05' }, now)).toMatchObject({ start: new Date('2024-03-05T00:00:00Z'), end: new Date('2024-03-06T00:00:00Z') });
    // A leap year's whole year is 366 days and allowed; one day more is not.
    expect(parsePeriod({ from: '2024-01-01', to: '2024-12-31' }, now).end).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(refused({ from: '2024-01-01', to: '2025-01-01' }).message).toMatch(/at most 366 days/);
  });

  it('counts the days in the reader’s time zone, across changes of offset', () => {
    // Bogotá is five hours behind UTC all year: December there starts at 05:00 UTC.
    expect(parsePeriod({ from: '2026-12-01', to: '2026-12-31', tz: 'America/Bogota' }, now)).toMatchObject({
      start: new Date('2026-12-01T05:00:00Z'), end: new Date('2027-01-01T05:00:00Z'), timeZone: 'America/Bogota',
    });
    // New York moves its clocks on 2024-03-10: that day is 23 hours long.
    expect(parsePeriod({ from: '2024-03-10', to: '2024-03-10', tz: 'America/New_York' }, now)).toMatchObject({
      start: new Date('2024-03-10T05:00:00Z'), end: new Date('2024-03-11T04:00:00Z'),
    });
    expect(parsePeriod({ from: '2024-02-01', to: '2024-02-01', tz: 'Asia/Kolkata' }, now).start).toEqual(new Date('2024-01-31T18:30:00Z'));
    // Asunción moved its clocks from midnight to 01:00 on 2023-10-01: that day starts at 01:00 (04:00 UTC),
    // and 23:30 on 30 September is still September.
    expect(parsePeriod({ from: '2023-10-01', to: '2023-10-31', tz: 'America/Asuncion' }, now).start).toEqual(new Date('2023-10-01T04:00:00Z'));
    expect(parsePeriod({ from: '2023-09-01', to: '2023-09-30', tz: 'America/Asuncion' }, now).end).toEqual(new Date('2023-10-01T04:00:00Z'));
    expect(parsePeriod({ from: '2024-09-08', to: '2024-09-08', tz: 'America/Santiago' }, now).start).toEqual(new Date('2024-09-08T04:00:00Z'));
    // The current month is the reader's: 23:30 UTC on 29 February is already March in Tokyo.
    expect(parsePeriod({ tz: 'Asia/Tokyo' }, new Date('2024-02-29T23:30:00Z'))).toMatchObject({ from: '2024-03-01', to: '2024-03-31' });
    expect(dayIn(new Date('2026-12-01T02:00:00Z'), 'America/Bogota')).toBe('2026-11-30');
    expect(dayIn(new Date('2026-12-01T02:00:00Z'), 'UTC')).toBe('2026-12-01');
  });

  it('refuses what is not a calendar date or a time zone, a reversed range, or one end alone', () => {
    for (const tz of ['Mars/Olympus', '', 'UTC+5', 'x'.repeat(65)]) expect(refused({ from: '2024-03-01', to: '2024-03-31', tz }).message).toMatch(/IANA time zone/);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-1', '20240101', 'yesterday', '2024-01-01T00:00:00Z', ''])
      expect(refused({ from: bad, to: '2024-12-31' }).message).toMatch(/YYYY-MM-DD/);
    expect(refused({ from: '2024-03-02', to: '2024-03-01' }).message).toMatch(/must not be after/);
    expect(refused({ from: '2024-03-01' }).message).toMatch(/both from and to/);
    expect(refused({ to: '2024-03-01' }).message).toMatch(/both from and to/);
  });

  it('refuses days before 1970 or at the very end of year 9999, whose periods Postgres could not be asked about', () => {
    for (const [from, to] of [['9999-12-31', '9999-12-31'], ['0001-01-01', '0001-01-31'], ['0000-01-01', '0000-01-31'], ['1969-12-31', '1970-01-05']])
      expect(refused({ from: from!, to: to! }).message, `${from} to ${to}`).toMatch(/from 1970-01-01 to 9999-12-30/);
    // The ends themselves are fine, in any zone, and give instants Postgres takes (years 1969 to 9999).
    for (const tz of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const first = parsePeriod({ from: '1970-01-01', to: '1970-01-31', tz }, now);
      const last = parsePeriod({ from: '9999-12-01', to: '9999-12-30', tz }, now);
      expect(first.start.getUTCFullYear()).toBeGreaterThanOrEqual(1969);
      expect(last.end.getUTCFullYear()).toBeLessThanOrEqual(9999);
      expect(last.end.getTime() - last.start.getTime()).toBe(30 * 86_400_000);
    }
  });
});
