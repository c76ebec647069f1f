// The three role-scoped areas of the app and where each lives.
import type { Role } from '@shared/roles';

export interface Area {
  role: Role;
  path: '/c' | '/o' | '/a';
  label: 'areaConsumer' | 'areaOperator' | 'areaAdmin';
}

export const AREAS: readonly Area[] = [
  { role: 'operator', path: '/o', label: 'areaOperator' },
  { role: 'consumer', path: '/c', label: 'areaConsumer' },
  { role: 'admin', path: '/a', label: 'areaAdmin' },
];

/** The areas a person with these roles may open, in the order the switcher shows them. */
export const areasFor = (roles: readonly Role[]): Area[] => AREAS.filter((a) => roles.includes(a.role));

/** Where "/" leads: the last area used if still allowed, else the first the roles allow. */
export function homeArea(roles: readonly Role[], last: string | null): Area | undefined {
  const allowed = areasFor(roles);
  return allowed.find((a) => a.path === last) ?? allowed[0];
}
