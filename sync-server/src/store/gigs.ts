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

export function gigFacts(g: GigRow): GigFacts {
  return { clientId: g.clientId, skills: g.skills, location: { lat: g.lat, lng: g.lng }, expiresAt: g.expiresAt?.getTime() ?? null };
}

export type NewGig = Omit<GigRow, 'createdAt' | 'version' | 'bookingId' | 'cancelReason'>;

/** false when the id is already taken. */
export async function insertGig(db: Db, gig: NewGig): Promise<boolean> {
  const rows = await db`insert into gigs ${db(gig as unknown as Record<string, unknown>)} on conflict (id) do nothing returning id`;
  return rows.length === 1;
}

export async function updateGig(db: Db, id: string, patch: Partial<Omit<GigRow, 'id' | 'clientId' | 'createdAt' | 'version'>>): Promise<void> {
  await db`update gigs set ${db(patch as Record<string, unknown>)} where id = ${id}`;
}

/** Moves every draft or open gig past its expiry to expired; what the expiry job runs. */
export async function expireOverdueGigs(db: Db, now: Date): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    update gigs set status = 'expired'
    where status in ('draft', 'open') and expires_at <= ${now} and not deleted
    returning id`;
  return rows.map((r) => r.id);
}
