// The development SMS sink: "sends" by writing to dev_sms, which the dev inbox page lists.
import type { Db } from '../db/sql';
import type { Logger } from '../log';
import type { SmsProvider } from './provider';

export function createDevSink(db: Db, log: Logger): SmsProvider {
  return {
    name: 'dev',
    async send(to, body) {
      const [row] = await db<{ id: number }[]>`insert into dev_sms (to_phone, body) values (${to}, ${body}) returning id`;
      // Never the body: it carries a sign-in code, and codes are secrets even in development logs.
      log.info({ smsId: row!.id, chars: body.length }, 'dev sms stored; read it at /dev/inbox');
    },
  };
}
