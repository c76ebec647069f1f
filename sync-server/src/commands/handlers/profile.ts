// profile.update, availability.set, user.set_roles.
import { hasRole } from '@shared/roles';
import { reject, type Handler } from '../context';
import { countAdmins, getUser } from '../../store/users';
import { getProfile, upsertProfile } from '../../store/profiles';

export const update: Handler<'profile.update'> = async (ctx, p) => {
  const { displayName, locale, bio, skills, home, serviceRadiusKm, hourlyRate } = p;
  const person = { displayName, locale, bio };
  const work = { skills, home, serviceRadiusKm, hourlyRate };
  const touchesWork = Object.values(work).some((v) => v !== undefined);
  if (touchesWork && !hasRole(ctx.actor, 'operator'))
    reject('forbidden', 'Skills, service area and rate belong to operator accounts.');
  const personPatch = Object.fromEntries(Object.entries(person).filter(([, v]) => v !== undefined));
  if (Object.keys(personPatch).length > 0) await ctx.tx`update users set ${ctx.tx(personPatch)} where id = ${ctx.actor.id}`;
  if (touchesWork) {
    await upsertProfile(ctx.tx, ctx.actor.id, {
      ...(skills !== undefined && { skills }),
      ...(home !== undefined && { homeLat: home?.lat ?? null, homeLng: home?.lng ?? null }),
      ...(serviceRadiusKm !== undefined && { serviceRadiusKm }),
      ...(hourlyRate !== undefined && { hourlyRateAmount: hourlyRate?.amount ?? null, hourlyRateCurrency: hourlyRate?.currency ?? null }),
    });
  }
  return { userId: ctx.actor.id };
};

export const setAvailability: Handler<'availability.set'> = async (ctx, p) => {
  if (!hasRole(ctx.actor, 'operator')) reject('forbidden', 'Only operator accounts have availability.');
  if (p.available) {
    const profile = await getProfile(ctx.tx, ctx.actor.id);
    if (!profile || profile.homeLat === null || Object.keys(profile.skills).length === 0) reject('profile_incomplete');
  }
  await upsertProfile(ctx.tx, ctx.actor.id, { available: p.available });
  return { userId: ctx.actor.id, available: p.available };
};

export const setRoles: Handler<'user.set_roles'> = async (ctx, p) => {
  if (!hasRole(ctx.actor, 'admin')) reject('forbidden', 'Only admins can change roles.');
  // Lock the row so two admins changing one person's roles do not interleave.
  const [target] = await ctx.tx<{ id: string; roles: string[] }[]>`select id, roles from users where id = ${p.userId} and not deleted for update`;
  if (!target) return reject('not_found');
  if (target.roles.includes('admin') && !p.roles.includes('admin')) {
    // Serialize demotions so that two admins cannot remove each other at the same moment.
    await ctx.tx`select pg_advisory_xact_lock(hashtext('fieldwork:admins'))`;
    if ((await countAdmins(ctx.tx)) <= 1) reject('last_admin');
  }
  await ctx.tx`update users set roles = ${p.roles} where id = ${p.userId}`;
  return { userId: p.userId, roles: p.roles };
};
