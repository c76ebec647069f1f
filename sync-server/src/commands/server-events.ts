// Events only the server may fire (payment confirmations now; timers later), through the same machine.
import type { PendingQuery, Row } from 'postgres';
import type { BookingEvent, BookingState } from '@shared/booking-machine';
import type { Sql } from '../db/sql';
import { isRetryable } from '../db/tx';
import { lockBooking } from '../store/bookings';
import { enqueue, type OutboxMessage } from '../store/outbox';
import { CommandRejected } from './context';
import { stepBooking } from './handlers/booking';

/**
 * Fires a system event on a booking in two round trips: BEGIN with the locked read, then the writes with
 * COMMIT. `eventKey` names the cause (a provider event id, a job id) and dedupes the notifications.
 * A refusal from the machine (the booking has moved on) throws CommandRejected and changes nothing.
 */
export async function fireBookingEvent(sql: Sql, bookingId: string, event: BookingEvent, eventKey: string, now = new Date()): Promise<BookingState> {
  for (let attempt = 1; ; attempt++) {
    const db = await sql.reserve();
    let open = true;
    try {
      const began = db`begin`.execute();
      const [, booking] = await Promise.all([began, lockBooking(db, bookingId)]);
      if (!booking) throw new Error(`booking ${bookingId} not found`);
      const writes: PendingQuery<Row[]>[] = [];
      const news: OutboxMessage[] = [];
      let status: BookingState;
      try {
        status = stepBooking({
          tx: db, now, booking, event, parties: ['system'], actorId: null, key: eventKey,
          write: (q) => void writes.push(q),
          notify: (m) => void news.push(m),
        });
      } catch (e) {
        if (e instanceof CommandRejected) await db`rollback`.then(() => (open = false));
        throw e;
      }
      await Promise.all([...writes, enqueue(db, news), db`commit`]);
      open = false;
      return status;
    } catch (e) {
      if (open) await db`rollback`.catch(() => undefined);
      if (!isRetryable(e) || attempt >= 8) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));
    } finally {
      db.release();
    }
  }
}
