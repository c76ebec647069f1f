// Chooses the SMS provider named by SMS_PROVIDER.
import type { Config } from '../config';
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import { createDevSink } from './dev-sink';
import type { SmsProvider } from './provider';
import { createTwilioSms } from './twilio';

export type { SmsProvider } from './provider';

export function createSms(config: Config, sql: Sql, log: Logger): SmsProvider {
  switch (config.SMS_PROVIDER) {
    case 'dev':
      return createDevSink(sql, log.child({ sms: 'dev' }));
    case 'twilio':
      // loadConfig already insists on all three when SMS_PROVIDER=twilio.
      return createTwilioSms({
        accountSid: config.TWILIO_ACCOUNT_SID!,
        authToken: config.TWILIO_AUTH_TOKEN!,
        from: config.TWILIO_FROM!,
        baseUrl: config.TWILIO_BASE_URL,
      });
  }
}
