// Gigs: what clients post and operators accept.
import type { GigFacts, GigState } from '@shared/gig-machine';
import type { SkillLevels } from '@shared/skills';
import type { CurrencyCode } from '@shared/money';
import type { Db } from '../db/sql';

export interface GigRow {
  id: string;
  clientId: string;
  title: string;
  description: string;
  skills: SkillLevels;
  budgetAmount: number;
  currency: CurrencyCode;
  lat: number;
  lng: number;
  address: string;
  areaLabel: string;
  startsAt: Date | null;
  expiresAt: Date | null;
  status: GigState;
  bookingId: string | null;
  cancelReason: string | null;
  createdAt: Date;
  version: number;
}

/** Locks the row: every decision about a gig is taken holding it, so two accepts serialize here. */
export async function lockGig(db: Db, id: string): Promise<GigRow | undefined> {
  const [row] = await db<GigRow[]>`select * from gigs where id = ${id} and not deleted for update`;
  return row;
}

/** A gig read as to_jsonb(row): snake_case keys, timestamps as strings. */
export function gigFromJson(j: Record<string, unknown>): GigRow {
  const date = (v: unknown) => (v == null ? null : new Date(v as string));
  return {
    id: j.id as string,
    clientId: j.client_id as string,
    title: j.title as string,
    description: j.description as string,
    skills: j.skills as GigRow['skills'],
    budgetAmount: j.budget_amount as number,
    currency: j.currency as GigRow['currency'],
    lat: j.lat as number,
    lng: j.lng as number,
    address: j.address as string,
    areaLabel: j.area_label as string,
    startsAt: date(j.starts_at),
    expiresAt: date(j.expires_at),
    status: j.status as GigRow['status'],
    bookingId: (j.booking_id as string | null) ?? null,
    cancelReason: (j.cancel_reason as string | null) ?? null,
    createdAt: new Date(j.created_at as string),
    version: j.version as number,
  };
}

export function gigFacts(g: GigRow): GigFacts {
  return { clientId: g.clientId, skills: g.skills, location: { lat: g.lat, lng: g.lng }, expiresAt: g.expiresAt?.getTime() ?? null };
}

export type NewGig = Omit<GigRow, 'createdAt' | 'version' | 'bookingId' | 'cancelReason'>;

// Writes return the pending query so that a command can send them in the same round trip as its COMMIT.

/** A taken id fails on gigs_pkey. */
export function insertGig(db: Db, gig: NewGig) {
  return db`insert into gigs ${db(gig as unknown as Record<string, unknown>)}`;
}

export function updateGig(db: Db, id: string, patch: Partial<Omit<GigRow, 'id' | 'clientId' | 'createdAt' | 'version'>>) {
  return db`update gigs set ${db(patch as Record<string, unknown>)} where id = ${id}`;
}

/** A new version of the gig with nothing changed in it, for a change in what someone may see of it. */
export function touchGig(db: Db, id: string) {
  return db`update gigs set updated_at = now() where id = ${id}`;
}

/** Moves every draft or open gig past its expiry to expired; what the expiry job runs. */
export async function expireOverdueGigs(db: Db, now: Date): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    update gigs set status = 'expired'
    where status in ('draft', 'open') and expires_at <= ${now} and not deleted
    returning id`;
  return rows.map((r) => r.id);
}
