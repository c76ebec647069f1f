// Delivery of the outbox: news written in the same transaction as the step it announces (store/outbox.ts) is
// sent after commit, at least once, by the job queue every minute (notifications.deliver in tasks.ts).
//
// Each run takes the due rows with FOR UPDATE SKIP LOCKED, so that runs on several instances share the work
// and never send one row twice; sends each; and marks it sent, or counts the failed attempt and sets when
// to try again (BACKOFF_MINUTES). A run that dies between sending and committing sends those rows again
// next time: at least once, as the provider's own retries are.
//
// Every channel goes by text message for now. Web push (the `push` channel: clients' news) is not built
// yet, and until it is, a client reached by nothing would miss what has a deadline: the review of handed-in
// work, a dispute's window to answer.
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import type { SmsProvider } from '../sms';
import { newsText } from './texts';

/** Waits before the next attempt, by attempts made; the last one is repeated. About a day in all. */
export const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 360, 720] as const;
/** After this many failed attempts a row is left, with its last error, for a person to look at. */
export const MAX_ATTEMPTS = 8;
/** Rows one run takes; the next run (a minute later) takes more. */
const BATCH = 100;

export interface DeliveryDeps {
  sql: Sql;
  sms: SmsProvider;
  log: Logger;
  /** The address links in the news point at. */
  baseUrl: string;
  now?: () => Date;
}

interface DueRow {
  dedupeKey: string;
  channel: 'sms' | 'push';
  template: string;
  data: Record<string, unknown>;
  attempts: number;
  phone: string;
  locale: string;
  title: string | null;
}

export interface Delivered {
  sent: number;
  failed: number;
}

export const nextAttemptAt = (attemptsMade: number, now: Date) =>
  new Date(now.getTime() + BACKOFF_MINUTES[Math.min(attemptsMade, BACKOFF_MINUTES.length) - 1]! * 60_000);

/** Sends what is due, in the order it was written; returns what it did. */
export async function deliverDue(deps: DeliveryDeps): Promise<Delivered> {
  const now = deps.now?.() ?? new Date();
  return deps.sql.begin(async (tx) => {
    const due = await tx<DueRow[]>`
      select o.dedupe_key, o.channel, o.template, o.data, o.attempts, u.phone, u.locale, g.title
      from outbox o
      join users u on u.id = o.user_id
      left join bookings b on b.id = case when o.data->>'bookingId' ~ '^[0-9a-f-]{36}$' then (o.data->>'bookingId')::uuid end
      left join gigs g on g.id = b.gig_id
      where o.sent_at is null and o.available_at <= ${now} and o.attempts < ${MAX_ATTEMPTS}
      order by o.available_at, o.created_at
      limit ${BATCH}
      for update of o skip locked`;
    const result: Delivered = { sent: 0, failed: 0 };
    for (const row of due) {
      try {
        await deps.sms.send(row.phone, newsText({ template: row.template, data: row.data, locale: row.locale, title: row.title }, deps.baseUrl));
        await tx`update outbox set sent_at = ${now}, attempts = attempts + 1, last_error = null where dedupe_key = ${row.dedupeKey}`;
        result.sent++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const message = err instanceof Error ? err.message : String(err);
        await tx`
          update outbox set attempts = ${attempts}, available_at = ${nextAttemptAt(attempts, now)}, last_error = ${message.slice(0, 500)}
          where dedupe_key = ${row.dedupeKey}`;
        result.failed++;
        const level = attempts >= MAX_ATTEMPTS ? 'error' : 'warn';
        deps.log[level]({ err, template: row.template, attempts }, attempts >= MAX_ATTEMPTS ? 'news could not be sent and is given up' : 'news could not be sent; it is tried again later');
      }
    }
    return result;
  });
}
