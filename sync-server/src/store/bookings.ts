// Bookings: the agreement between one client and one worker, with its status timeline.
import type { BookingState, BookingEvent } from '@shared/booking-machine';
import type { Party } from '@shared/roles';
import type { CurrencyCode } from '@shared/money';
import type { Db } from '../db/sql';
import { gigFromJson, type GigRow } from './gigs';

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
  /** Fixes the fee rate and the approval window (shared/src/categories.ts). */
  category: string;
  status: BookingState;
  changeRounds: number;
  timeline: TimelineEntry[];
  createdAt: Date;
  /** The last write's time: a step taken offline is dated no earlier, so the history stays in order (actedAt). */
  updatedAt: Date;
  version: number;
}

/** What decisions need; the timeline stays in the database (it is appended to there, never read here). */
export type BookingFacts = Omit<BookingRow, 'timeline'>;

/** A booking with its gig, which follows it: what every booking step needs, in one read. */
export interface LockedBooking extends BookingFacts {
  gig: GigRow | null;
}

/**
 * Locks the booking (not the gig: a gig in `assigned` moves only through its booking, and the gig's
 * own update below takes its row lock).
 */
export async function lockBooking(db: Db, id: string): Promise<LockedBooking | undefined> {
  return locked(
    await db<LockedRow[]>`
      select b.id, b.gig_id, b.client_id, b.worker_id, b.amount, b.currency, b.category, b.status, b.change_rounds, b.created_at, b.updated_at, b.version,
             (select to_jsonb(g) from gigs g where g.id = b.gig_id) as gig
      from bookings b where b.id = ${id} and not b.deleted
      for update of b`,
  );
}

/** The same, found through one of the booking's milestones: the booking is locked before its milestones. */
export async function lockBookingOfMilestone(db: Db, milestoneId: string): Promise<LockedBooking | undefined> {
  return locked(
    await db<LockedRow[]>`
      select b.id, b.gig_id, b.client_id, b.worker_id, b.amount, b.currency, b.category, b.status, b.change_rounds, b.created_at, b.updated_at, b.version,
             (select to_jsonb(g) from gigs g where g.id = b.gig_id) as gig
      from bookings b where b.id = (select m.booking_id from milestones m where m.id = ${milestoneId}) and not b.deleted
      for update of b`,
  );
}

type LockedRow = BookingFacts & { gig: Record<string, unknown> | null };
const locked = ([row]: LockedRow[]): LockedBooking | undefined => (row ? { ...row, gig: row.gig ? gigFromJson(row.gig) : null } : undefined);

export async function getBooking(db: Db, id: string): Promise<BookingFacts | undefined> {
  const [row] = await db<BookingFacts[]>`
    select id, gig_id, client_id, worker_id, amount, currency, category, status, change_rounds, created_at, updated_at, version
    from bookings where id = ${id} and not deleted`;
  return row;
}

/** A taken id fails on bookings_pkey; a second live booking for one gig on bookings_one_live_per_gig. */
export function insertBooking(db: Db, b: Omit<BookingRow, 'createdAt' | 'updatedAt' | 'version' | 'changeRounds' | 'timeline'>, first: TimelineEntry) {
  return db`
    insert into bookings (id, gig_id, client_id, worker_id, amount, currency, category, status, timeline)
    values (${b.id}, ${b.gigId}, ${b.clientId}, ${b.workerId}, ${b.amount}, ${b.currency}, ${b.category}, ${b.status}, ${db.json([first] as never)})`;
}

/** Moves the booking to `status` and appends the step to its timeline in one statement. */
export function advanceBooking(db: Db, id: string, entry: TimelineEntry, extra: { changeRounds?: number } = {}) {
  return db`
    update bookings
    set status = ${entry.status},
        timeline = timeline || ${db.json([entry] as never)},
        change_rounds = coalesce(${extra.changeRounds ?? null}::int, change_rounds)
    where id = ${id}`;
}

/** A round of changes asked for while the booking's status stays (one milestone is in dispute). */
export function countChangeRound(db: Db, id: string) {
  return db`update bookings set change_rounds = change_rounds + 1 where id = ${id}`;
}

/** The booking's price follows its agreed milestones. */
export function setBookingAmount(db: Db, id: string, amount: number) {
  return db`update bookings set amount = ${amount} where id = ${id}`;
}

/** The booking's price as its parts now make it, `without` one being dropped: those neither cancelled nor only proposed. */
export function setBookingAmountFromParts(db: Db, id: string, without: string) {
  return db`
    update bookings set amount = (
      select coalesce(sum(m.amount), 0) from milestones m
      where m.booking_id = ${id} and m.id <> ${without} and not m.deleted and m.status not in ('cancelled', 'proposed'))
    where id = ${id}`;
}
