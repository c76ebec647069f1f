// The notification outbox: rows written in the same transaction as the change they announce.
import type { Db } from '../db/sql';

export type Channel = 'sms' | 'push';

export interface OutboxMessage {
  channel: Channel;
  userId: string;
  template: string;
  data: Record<string, unknown>;
  /** Delivery is at least once; the key makes a second enqueue of the same news a no-op. */
  dedupeKey: string;
}

/**
 * Where news for one side of a booking goes: the worker by SMS (mid-job, often with the app closed or no
 * data), the client by push.
 */
export function recipient(side: 'client' | 'worker', parties: { readonly clientId: string; readonly workerId: string }): Pick<OutboxMessage, 'channel' | 'userId'> {
  return side === 'worker' ? { channel: 'sms', userId: parties.workerId } : { channel: 'push', userId: parties.clientId };
}

/** The messages as one jsonb parameter, so that any number of them is one statement. */
export function outboxRows(db: Db, messages: readonly OutboxMessage[]) {
  return db.json(messages.map((m) => ({ dedupe_key: m.dedupeKey, channel: m.channel, user_id: m.userId, template: m.template, data: m.data })) as never);
}

/** The messages as a VALUES list for `insert into outbox ${…}`: plain columns, no JSON to unpack. */
export function outboxValues(db: Db, messages: readonly OutboxMessage[]) {
  return db(
    messages.map((m) => ({ dedupeKey: m.dedupeKey, channel: m.channel, userId: m.userId, template: m.template, data: db.json(m.data as never) })),
    'dedupeKey', 'channel', 'userId', 'template', 'data',
  );
}

export async function enqueue(db: Db, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db`
    insert into outbox (dedupe_key, channel, user_id, template, data)
    select * from jsonb_to_recordset(${outboxRows(db, messages)}) as m(dedupe_key text, channel text, user_id uuid, template text, data jsonb)
    on conflict (dedupe_key) do nothing`;
}
