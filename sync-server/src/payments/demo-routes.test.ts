import { describe, expect, it } from 'vitest';
import { demoId } from './demo';
import { sameSiteUrl } from './demo-routes';

describe('sameSiteUrl (the onboarding return address)', () => {
  const base = 'https://fieldwork.example.com';

  it('resolves paths and accepts absolute URLs on our origin', () => {
    expect(sameSiteUrl('/payouts/done?x=1', base)).toBe('https://fieldwork.example.com/payouts/done?x=1');
    expect(sameSiteUrl('https://fieldwork.example.com/payouts', base)).toBe('https://fieldwork.example.com/payouts');
    expect(sameSiteUrl('/payouts', 'http://localhost:8787/app')).toBe('http://localhost:8787/payouts');
  });

  it('refuses every way of landing somewhere else', () => {
    for (const raw of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example/x',
      '\\\\evil.example',
      'https://fieldwork.example.com.evil.example/',
      'https://fieldwork.example.com@evil.example/',
      'http://fieldwork.example.com/', // another scheme is another origin
      'https://fieldwork.example.com:8443/',
      'javascript:alert(1)',
      'data:text/html,hi',
      '',
      undefined,
    ])
      expect(sameSiteUrl(raw, base), String(raw)).toBeNull();
  });
});

describe('demoId', () => {
  it("looks like Stripe's ids but says demo", () => {
    const ids = new Set(Array.from({ length: 200 }, () => demoId('pi')));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^pi_demo_[A-Za-z0-9]{24}$/);
  });
});
