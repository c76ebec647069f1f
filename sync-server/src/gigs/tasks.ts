// Gigs past their expiry leave the market: a draft or open gig whose expires_at has passed becomes expired (the
// gig machine's `expire`, fired by the system), by the server's clock, not by each phone's. The change reaches
// operators' phones like any other write, so the gig leaves their feeds even when their clocks are wrong.
import { z } from 'zod';
import { cronTick, defineTasks } from '../jobs/tasks';
import { expireOverdueGigs } from '../store/gigs';

export const gigTasks = defineTasks({
  'gigs.expire': {
    payload: z.object({ _cron: cronTick.shape._cron.optional() }),
    async run(_p, ctx) {
      const expired = await expireOverdueGigs(ctx.sql, new Date());
      if (expired.length > 0) ctx.log.info({ expired: expired.length }, 'gigs expired');
    },
  },
});

/** Every minute, once across instances; a missed tick is caught up by the next, which finds the same gigs. */
export const GIG_CRONTAB = [{ task: 'gigs.expire' as const, match: '* * * * *', identifier: 'gigs-expire', maxAttempts: 1 }];
