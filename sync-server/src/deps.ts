// What the HTTP layer needs from the running process; built once in main.ts (or by a test).
import type { Config } from './config';
import type { Sql } from './db/sql';
import type { Logger } from './log';
import type { SmsProvider } from './sms/provider';
import type { Payments } from './payments';
import type { PushSender } from './push/sender';

export interface Deps {
  config: Config;
  sql: Sql;
  log: Logger;
  sms: SmsProvider;
  /** Stripe, or the demo rail when no keys are configured. Built once: the demo rail's signing secret is per process. */
  payments: Payments;
  /** Web push to devices, with the server's VAPID key. */
  push: PushSender;
  /** HMAC key for access tokens and code hashes. */
  secret: string;
  /** The server clock; tests move it. */
  now: () => Date;
}
