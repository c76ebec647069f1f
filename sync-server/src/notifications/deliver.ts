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
// News for a client's app (the `push` channel) goes by web push to each device of theirs that asked for it
// (push/), and by text message when no device took it: none registered, or each one's push service refused.
// Reminders of a deadline on the person's money go by text as well, pushed or not: a push service accepting a
// message does not mean the phone showed it. Workers' news (`sms`) goes by text: their networks are the worst.
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import type { SmsProvider } from '../sms';
import type { PushPayload } from '@shared/push';
import type { PushOptions, PushSender, PushTarget } from '../push/sender';
import { newsPush, newsText } from './texts';

/** Waits before the next attempt, by attempts made: seven waits between eight attempts, about 22 hours in all. */
export const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 360, 720] as const;
/** After this many failed attempts a row is left, with its last error, for a person to look at. */
export const MAX_ATTEMPTS = 8;
/** Rows one run takes; the next run (a minute later) takes more. */
const BATCH = 100;
/**
 * How long a claimed row is left to the run that claimed it. Longer than a batch can take (BATCH pieces, each
 * pushed to its devices at once and texted, at the 10 s timeouts of the push services and the SMS provider);
 * a run that died leaves its unsent rows to be claimed again after it.
 */
export const LEASE_MINUTES = 40;

export interface DeliveryDeps {
  sql: Sql;
  sms: SmsProvider;
  /** Web push; without it, push news goes by text. */
  push?: PushSender | undefined;
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
  /** The recipient's time zone (users.time_zone), for the deadlines a text names; null: UTC. */
  timeZone: string | null;
  title: string | null;
  /** For the push channel: the recipient's subscribed devices, in live sessions. */
  devices: PushTarget[];
  /** When a push of it was taken already (news also texted, whose text is being tried again). */
  pushedAt: Date | null;
  /** The status of the booking it is about, now; null when it names none. */
  bookingStatus: string | null;
}

export interface Delivered {
  sent: number;
  failed: number;
  /**
   * News not sent because it was no longer true when its turn came: a reminder whose deadline passed ("2 h left"
   * would be false by then), or a call to act on a booking cancelled meanwhile.
   */
  stale?: number;
}

/** The deadline a reminder counts down to, in its data: past it, the reminder is not sent. */
const REMINDER_DEADLINE: Record<string, string> = { 'milestone.approval_reminder': 'autoApproveAt', 'dispute.response_reminder': 'respondBy' };

const pastDeadline = (row: Pick<DueRow, 'template' | 'data'>, now: Date) => {
  const field = REMINDER_DEADLINE[row.template];
  const at = field ? Date.parse(String(row.data[field])) : NaN;
  return !Number.isNaN(at) && at <= now.getTime();
};

/**
 * News that asks its reader to act on a booking (pay, start, review): once the booking is cancelled it would send
 * them to do what can no longer be done, arriving beside the cancellation's own news. Not sent then.
 */
const STALE_ONCE_CANCELLED: ReadonlySet<string> = new Set([
  'gig.accepted', 'booking.funded', 'milestone.funded', 'milestone.funded.next', 'milestone.payment_received', 'milestone.submitted', 'milestone.approval_reminder',
]);

const overtaken = (row: Pick<DueRow, 'template' | 'bookingStatus'>) => row.bookingStatus === 'cancelled' && STALE_ONCE_CANCELLED.has(row.template);

