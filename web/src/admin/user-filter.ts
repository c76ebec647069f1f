// Finding people in the users list: by name or phone, by role, by availability; the filter's place in the URL.
import { ROLES, type Role } from '@shared/roles';
import { isAvailableOperator } from './counts';

export interface UserFilter {
  role?: Role;
  /** Only operators who are available now. */
  available?: boolean;
}

interface Person {
  displayName: string;
  phone: string;
  roles: readonly Role[];
  available: boolean;
}

/** Lower case without accents, so "lucia" finds "Lucía". */
const fold = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
const digits = (s: string) => s.replace(/\D/g, '');

/**
 * Whether a person matches what the admin typed: every word appears in the name, or, when the query is a
 * phone number written any way ("+1 415 555-0110", "5550110"), its digits appear in the phone number.
 */
export function matchesQuery(p: Pick<Person, 'displayName' | 'phone'>, query: string): boolean {
  const q = query.trim();
  if (!q) return true;
  const name = fold(p.displayName);
  if (fold(q).split(/\s+/).every((word) => name.includes(word))) return true;
  const d = digits(q);
  return /^[\d\s+().-]+$/.test(q) && d.length > 0 && digits(p.phone).includes(d);
}

export function matchesFilter(p: Person, filter: UserFilter): boolean {
  if (filter.role && !p.roles.includes(filter.role)) return false;
  if (filter.available && !isAvailableOperator(p)) return false;
  return true;
}

/** The people to list, by name in the reader's language. */
export function filterUsers<P extends Person>(people: readonly P[], filter: UserFilter, query: string, locale: string): P[] {
  return people
    .filter((p) => matchesFilter(p, filter) && matchesQuery(p, query))
    .sort((a, b) => a.displayName.localeCompare(b.displayName, locale) || a.phone.localeCompare(b.phone));
}

/** `?role=operator`, `?available=1` → a filter; unknown values are ignored. */
export function parseUserFilter(search: string): UserFilter {
  const params = new URLSearchParams(search);
  const role = ROLES.find((r) => r === params.get('role'));
  const available = params.get('available') === '1';
  return { ...(role ? { role } : {}), ...(available ? { available } : {}) };
}

/** The query string for a filter (without "?"); empty for everyone. */
export function userFilterSearch(filter: UserFilter): string {
  const params = new URLSearchParams();
  if (filter.role) params.set('role', filter.role);
  if (filter.available) params.set('available', '1');
  return params.toString();
}
