import { describe, expect, it } from 'vitest';
import { dueDay, dueInstant, duePassed } from './due-dates';

describe('due dates', () => {
  it('keep a day as its last second in UTC, and read it back as that day', () => {
    expect(dueInstant('2026-12-01')).toBe('2026-12-01T23:59:59.000Z');
    expect(dueDay(dueInstant('2026-12-01')!)).toBe('2026-12-01');
    for (const bad of ['', '1 Dec', '2026-13-01', '2026-12-1']) expect(dueInstant(bad), bad).toBeNull();
  });

  it('pass only once the day is over everywhere: up to 12 hours after it ends in UTC', () => {
    const day = dueInstant('2026-11-21')!;
    expect(duePassed(day, new Date('2026-11-21T23:00:00Z'))).toBe(false);
    // Still the 21st at UTC−12 until noon UTC on the 22nd.
    expect(duePassed(day, new Date('2026-11-22T11:59:00Z'))).toBe(false);
    expect(duePassed(day, new Date('2026-11-22T12:00:01Z'))).toBe(true);
  });
});
