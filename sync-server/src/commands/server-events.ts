// Events only the server may fire (payment confirmations now; timers later), through the same machine.
import type { BookingEvent, BookingState } from '@shared/booking-machine';
import type { Sql } from '../db/sql';
import { transaction } from '../db/tx';
import { lockBooking } from '../store/bookings';
import { enqueue, type OutboxMessage } from '../store/outbox';
import { stepBooking } from './handlers/booking';

/** Fires a system event on a booking. `eventKey` names the cause (a provider event id, a job id) for dedupe. */
export async function fireBookingEvent(sql: Sql, bookingId: string, event: BookingEvent, eventKey: string, now = new Date()): Promise<BookingState> {
  return transaction(sql, async (tx) => {
    const booking = await lockBooking(tx, bookingId);
    if (!booking) throw new Error(`booking ${bookingId} not found`);
    const news: OutboxMessage[] = [];
    const status = await stepBooking({ tx, now, booking, event, parties: ['system'], actorId: null, key: eventKey, notify: (m) => news.push(m) });
    await enqueue(tx, news);
    return status;
  });
}
