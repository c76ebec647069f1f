// News a command writes goes out within seconds, not at the next minute's tick of notifications.deliver: a
// client waiting on a reply sees it pushed while it is news. After a command that wrote news commits,
// `newsWritten()` asks the job queue for a delivery run a moment later, on the cron's own queue (so runs never
// overlap) under one job key (so a burst of commands asks once). Asking is at most once per MIN_GAP_MS per
// process, and news written meanwhile asks at the end of the gap: under load a run every few seconds, whatever
// the rate of commands, and no news waits for the minute. The minute's tick stays, and carries what steps
// outside commands write (a payment confirmed, a timer's reminder).
import type { Db } from '../db/sql';
import type { Logger } from '../log';

let nudge: () => void = () => undefined;

/** Called after a command that wrote news committed. Does nothing until `deliverSoon` is installed. */
export const newsWritten = (): void => nudge();

/** A delivery run this long after it is asked for: the news of a burst go out together. */
const DELAY_S = 2;
export const MIN_GAP_MS = 2_000;
export const SOON_JOB_KEY = 'notifications-deliver-soon';

/** Installs the nudge for this process (main.ts); returns a function that removes it. */
export function deliverSoon(db: Db, log: Logger): () => void {
  let last = -Infinity;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const ask = () => {
    pending = null;
    last = Date.now();
    // preserve_run_at: a run already waiting keeps its time; one already running (locked) gets a new one after it.
    db`
      select graphile_worker.add_job('notifications.deliver', '{}'::json, queue_name => 'notifications-deliver',
        run_at => now() + make_interval(secs => ${DELAY_S}), max_attempts => 1,
        job_key => ${SOON_JOB_KEY}, job_key_mode => 'preserve_run_at')`
      .execute()
      .catch((err: unknown) => log.warn({ err }, 'could not ask for news delivery now; the next minute sends it'));
  };
  nudge = () => {
    if (pending) return;
    pending = setTimeout(ask, Math.max(0, last + MIN_GAP_MS - Date.now()));
    pending.unref?.();
  };
  return () => {
    if (pending) clearTimeout(pending);
    nudge = () => undefined;
  };
}
