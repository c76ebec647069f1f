// News a command writes goes out within seconds, not at the next minute's tick of notifications.deliver: a
// client waiting on a reply sees it pushed while it is news. After a command that wrote news commits,
// `newsWritten()` asks the job queue for a delivery run a moment later, on the cron's own queue (so runs never
// overlap) under one job key (so a burst of commands asks once). Asking is at most once per MIN_GAP_MS per
// process: under load a run every few seconds, whatever the rate of commands. The minute's tick stays, and
// carries what steps outside commands write (a payment confirmed, a timer's reminder).
import type { Db } from '../db/sql';
import type { Logger } from '../log';

let nudge: () => void = () => undefined;

/** Called after a command that wrote news committed. Does nothing until `deliverSoon` is installed. */
export const newsWritten = (): void => nudge();

/** A delivery run this long after the first news since the last one: the news of a burst go out together. */
const DELAY_S = 2;
const MIN_GAP_MS = 2_000;

/** Installs the nudge for this process (main.ts); returns a function that removes it. */
export function deliverSoon(db: Db, log: Logger): () => void {
  let last = 0;
  let asking = false;
  nudge = () => {
    const now = Date.now();
    if (asking || now - last < MIN_GAP_MS) return;
    asking = true;
    last = now;
    db`
      select graphile_worker.add_job('notifications.deliver', '{}'::json, queue_name => 'notifications-deliver',
        run_at => now() + make_interval(secs => ${DELAY_S}), max_attempts => 1,
        job_key => 'notifications-deliver-soon', job_key_mode => 'preserve_run_at')`
      .catch((err: unknown) => log.warn({ err }, 'could not ask for news delivery now; the next minute sends it'))
      .finally(() => (asking = false));
  };
  return () => {
    nudge = () => undefined;
  };
}
