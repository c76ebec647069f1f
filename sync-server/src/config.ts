// Configuration: parsed once at start from the environment, typed, failing fast with the variable's name.
import { z } from 'zod';
import { isLoopbackAddress } from './http/client-address';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = z.coerce.number().int();
/** No one reads it: push services may write to the subject about a misbehaving sender, so production names a real one. */
const DEV_VAPID_SUBJECT = 'mailto:push@fieldwork.invalid';

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int.min(0).max(65535).default(8787),
    HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Where the embedded Postgres keeps its files (and a generated dev secret). Ignored with DATABASE_URL. */
    DATA_DIR: z.string().min(1).default('./.data'),
    /** Any Postgres; when set, nothing embedded starts. */
    DATABASE_URL: z.url().optional(),
    DATABASE_POOL_MAX: int.min(1).max(200).default(20),
    SEED_DEMO: bool.optional(),
    /** HMAC key for access tokens and code hashes; at least 32 characters. Generated into DATA_DIR in development. */
    JWT_SECRET: z.string().min(32).optional(),
    ACCESS_TOKEN_TTL_S: int.min(30).max(86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: int.min(1).max(365).default(30),
    CODE_TTL_S: int.min(60).max(3600).default(600),
    CODE_MAX_ATTEMPTS: int.min(1).max(20).default(5),
    /** Codes a phone may request per 15 minutes, and per IP per hour. */
    CODE_RATE_PER_PHONE: int.min(1).default(3),
    CODE_RATE_PER_IP: int.min(1).default(30),
    /** Command writes a user may make per minute. */
    COMMAND_RATE_PER_MIN: int.min(1).default(600),
    COMMAND_BATCH_MAX: int.min(1).max(1000).default(100),
    /** Sync requests (pulls and pushes over HTTP) a user may make per minute. */
    GRAPHQL_RATE_PER_MIN: int.min(1).default(1200),
    MAX_BODY_BYTES: int.min(1024).max(10 * 1024 * 1024).default(256 * 1024),
    /** Country assumed for phone numbers typed without +country code (ISO 3166 alpha-2). */
    DEFAULT_COUNTRY: z.string().length(2).toUpperCase().default('US'),
    /** Trust X-Forwarded-For for the client IP (only behind a proxy you run). */
    TRUST_PROXY: bool.default(false),
    /** Bearer token for GET /metrics. Unset, /metrics answers only on a listener on this machine, never through a proxy. */
    METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The built PWA (`npm run build`), served on the same origin as the API. */
    WEB_DIST_DIR: z.string().min(1).default('./dist/web'),
    /** auto: `npm start` builds the PWA when the build is missing or older than its sources (never in
     * production, where the build must exist); skip: serve whatever is there (tests, `npm run dev`). */
    WEB_BUILD: z.enum(['auto', 'skip']).default('auto'),
    SMS_PROVIDER: z.enum(['dev', 'twilio']).default('dev'),
    /**
     * Listening beyond this machine with any demo stand-in (the dev SMS sink, whose inbox shows every sign-in
     * code; the demo payment rail, which takes no money; the demo people) needs this yes.
     */
    DEMO_ON_NETWORK: bool.default(false),
    TWILIO_ACCOUNT_SID: z.string().optional(),
    TWILIO_AUTH_TOKEN: z.string().optional(),
    TWILIO_FROM: z.string().optional(),
    TWILIO_BASE_URL: z.url().default('https://api.twilio.com'),
    /** demo: a clearly labelled stand-in rail, no real money (refused in production); stripe: real Stripe. */
    PAYMENTS_PROVIDER: z.enum(['demo', 'stripe']).default('demo'),
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)').optional(),
    STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, "must be the endpoint's signing secret (whsec_…)").optional(),
    /** The Connect endpoint's signing secret: Stripe sends events of workers' accounts (account.updated) only there. */
    STRIPE_CONNECT_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, "must be the Connect endpoint's signing secret (whsec_…)").optional(),
    /** Stripe API overrides, for a local stand-in only. */
    STRIPE_API_HOST: z.string().min(1).optional(),
    STRIPE_API_PORT: int.min(1).max(65535).optional(),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
    /**
     * Web push's VAPID key pair (base64url, as `npx web-push generate-vapid-keys` prints them) and the contact
     * push services may write to (mailto: or https:). Generated into DATA_DIR in development; required in production.
     */
    VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key (87 characters)').optional(),
    VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (43 characters)').optional(),
    VAPID_SUBJECT: z.string().regex(/^(mailto:.+@.+|https:\/\/.+)$/, 'must be a mailto: address or an https: URL').default(DEV_VAPID_SUBJECT),
    /**
     * Where devices' push subscriptions may point: host names (https, that host or any under it) or whole origins
     * (a stand-in in tests). The server posts to these addresses, so an endpoint anywhere else is refused.
     */
    PUSH_SERVICES: z.string().min(1).default('fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com'),
    /** Where people reach this server: checkout return links and the demo rail's pages. Default http://localhost:PORT. */
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production') {
      if (c.SMS_PROVIDER === 'dev')
        ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER'], message: 'the development SMS sink is refused in production' });
      if (!c.JWT_SECRET) ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required in production' });
      if (c.PAYMENTS_PROVIDER === 'demo')
        ctx.addIssue({ code: 'custom', path: ['PAYMENTS_PROVIDER'], message: 'the demo payment rail (no real money) is refused in production; set PAYMENTS_PROVIDER=stripe' });
      for (const k of ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'] as const)
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required in production (every device subscribed for push is bound to this key pair)' });
      if (c.VAPID_SUBJECT === DEV_VAPID_SUBJECT)
        ctx.addIssue({ code: 'custom', path: ['VAPID_SUBJECT'], message: 'required in production (a mailto: or https: contact for push services)' });
      if (!c.PUBLIC_BASE_URL)
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required in production (the https address people use, for payment return links)' });
    }
    // NODE_ENV left unset on a server reads as development: the inbox would hand anyone's sign-in code to
    // whoever asks, the demo rail would fund escrow with no money at all, and anyone could sign in as the demo
    // admin. Reaching a demo from a phone on your own network is fine, once said out loud.
    if (!isLoopback(c.HOST) && !c.DEMO_ON_NETWORK) {
      const beyond = `${c.HOST} reaches beyond this machine`;
      const orDemo = 'or DEMO_ON_NETWORK=true for a demo on a network you trust';
      if (c.SMS_PROVIDER === 'dev')
        ctx.addIssue({ code: 'custom', path: ['HOST'], message: `${beyond}, and the development SMS sink shows every sign-in code at /dev/inbox to anyone who can reach it; set SMS_PROVIDER=twilio, ${orDemo}` });
      if (c.PAYMENTS_PROVIDER === 'demo')
        ctx.addIssue({ code: 'custom', path: ['HOST'], message: `${beyond}, and the demo payment rail funds escrow without taking any money; set PAYMENTS_PROVIDER=stripe, ${orDemo}` });
      if (c.SEED_DEMO ?? c.NODE_ENV === 'development')
        ctx.addIssue({ code: 'custom', path: ['HOST'], message: `${beyond}, and the demo people (an admin among them) would be seeded; set SEED_DEMO=false, ${orDemo}` });
    }
    for (const entry of c.PUSH_SERVICES.split(',').map((e) => e.trim()).filter(Boolean)) {
      const problem = pushServiceProblem(entry, c.NODE_ENV === 'production');
      if (problem) ctx.addIssue({ code: 'custom', path: ['PUSH_SERVICES'], message: `${entry}: ${problem}` });
    }
    if (Boolean(c.VAPID_PUBLIC_KEY) !== Boolean(c.VAPID_PRIVATE_KEY))
      ctx.addIssue({ code: 'custom', path: [c.VAPID_PUBLIC_KEY ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY'], message: 'set both VAPID keys, or neither' });
    if (c.SMS_PROVIDER === 'twilio') {
      for (const k of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const)
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when SMS_PROVIDER=twilio' });
    }
    if (c.PAYMENTS_PROVIDER === 'stripe') {
      // Without the Connect secret no account.updated verifies, and a worker's payouts would wait on a refresh.
      for (const k of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_CONNECT_WEBHOOK_SECRET'] as const)
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when PAYMENTS_PROVIDER=stripe' });
    }
  });

/** What is wrong with an entry of PUSH_SERVICES: a host name, or a whole origin (https only in production). */
function pushServiceProblem(entry: string, production: boolean): string | null {
  if (!entry.includes('://')) return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(entry) ? null : 'must be a host name such as fcm.googleapis.com, or an origin';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'is not a URL';
  }
  if (url.origin !== entry.replace(/\/$/, '')) return 'must be an origin alone (scheme, host, port), such as https://push.example.com';
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) return production ? 'must be https in production' : 'must be http or https';
  return null;
}

/** Whether a HOST to listen on is this machine's alone. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Every variable the server reads; .env.example lists each one. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type Config = z.output<typeof schema> & { SEED_DEMO: boolean; PUBLIC_BASE_URL: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    ...c,
    SEED_DEMO: c.SEED_DEMO ?? c.NODE_ENV === 'development',
    // Without a trailing slash, so `${PUBLIC_BASE_URL}/path` is always one slash.
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
  };
}
