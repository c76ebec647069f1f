// Operator profiles: skills with levels, home location, service radius, availability, rate.
import type { OperatorFacts } from '@shared/gig-machine';
import type { SkillLevels } from '@shared/skills';
import type { Db } from '../db/sql';

export interface OperatorProfileRow {
  userId: string;
  skills: SkillLevels;
  homeLat: number | null;
  homeLng: number | null;
  serviceRadiusKm: number;
  available: boolean;
  hourlyRateAmount: number | null;
  hourlyRateCurrency: string | null;
  version: number;
}

export async function getProfile(db: Db, userId: string): Promise<OperatorProfileRow | undefined> {
  const [row] = await db<OperatorProfileRow[]>`select * from operator_profiles where user_id = ${userId} and not deleted`;
  return row;
}

export function operatorFacts(userId: string, p: OperatorProfileRow | undefined): OperatorFacts {
  return {
    id: userId,
    skills: p?.skills ?? {},
    home: p && p.homeLat !== null && p.homeLng !== null ? { lat: p.homeLat, lng: p.homeLng } : null,
    serviceRadiusKm: p?.serviceRadiusKm ?? 0,
    available: p?.available ?? false,
  };
}

/** Creates the profile on first write; later writes change only the given columns. */
export function upsertProfile(db: Db, userId: string, patch: Partial<Omit<OperatorProfileRow, 'userId' | 'version'>>) {
  if (Object.keys(patch).length === 0) return db`insert into operator_profiles (user_id) values (${userId}) on conflict (user_id) do nothing`;
  return db`
    insert into operator_profiles ${db({ userId, ...patch } as Record<string, unknown>)}
    on conflict (user_id) do update set ${db(patch as Record<string, unknown>)}`;
}
