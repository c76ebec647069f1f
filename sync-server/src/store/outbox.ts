// The notification outbox: rows written in the same transaction as the change they announce.
import { v7 as uuidv7 } from 'uuid';
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

export async function enqueue(db: Db, m: OutboxMessage): Promise<void> {
  await db`
    insert into outbox (id, channel, user_id, template, data, dedupe_key)
    values (${uuidv7()}, ${m.channel}, ${m.userId}, ${m.template}, ${db.json(m.data as never)}, ${m.dedupeKey})
    on conflict (dedupe_key) do nothing`;
}
