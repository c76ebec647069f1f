// message.send: chat between a booking's client and worker.
import { actedAt, reject, type Handler } from '../context';
import { chatOpen } from '@shared/booking-machine';
import { bookingParties } from '@shared/parties';
import { getBooking, type BookingFacts } from '../../store/bookings';
import { recipient } from '../../store/outbox';

export const send: Handler<'message.send', BookingFacts | undefined> = {
  queuesWrites: true,
  load: (db, p) => getBooking(db, p.bookingId),
  decide(ctx, p, booking) {
    const parties = booking ? bookingParties(ctx.actor, booking) : [];
    if (!booking || parties.length === 0) return reject('not_found');
    if (!parties.includes('client') && !parties.includes('worker'))
      return reject('forbidden', 'Only the client and the worker can write in this chat.');
    if (!chatOpen(booking.status)) return reject('chat_closed');
    // A taken message id fails on messages_pkey and refuses the command. Dated when it was written, as the
    // sender's device says (within bounds): one written offline takes its place in the chat when it arrives.
    const at = actedAt(ctx, booking.createdAt);
    ctx.write(ctx.tx`insert into messages (id, booking_id, sender_id, body, created_at) values (${p.messageId}, ${booking.id}, ${ctx.actor.id}, ${p.body}, ${at})`);
    ctx.notify({
      ...recipient(ctx.actor.id === booking.clientId ? 'worker' : 'client', booking),
      template: 'message.received',
      data: { bookingId: booking.id, messageId: p.messageId, preview: p.body.slice(0, 80) },
      dedupeKey: `message:${p.messageId}`,
    });
    return { messageId: p.messageId, bookingId: booking.id };
  },
};
