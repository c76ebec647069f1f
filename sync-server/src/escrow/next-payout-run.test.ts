import { describe, expect, it } from 'vitest';
import { ESCROW_CRONTAB, nextPayoutRun } from './tasks';

describe('the next payout run', () => {
  const next = (iso: string) => nextPayoutRun(new Date(iso)).toISOString();

  it('is the next minute 17 of an hour, in UTC as the crontab counts', () => {
    expect(next('2026-11-23T10:16:59.999Z')).toBe('2026-11-23T10:17:00.000Z');
    expect(next('2026-11-23T10:17:00.000Z')).toBe('2026-11-23T11:17:00.000Z');
    expect(next('2026-11-23T10:45:00.000Z')).toBe('2026-11-23T11:17:00.000Z');
    expect(next('2026-12-31T23:30:00.000Z')).toBe('2027-01-01T00:17:00.000Z');
  });

  it('is what the crontab schedules', () => {
    const run = ESCROW_CRONTAB.find((c) => c.task === 'escrow.payout_run')!;
    expect(run.match).toBe(`${new Date(next('2026-11-23T10:00:00Z')).getUTCMinutes()} * * * *`);
  });
});
