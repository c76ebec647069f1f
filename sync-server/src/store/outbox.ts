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

/**
 * The insert of `messages`, any number of them (none included) in one statement text: alone, or as a
 * CTE's body beside the change it announces. Enqueueing the same news twice is a no-op.
 */
export function insertOutbox(db: Db, messages: readonly OutboxMessage[]) {
  const rows = messages.map((m) => ({ dedupe_key: m.dedupeKey, channel: m.channel, user_id: m.userId, template: m.template, data: m.data }));
  return db`
    insert into outbox (dedupe_key, channel, user_id, template, data)
    select * from jsonb_to_recordset(${db.json(rows as never)}) as m(dedupe_key text, channel text, user_id uuid, template text, data jsonb)
    on conflict (dedupe_key) do nothing`;
}

export async function enqueue(db: Db, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await insertOutbox(db, messages);
}