/** Pushed news that is texted as well: a deadline on the person's money, which a push shown to no one would let pass. */
export const ALSO_TEXTED: ReadonlySet<string> = new Set(['milestone.approval_reminder', 'dispute.opened', 'dispute.opened.client', 'dispute.response_reminder']);

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
      returning o.dedupe_key, o.channel, o.template, o.data, o.attempts, o.user_id, o.created_at, o.pushed_at
    )
    select c.dedupe_key, c.channel, c.template, c.data, c.attempts, c.pushed_at, u.phone, u.locale, u.time_zone, g.title, b.status as booking_status,
      case when c.channel = 'push' then coalesce((
        select jsonb_agg(jsonb_build_object('endpoint', s.endpoint, 'p256dh', s.p256dh, 'auth', s.auth) order by s.registered_at)
        from push_subscriptions s join sessions ss on ss.id = s.session_id
        where s.user_id = c.user_id and ss.revoked_at is null and ss.expires_at > ${now}), '[]') else '[]' end as devices
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
    if (overtaken(row)) {
      await deps.sql`update outbox set attempts = ${MAX_ATTEMPTS}, last_error = 'not sent: the booking was cancelled before it went out' where dedupe_key = ${row.dedupeKey}`;
      result.stale = (result.stale ?? 0) + 1;
      continue;
    }
    // Several chat messages to one person about one booking make one text: the count, and the latest.
    const news = unit.length > 1 ? { template: MANY_MESSAGES, data: { ...row.data, count: unit.length } } : row;
    const said = { template: news.template, data: news.data, locale: row.locale, timeZone: row.timeZone, title: row.title };
    // 2. Send, outside any transaction; 3. record what happened to these rows alone.
    // A push already taken (its text failed before) is not pushed again: the phone would buzz at every retry.
    const pushedBefore = unit.every((r) => r.pushedAt !== null);
    const pushed =
      pushedBefore ||
      (row.channel === 'push' && deps.push && row.devices.length > 0 ? await pushToDevices(deps, deps.push, row.devices, { ...newsPush(said), tag: pushTag(row) }, pushOptions(news, clock()), clock()) : false);
    if (pushed && !pushedBefore && ALSO_TEXTED.has(news.template)) await deps.sql`update outbox set pushed_at = ${clock()} where dedupe_key in ${deps.sql(keys)}`;
    if (pushed && !ALSO_TEXTED.has(news.template)) {
      await deps.sql`update outbox set sent_at = ${clock()}, sent_via = 'push', last_error = null where dedupe_key in ${deps.sql(keys)}`;
      result.sent += unit.length;
      continue;
    }
    try {
      await deps.sms.send(row.phone, newsText(said, deps.baseUrl));
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
    await deps.sql`update outbox set sent_at = ${clock()}, sent_via = ${pushed ? 'both' : 'sms'}, last_error = null where dedupe_key in ${deps.sql(keys)}`;
    result.sent += unit.length;
  }
  return result;
}

/**
 * A booking's chat is one notification, the latest replacing the one before; any other news its own, so that
 * the same news pushed again (a retry after its text failed) replaces itself rather than showing twice.
 */
const pushTag = (row: DueRow) =>
  row.template === 'message.received' && typeof row.data.bookingId === 'string' ? `chat:${row.data.bookingId}` : `news:${row.dedupeKey}`;

/** A day, and less for a reminder: past its deadline it would be false. */
const PUSH_TTL_S = 86_400;

function pushOptions(news: { template: string; data: Record<string, unknown> }, now: Date): PushOptions {
  const field = REMINDER_DEADLINE[news.template];
  const until = field ? Math.floor((Date.parse(String(news.data[field])) - now.getTime()) / 1000) : NaN;
  const chat = news.template === 'message.received' || news.template === MANY_MESSAGES;
  const booking = typeof news.data.bookingId === 'string' ? news.data.bookingId : null;
  return {
    ttl: Number.isFinite(until) ? Math.max(60, Math.min(PUSH_TTL_S, until)) : PUSH_TTL_S,
    urgency: field || ALSO_TEXTED.has(news.template) ? 'high' : 'normal',
    // A booking's chat waiting at the push service for a phone that is off: only the latest is kept.
    ...(chat && booking ? { topic: booking.replace(/-/g, '').slice(0, 32) } : {}),
  };
}

/**
 * Pushes to each device at once; true when any push service took the message. Devices whose subscription has
 * ended (404, 410) are forgotten; other refusals are logged and left for the next news to try.
 */
async function pushToDevices(deps: DeliveryDeps, push: PushSender, devices: readonly PushTarget[], payload: PushPayload, options: PushOptions, at: Date): Promise<boolean> {
  const results = await Promise.all(devices.map((d) => push.send(d, payload, options)));
  const gone = devices.filter((_, i) => results[i]!.ok === false && results[i]!.gone).map((d) => d.endpoint);
  const took = devices.filter((_, i) => results[i]!.ok).map((d) => d.endpoint);
  if (gone.length) await deps.sql`delete from push_subscriptions where endpoint in ${deps.sql(gone)}`;
  if (took.length) await deps.sql`update push_subscriptions set last_sent_at = ${at} where endpoint in ${deps.sql(took)}`;
  for (const r of results) if (!r.ok && !r.gone) deps.log.warn({ status: r.status, error: r.error }, 'a push service refused a message');
  return took.length > 0;
}
