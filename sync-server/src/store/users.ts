// Users: phone identity, display name, roles, locale.
import { validate as isUuid } from 'uuid';
import type { Role } from '@shared/roles';
import type { Locale } from '@shared/locales';
import type { Db } from '../db/sql';

export interface UserRow {
  id: string;
  phone: string;
  displayName: string;
  roles: Role[];
  locale: Locale;
  bio: string;
  createdAt: Date;
  deleted: boolean;
}

export async function getUserByPhone(db: Db, phone: string): Promise<UserRow | undefined> {
  const [row] = await db<UserRow[]>`select * from users where phone = ${phone} and not deleted`;
  return row;
}

export async function countAdmins(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int8 as n from users where 'admin' = any(roles) and not deleted`;
  return row!.n;
}

/** A user's language, or null when there is no such user (ids from outside, such as a provider's metadata, may be anything). */
export async function getUserLocale(db: Db, id: string): Promise<Locale | null> {
  if (!isUuid(id)) return null;
  const [row] = await db<{ locale: Locale }[]>`select locale from users where id = ${id} and not deleted`;
  return row?.locale ?? null;
}

/**
 * The IANA time zone a device reported, if it names one this server's Intl knows ("Europe/Madrid"); null for
 * anything else, which is then not kept (a device's word decides nothing but how times are written to it).
 */
export function knownTimeZone(name: string | undefined): string | null {
  if (!name || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Keeps the person's time zone for their texts; writes only a change. */
export function setUserTimeZone(db: Db, id: string, timeZone: string) {
  return db`update users set time_zone = ${timeZone} where id = ${id} and time_zone is distinct from ${timeZone}`;
}
