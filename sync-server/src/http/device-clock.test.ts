// deviceClockOffset: our clock less the device's, from the time it says it sent the request.
import { describe, expect, it } from 'vitest';
import { deviceClockOffset } from './device-clock';

const now = new Date('2026-11-23T12:00:00.000Z');

describe('deviceClockOffset', () => {
  it('is how far behind (positive) or ahead (negative) the device’s clock is', () => {
    expect(deviceClockOffset(String(now.getTime() - 300_000), now)).toBe(300_000);
    expect(deviceClockOffset(String(Date.parse('2019-06-01T00:00:00Z')), now)).toBe(now.getTime() - Date.parse('2019-06-01T00:00:00Z'));
    expect(deviceClockOffset(String(now.getTime() + 90_000), now)).toBe(-90_000);
  });

  it('is nothing without a time in the header, or with one no phone keeps', () => {
    for (const header of [undefined, '', 'soon', '-5', '1.5e12', '1'.repeat(16)]) expect(deviceClockOffset(header, now), String(header)).toBe(0);
    expect(deviceClockOffset('0', now)).toBe(0);
  });
});
