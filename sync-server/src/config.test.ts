import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config';

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
  it('has every variable it reads in .env.example, and nothing else there', () => {
    const listed = [...readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

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
      PAYMENTS_PROVIDER: 'demo',
      PUBLIC_BASE_URL: 'http://localhost:8787',
    });
    expect(c.JWT_SECRET).toBeUndefined();
    expect(c.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('treats empty strings as unset and coerces types', () => {
    const c = loadConfig({ PORT: '', TRUST_PROXY: 'yes', CODE_TTL_S: '300', DEFAULT_COUNTRY: 'gb', NODE_ENV: 'test' });
    expect(c).toMatchObject({ PORT: 8787, TRUST_PROXY: true, CODE_TTL_S: 300, DEFAULT_COUNTRY: 'GB', SEED_DEMO: false });
  });

  it('refuses the development SMS sink in production, naming SMS_PROVIDER', () => {
    const e = errorOf({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(e.message).toMatch(/SMS_PROVIDER: .*refused in production/);
  });

  it('refuses every demo stand-in on an address beyond this machine unless told it is a demo', () => {
    const e = errorOf({ HOST: '0.0.0.0' }).message;
    expect(e).toMatch(/HOST: 0\.0\.0\.0 reaches beyond this machine, and the development SMS sink .*DEMO_ON_NETWORK=true/);
    expect(e).toMatch(/HOST: 0\.0\.0\.0 reaches beyond this machine, and the demo payment rail .*PAYMENTS_PROVIDER=stripe/);
    expect(e).toMatch(/HOST: 0\.0\.0\.0 reaches beyond this machine, and the demo people .*SEED_DEMO=false/);
    expect(errorOf({ HOST: '::' }).message).toMatch(/HOST: :: reaches beyond/);
    expect(loadConfig({ HOST: '0.0.0.0', DEMO_ON_NETWORK: 'true' }).HOST).toBe('0.0.0.0');
    // Real SMS but the demo rail, NODE_ENV forgotten: still refused, for the rail and the demo people.
    const twilio = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+12015550100' };
    const railOnly = errorOf({ HOST: '0.0.0.0', ...twilio }).message;
    expect(railOnly).toMatch(/demo payment rail/);
    expect(railOnly).toMatch(/demo people/);
    expect(railOnly).not.toMatch(/SMS sink/);
    const stripe = { PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1', STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_2' };
    expect(loadConfig({ HOST: '0.0.0.0', ...twilio, ...stripe, SEED_DEMO: 'false' }).HOST).toBe('0.0.0.0');
    for (const host of ['localhost', '127.0.0.1', '127.0.1.1', '::1']) expect(loadConfig({ HOST: host }).HOST).toBe(host);
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

  const PRODUCTION = {
    NODE_ENV: 'production',
    JWT_SECRET: SECRET,
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC1',
    TWILIO_AUTH_TOKEN: 't',
    TWILIO_FROM: '+12015550100',
    PAYMENTS_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_live_abc123',
    STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
    STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_connect123',
    PUBLIC_BASE_URL: 'https://fieldwork.example.com/',
    VAPID_PUBLIC_KEY: `B${'A'.repeat(86)}`,
    VAPID_PRIVATE_KEY: 'A'.repeat(43),
    VAPID_SUBJECT: 'mailto:ops@fieldwork.example.com',
  };

  it('requires the VAPID keys and a real contact in production, and both keys or neither anywhere', () => {
    const { VAPID_PUBLIC_KEY: _p, VAPID_PRIVATE_KEY, VAPID_SUBJECT: _s, ...without } = PRODUCTION;
    const e = errorOf(without);
    expect(e.message).toMatch(/VAPID_PUBLIC_KEY: required in production/);
    expect(e.message).toMatch(/VAPID_PRIVATE_KEY: required in production/);
    expect(e.message).toMatch(/VAPID_SUBJECT: required in production/);
    expect(errorOf({ VAPID_PRIVATE_KEY }).message).toMatch(/VAPID_PUBLIC_KEY: set both VAPID keys, or neither/);
    expect(errorOf({ VAPID_SUBJECT: 'ops@fieldwork.example.com' }).message).toMatch(/VAPID_SUBJECT: must be a mailto: address or an https: URL/);
    expect(errorOf({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY }).message).toMatch(/VAPID_PUBLIC_KEY: must be a base64url P-256 public key/);
  });

  it('takes push services as host names or origins, and only https ones in production', () => {
    expect(loadConfig({ PUSH_SERVICES: 'fcm.googleapis.com,https://push.example.com,http://127.0.0.1:4000' }).PUSH_SERVICES).toContain('fcm');
    expect(errorOf({ PUSH_SERVICES: 'fcm.googleapis.com,https://push.example.com/path' }).message).toMatch(/PUSH_SERVICES: https:\/\/push.example.com\/path: must be an origin alone/);
    expect(errorOf({ PUSH_SERVICES: 'not a host' }).message).toMatch(/PUSH_SERVICES: not a host: must be a host name/);
    expect(errorOf({ ...PRODUCTION, PUSH_SERVICES: 'http://127.0.0.1:4000' }).message).toMatch(/PUSH_SERVICES: http:\/\/127.0.0.1:4000: must be https in production/);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.SEED_DEMO).toBe(false);
    expect(c.PAYMENTS_PROVIDER).toBe('stripe');
    expect(c.PUBLIC_BASE_URL).toBe('https://fieldwork.example.com');
  });

  it('refuses the demo payment rail in production, naming PAYMENTS_PROVIDER', () => {
    const { STRIPE_SECRET_KEY: _k, STRIPE_WEBHOOK_SECRET: _w, STRIPE_CONNECT_WEBHOOK_SECRET: _c, ...rest } = PRODUCTION;
    const e = errorOf({ ...rest, PAYMENTS_PROVIDER: 'demo' });
    expect(e.message).toMatch(/PAYMENTS_PROVIDER: .*demo payment rail.*refused in production/);
    expect(e.message).not.toMatch(/STRIPE_/);
    // The default is the demo rail, so leaving it unset in production is refused the same way.
    const { PAYMENTS_PROVIDER: _p, ...unset } = rest;
    expect(errorOf(unset).message).toMatch(/PAYMENTS_PROVIDER: .*refused in production/);
  });

  it('requires PUBLIC_BASE_URL in production', () => {
    const { PUBLIC_BASE_URL: _u, ...rest } = PRODUCTION;
    const e = errorOf(rest);
    expect(e.message).toMatch(/PUBLIC_BASE_URL: required in production/);
    expect(e.message).not.toMatch(/PAYMENTS_PROVIDER/);
  });

  it('names each missing Stripe variable when PAYMENTS_PROVIDER=stripe', () => {
    const e = errorOf({ PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_123' });
    expect(e.message).toMatch(/STRIPE_WEBHOOK_SECRET: required when PAYMENTS_PROVIDER=stripe/);
    expect(e.message).toMatch(/STRIPE_CONNECT_WEBHOOK_SECRET: required when PAYMENTS_PROVIDER=stripe/);
    expect(e.message).not.toMatch(/STRIPE_SECRET_KEY/);
  });

  it("requires the Connect endpoint's secret with Stripe, without which account.updated never verifies", () => {
    const { STRIPE_CONNECT_WEBHOOK_SECRET: _c, ...rest } = PRODUCTION;
    const e = errorOf(rest);
    expect(e.message).toMatch(/STRIPE_CONNECT_WEBHOOK_SECRET: required when PAYMENTS_PROVIDER=stripe/);
    expect(e.message).not.toMatch(/STRIPE_(SECRET_KEY|WEBHOOK_SECRET)\b/);
    expect(errorOf({ ...PRODUCTION, STRIPE_CONNECT_WEBHOOK_SECRET: 'connect-oops' }).message).toMatch(/STRIPE_CONNECT_WEBHOOK_SECRET: must be the Connect endpoint's signing secret/);
  });

  it('refuses malformed Stripe keys without echoing them', () => {
    const e = errorOf({ PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'pk_test_publishable', STRIPE_WEBHOOK_SECRET: 'secret-oops' });
    expect(e.message).toMatch(/STRIPE_SECRET_KEY: must be a Stripe secret or restricted key/);
    expect(e.message).toMatch(/STRIPE_WEBHOOK_SECRET: must be the endpoint's signing secret/);
    expect(e.message).not.toMatch(/pk_test_publishable|secret-oops/);
  });

  it('takes the Stripe API overrides and derives PUBLIC_BASE_URL from PORT', () => {
    const c = loadConfig({ PORT: '9000', STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: '12111', STRIPE_API_PROTOCOL: 'http' });
    expect(c).toMatchObject({ STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: 12111, STRIPE_API_PROTOCOL: 'http', PUBLIC_BASE_URL: 'http://localhost:9000' });
    expect(errorOf({ STRIPE_API_PROTOCOL: 'ftp' }).message).toMatch(/^\s+STRIPE_API_PROTOCOL: /m);
  });

  it('refuses a PUBLIC_BASE_URL that is not http(s)', () => {
    expect(errorOf({ PUBLIC_BASE_URL: 'javascript:alert(1)' }).message).toMatch(/^\s+PUBLIC_BASE_URL: /m);
    expect(errorOf({ PUBLIC_BASE_URL: 'fieldwork.example.com' }).message).toMatch(/^\s+PUBLIC_BASE_URL: /m);
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
