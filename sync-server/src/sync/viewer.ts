// Who is reading: the facts that decide what each replicated document looks like to them, and a
// fingerprint of those facts so that a device is told to start over when its scope changes.
import { createHash } from 'node:crypto';
import type { LatLng } from '@shared/geo';
import type { CollectionName } from '@shared/replication';
import type { Role } from '@shared/roles';
import type { SkillLevels } from '@shared/skills';
import type { Db } from '../db/sql';

export interface OperatorScope {
  home: LatLng | null;
  radiusKm: number;
  skills: SkillLevels;
}

export interface Viewer {
  id: string;
  roles: Role[];
  /** Present for users with the operator role. */
  operator: OperatorScope | null;
  /** Changes whenever what this viewer may see of gigs changes (roles, skills, home, radius); see scopeOf. */
  scope: string;
}

export const isAdmin = (v: Pick<Viewer, 'roles'>) => v.roles.includes('admin');

/**
 * What decides a collection's rows for this viewer: gigs follow roles, area and skills (the feed); the others
 * only whether the viewer is an admin, who reads everyone's; commands not even that (each reads their own).
 * A stream whose collection's scope changed starts over (and a pull from a checkpoint made under another
 * scope, pull.ts sameScope, by the same rule), so a change of radius does not send a person's whole chat and
 * command history again.
 */
export function scopeOf(v: Viewer, collection: CollectionName): string {
  if (collection === 'gigs') return v.scope;
  if (collection === 'commands') return 'own';
  return isAdmin(v) ? 'admin' : 'party';
}

function fingerprint(roles: Role[], operator: OperatorScope | null): string {
  const skills = operator ? Object.entries(operator.skills).sort(([a], [b]) => a.localeCompare(b)) : [];
  const facts = JSON.stringify([[...roles].sort(), operator?.home ?? null, operator?.radiusKm ?? null, skills]);
  return createHash('sha256').update(facts).digest('base64url').slice(0, 16);
}

export async function loadViewer(db: Db, userId: string): Promise<Viewer | null> {
  const [row] = await db<{ roles: Role[]; skills: SkillLevels | null; homeLat: number | null; homeLng: number | null; serviceRadiusKm: number | null }[]>`
    select u.roles, p.skills, p.home_lat, p.home_lng, p.service_radius_km
    from users u left join operator_profiles p on p.user_id = u.id
    where u.id = ${userId} and not u.deleted`;
  if (!row) return null;
  const operator: OperatorScope | null = row.roles.includes('operator')
    ? {
        home: row.homeLat !== null && row.homeLng !== null ? { lat: row.homeLat, lng: row.homeLng } : null,
        radiusKm: row.serviceRadiusKm ?? 0,
        skills: row.skills ?? {},
      }
    : null;
  return { id: userId, roles: row.roles, operator, scope: fingerprint(row.roles, operator) };
}
