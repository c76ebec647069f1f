// Bookings: the agreement between one client and one worker, with its status timeline.
import type { BookingState, BookingEvent } from '@shared/booking-machine';
import type { Party } from '@shared/roles';
import type { CurrencyCode } from '@shared/money';
import type { Db } from '../db/sql';

export interface TimelineEntry {
  at: string;
  event: BookingEvent | 'created';
  status: BookingState;
  by: Party;
  actorId: string | null;
  note?: string;
}

export interface BookingRow {
  id: string;
  gigId: string | null;
  clientId: string;
  workerId: string;
  amount: number;
  currency: CurrencyCode;
  status: BookingState;
  changeRounds: number;
  timeline: TimelineEntry[];
  createdAt: Date;
  version: number;
}

/** What decisions need; the timeline stays in the database (it is appended to there, never read here). */
export type BookingFacts = Omit<BookingRow, 'timeline'>;

export async function lockBooking(db: Db, id: string): Promise<BookingFacts | undefined> {
  const [row] = await db<BookingFacts[]>`
    select id, gig_id, client_id, worker_id, amount, currency, status, change_rounds, created_at, version
    from bookings where id = ${id} and not deleted for update`;
  return row;
}

export async function getBooking(db: Db, id: string): Promise<BookingFacts | undefined> {
  const [row] = await db<BookingFacts[]>`
    select id, gig_id, client_id, worker_id, amount, currency, status, change_rounds, created_at, version
    from bookings where id = ${id} and not deleted`;
  return row;
}

export async function insertBooking(
  db: Db,
  b: Omit<BookingRow, 'createdAt' | 'version' | 'changeRounds' | 'timeline'>,
  first: TimelineEntry,
): Promise<boolean> {
  const rows = await db`
    insert into bookings (id, gig_id, client_id, worker_id, amount, currency, status, timeline)
    values (${b.id}, ${b.gigId}, ${b.clientId}, ${b.workerId}, ${b.amount}, ${b.currency}, ${b.status}, ${db.json([first] as never)})
    on conflict (id) do nothing returning id`;
  return rows.length === 1;
}

/** Moves the booking to `status` and appends the step to its timeline in one statement. */
export async function advanceBooking(
  db: Db,
  id: string,
  entry: TimelineEntry,
  extra: { changeRounds?: number } = {},
): Promise<void> {
  await db`
    update bookings
    set status = ${entry.status},
        timeline = timeline || ${db.json([entry] as never)},
        change_rounds = coalesce(${extra.changeRounds ?? null}::int, change_rounds)
    where id = ${id}`;
}
