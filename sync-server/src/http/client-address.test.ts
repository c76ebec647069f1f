import { describe, expect, it } from 'vitest';
import { addressKey } from './client-address';

describe('addressKey', () => {
  it('keeps an IPv4 address whole, however it was written', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('puts every address of one IPv6 /64 under one key, and other /64s under others', () => {
    const a = addressKey('2001:db8:85a3:17::1');
    expect(a).toBe('2001:db8:85a3:17::/64');
    expect(addressKey('2001:0db8:85a3:0017:ffff:ffff:ffff:fffe')).toBe(a);
    expect(addressKey('2001:db8:85a3:17:abcd::9%eth0')).toBe(a);
    expect(addressKey('2001:db8:85a3:18::1')).not.toBe(a);
  });

  it('keeps what is not an address as sent, cut to 64 characters', () => {
    expect(addressKey('unknown')).toBe('unknown');
    expect(addressKey('x'.repeat(100))).toHaveLength(64);
  });
});
