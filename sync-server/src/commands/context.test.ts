// actedAt: the time a person acted, as their device says, kept within what the server knows.
import { describe, expect, it } from 'vitest';
import { actedAt } from './context';

const now = new Date('2026-11-23T12:00:00.000Z');
const at = (iso: string) => new Date(iso);

describe('actedAt', () => {
  it('is the device’s time when it falls between the last change and now: written offline, dated then', () => {
    expect(actedAt({ now, issuedAt: at('2026-11-23T09:15:00.000Z') }, at('2026-11-23T08:00:00.000Z'))).toEqual(at('2026-11-23T09:15:00.000Z'));
  });

  it('is never later than the server’s clock, for a device clock running fast', () => {
    expect(actedAt({ now, issuedAt: at('2026-11-23T12:40:00.000Z') }, at('2026-11-23T08:00:00.000Z'))).toEqual(now);
  });

  it('is never earlier than the last change, so a history stays in order, for a device clock running slow', () => {
    expect(actedAt({ now, issuedAt: at('2019-01-01T00:00:00.000Z') }, at('2026-11-23T08:00:00.000Z'))).toEqual(at('2026-11-23T08:00:00.000Z'));
    // A last change the server's clock has not reached (another clock): now, still.
    expect(actedAt({ now, issuedAt: at('2026-11-23T09:00:00.000Z') }, at('2026-11-23T12:00:05.000Z'))).toEqual(now);
  });
});
