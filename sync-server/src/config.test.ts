import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const SECRET = 'x'.repeat(40);

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8787,
      HOST: '127.0.0.1',
      SMS_PROVIDER: 'dev',
      CODE_TTL_S: 600,
      CODE_MAX_ATTEMPTS: 5,
      CODE_RATE_PER_PHONE: 3,
      CODE_RATE_PER_IP: 30,
      ACCESS_TOKEN_TTL_S: 900,
      REFRESH_TOKEN_TTL_DAYS: 30,
      DEFAULT_COUNTRY: 'US',
      TRUST_PROXY: false,
      TWILIO_BASE_URL: 'https://api.twilio.com',
      SEED_DEMO: true,
    });
    expect(c.JWT_SECRET).toBeUndefined();
  });

  it('treats empty strings as unset and coerces types', () => {
    const c = loadConfig({ PORT: '', TRUST_PROXY: 'yes', CODE_TTL_S: '300', DEFAULT_COUNTRY: 'gb', NODE_ENV: 'test' });
    expect(c).toMatchObject({ PORT: 8787, TRUST_PROXY: true, CODE_TTL_S: 300, DEFAULT_COUNTRY: 'GB', SEED_DEMO: false });
  });

  it('refuses the development SMS sink in production, naming SMS_PROVIDER', () => {
    const e = errorOf({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(e.message).toMatch(/SMS_PROVIDER: .*refused in production/);
  });

  it('refuses production without JWT_SECRET', () => {
    const e = errorOf({
      NODE_ENV: 'production',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_FROM: '+12015550100',
    });
    expect(e.message).toMatch(/JWT_SECRET: required in production/);
    expect(e.message).not.toMatch(/SMS_PROVIDER/);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_FROM: '+12015550100',
    });
    expect(c.SEED_DEMO).toBe(false);
  });

  it('names each missing Twilio variable', () => {
    const e = errorOf({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1' });
    expect(e.message).toMatch(/TWILIO_AUTH_TOKEN/);
    expect(e.message).toMatch(/TWILIO_FROM/);
    expect(e.message).not.toMatch(/TWILIO_ACCOUNT_SID/);
  });

  it('names a bad PORT', () => {
    expect(errorOf({ PORT: 'eighty' }).message).toMatch(/^\s+PORT: /m);
    expect(errorOf({ PORT: '70000' }).message).toMatch(/^\s+PORT: /m);
  });

  it('refuses a short JWT_SECRET', () => {
    expect(errorOf({ JWT_SECRET: 'short' }).message).toMatch(/JWT_SECRET/);
  });
});
