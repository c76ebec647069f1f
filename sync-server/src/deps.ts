// What the HTTP layer needs from the running process; built once in main.ts (or by a test).
import type { Config } from './config';
import type { Sql } from './db/sql';
import type { Logger } from './log';
import type { SmsProvider } from './sms/provider';

export interface Deps {
  config: Config;
  sql: Sql;
  log: Logger;
  sms: SmsProvider;
  /** HMAC key for access tokens and code hashes. */
  secret: string;
  /** The server clock; tests move it. */
  now: () => Date;
}
