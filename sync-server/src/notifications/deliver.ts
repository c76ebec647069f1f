// Delivery of the outbox: news written in the same transaction as the step it announces (store/outbox.ts) is
// sent after commit, at least once, by the job queue every minute (notifications.deliver in tasks.ts).
//
// Each run claims the due rows in one short statement (FOR UPDATE SKIP LOCKED, so that runs on several
// instances share the work): it counts the attempt and leases the rows for LEASE_MINUTES. The provider is
// called outside any transaction, and each row is then marked sent, or given its next try (BACKOFF_MINUTES),
// on its own. No transaction stays open while a provider answers: an open transaction holds the replication
// watermark (pg_snapshot_xmin, sync/pull.ts) and every device's pull with it. A run that dies after sending a
// row and before marking it sends that row again when its lease ends: at least once, one row at a time.
//
// Every channel goes by text message for now. Web push (the `push` channel: clients' news) is not built
// yet, and until it is, a client reached by nothing would miss what has a deadline: the review of handed-in
// work, a dispute's window to answer.
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import type { SmsProvider } from '../sms';
import { newsText } from './texts';

/** Waits before the next attempt, by attempts made: seven waits between eight attempts, about 22 hours in all. */
export const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 360, 720] as const;
/** After this many failed attempts a row is left, with its last error, for a person to look at. */
export const MAX_ATTEMPTS = 8;
/** Rows one run takes; the next run (a minute later) takes more. */
const BATCH = 100;
/**
 * How long a claimed row is left to the run that claimed it. Longer than a batch can take (BATCH sends at
 * the provider's 10 s timeout); a run that died leaves its unsent rows to be claimed again after it.
 */
export const LEASE_MINUTES = 20;

export interface DeliveryDeps {
  sql: Sql;
  sms: SmsProvider;
  log: Logger;
  /** The address links in the news point at. */
  baseUrl: string;
  now?: () => Date;
  /** Aborted on shutdown: the rows not yet sent are handed back at once. */
  signal?: AbortSignal | undefined;
}

export interface DueRow {
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
  /** Reminders whose deadline passed before they could be sent: "2 h left" would be false by then. */
  stale?: number;
}

/** The deadline a reminder counts down to, in its data: past it, the reminder is not sent. */
const REMINDER_DEADLINE: Record<string, string> = { 'milestone.approval_reminder': 'autoApproveAt', 'dispute.response_reminder': 'respondBy' };

const pastDeadline = (row: Pick<DueRow, 'template' | 'data'>, now: Date) => {
  const field = REMINDER_DEADLINE[row.template];
  const at = field ? Date.parse(String(row.data[field])) : NaN;
  return !Number.isNaN(at) && at <= now.getTime();
};

/** The words for several chat messages sent as one text (texts.ts). */
export const MANY_MESSAGES = 'message.received.many';

/**
 * The claimed rows as texts to send, in the order they were written: each row its own text, except chat
 * messages, which go as one text per person and booking (a worker on a busy chat gets one text a minute,
 * not one per message).
 */
export function textsToSend(rows: readonly DueRow[]): DueRow[][] {
  const units: DueRow[][] = [];
  const chats = new Map<string, DueRow[]>();
  for (const row of rows) {
    if (row.template !== 'message.received') {
      units.push([row]);
      continue;
    }
    const key = `${row.phone} ${String(row.data.bookingId)}`;
    const unit = chats.get(key);
    if (unit) unit.push(row);
    else {
      chats.set(key, [row]);
      units.push(chats.get(key)!);
    }
  }
  return units;
}

export const nextAttemptAt = (attemptsMade: number, now: Date) =>
  new Date(now.getTime() + BACKOFF_MINUTES[Math.min(attemptsMade, BACKOFF_MINUTES.length) - 1]! * 60_000);

/** Sends what is due, in the order it was written; returns what it did. */
export async function deliverDue(deps: DeliveryDeps): Promise<Delivered> {
  const clock = deps.now ?? (() => new Date());
  const now = clock();
  // 1. Claim, and count the attempt, in one statement: committed before the first send.
  const due = await deps.sql<DueRow[]>`
    with due as (
      select dedupe_key from outbox
      where sent_at is null and available_at <= ${now} and attempts < ${MAX_ATTEMPTS}
      order by available_at, created_at
      limit ${BATCH}
      for update skip locked
    ), claimed as (
      update outbox o set attempts = o.attempts + 1, available_at = ${new Date(now.getTime() + LEASE_MINUTES * 60_000)}
      from due where o.dedupe_key = due.dedupe_key
      returning o.dedupe_key, o.channel, o.template, o.data, o.attempts, o.user_id, o.created_at
    )
    select c.dedupe_key, c.channel, c.template, c.data, c.attempts, u.phone, u.locale, g.title
    from claimed c
    join users u on u.id = c.user_id
    left join bookings b on b.id = case when c.data->>'bookingId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (c.data->>'bookingId')::uuid end
    left join gigs g on g.id = b.gig_id
    order by c.created_at`;
  const result: Delivered = { sent: 0, failed: 0 };
  const units = textsToSend(due);
  for (const [i, unit] of units.entries()) {
    const keys = unit.map((r) => r.dedupeKey);
    if (deps.signal?.aborted) {
      // Shutting down: what was not tried is due again at once, its attempt not counted.
      const left = units.slice(i).flat().map((r) => r.dedupeKey);
      await deps.sql`update outbox set attempts = attempts - 1, available_at = ${now} where dedupe_key in ${deps.sql(left)} and sent_at is null`;
      break;
    }
    const row = unit.at(-1)!;
    if (pastDeadline(row, clock())) {
      await deps.sql`update outbox set attempts = ${MAX_ATTEMPTS}, last_error = 'not sent: the deadline it counts down to had passed' where dedupe_key = ${row.dedupeKey}`;
      result.stale = (result.stale ?? 0) + 1;
      continue;
    }
    // Several chat messages to one person about one booking make one text: the count, and the latest.
    const news = unit.length > 1 ? { template: MANY_MESSAGES, data: { ...row.data, count: unit.length } } : row;
    // 2. Send, outside any transaction; 3. record what happened to these rows alone.
    try {
      await deps.sms.send(row.phone, newsText({ template: news.template, data: news.data, locale: row.locale, title: row.title }, deps.baseUrl));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const attempts = Math.max(...unit.map((r) => r.attempts));
      const last = attempts >= MAX_ATTEMPTS;
      await deps.sql`
        update outbox set available_at = ${nextAttemptAt(attempts, clock())}, last_error = ${message.slice(0, 500)}
        where dedupe_key in ${deps.sql(keys)}`;
      result.failed += unit.length;
      deps.log[last ? 'error' : 'warn'](
        { err, template: row.template, attempts },
        last ? 'news could not be sent and is given up' : 'news could not be sent; it is tried again later',
      );
      continue;
    }
    await deps.sql`update outbox set sent_at = ${clock()}, last_error = null where dedupe_key in ${deps.sql(keys)}`;
    result.sent += unit.length;
  }
  return result;
}
