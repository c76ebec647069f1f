// The outbox's delivery, every minute, once across instances (deliver.ts). A run that fails (the database went
// away) is logged and not retried: the next tick is its retry, and finds the same rows.
import { z } from 'zod';
import { cronTick, defineTasks } from '../jobs/tasks';
import type { SmsProvider } from '../sms';
import type { PushSender } from '../push/sender';
import { deliverDue } from './deliver';

export function notificationTasks(sms: SmsProvider, push: PushSender, baseUrl: string) {
  return defineTasks({
    'notifications.deliver': {
      payload: z.object({ _cron: cronTick.shape._cron.optional() }),
      async run(_p, ctx) {
        try {
          const done = await deliverDue({ sql: ctx.sql, sms, push, log: ctx.log, baseUrl, signal: ctx.signal });
          if (done.sent + done.failed > 0) ctx.log.info(done, 'news sent');
        } catch (err) {
          ctx.log.error({ err }, 'news delivery failed; the next tick tries again');
        }
      },
    },
  });
}

export const NOTIFICATION_CRONTAB = [
  { task: 'notifications.deliver' as const, match: '* * * * *', identifier: 'notifications-deliver', maxAttempts: 1, queueName: 'notifications-deliver' },
];
