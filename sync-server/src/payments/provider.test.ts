import { describe, expect, it } from 'vitest';
import { CHECKOUT_MAX_MS, CHECKOUT_MIN_MS, clampCheckoutExpiry } from './provider';

describe('clampCheckoutExpiry', () => {
  const now = new Date('2030-01-01T12:00:00.000Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it('passes an expiry inside the window unchanged, so retries send the same parameters', () => {
    expect(clampCheckoutExpiry(at(2 * 3600_000), now)).toEqual(at(2 * 3600_000));
    // And it does not depend on `now` while inside the window.
    expect(clampCheckoutExpiry(at(2 * 3600_000), at(60_000))).toEqual(at(2 * 3600_000));
  });

  it('lifts a too-early expiry past 30 minutes, with room for clock skew', () => {
    const t = clampCheckoutExpiry(at(60_000), now).getTime() - now.getTime();
    expect(t).toBeGreaterThan(CHECKOUT_MIN_MS);
    expect(t).toBeLessThanOrEqual(CHECKOUT_MIN_MS + 5 * 60_000);
    expect(clampCheckoutExpiry(at(-3600_000), now).getTime() - now.getTime()).toBe(t);
  });

  it('lowers a too-late expiry under 24 hours', () => {
    const t = clampCheckoutExpiry(at(3 * CHECKOUT_MAX_MS), now).getTime() - now.getTime();
    expect(t).toBeLessThan(CHECKOUT_MAX_MS);
    expect(t).toBeGreaterThanOrEqual(CHECKOUT_MAX_MS - 5 * 60_000);
  });

  it('gives whole seconds, as Stripe takes Unix seconds', () => {
    expect(clampCheckoutExpiry(at(2 * 3600_000 + 999), now).getTime() % 1000).toBe(0);
    expect(clampCheckoutExpiry(new Date(now.getTime() + 1), new Date(now.getTime() + 1)).getTime() % 1000).toBe(0);
  });
});
