// profile.update, availability.set, user.set_roles.
import { hasRole } from '@shared/roles';
import { reject, type Handler } from '../context';
import { countAdmins } from '../../store/users';
import { insertAudit } from '../../store/disputes';
import { getProfile, upsertProfile, type OperatorProfileRow } from '../../store/profiles';

export const update: Handler<'profile.update'> = {
  queuesWrites: true,
  decide(ctx, p) {
    const { displayName, locale, bio, skills, home, serviceRadiusKm, hourlyRate } = p;
    const work = { skills, home, serviceRadiusKm, hourlyRate };
    const touchesWork = Object.values(work).some((v) => v !== undefined);
    if (touchesWork && !hasRole(ctx.actor, 'operator')) reject('forbidden', 'Skills, service area and rate belong to operator accounts.');
    const person = Object.fromEntries(Object.entries({ displayName, locale, bio }).filter(([, v]) => v !== undefined));
    // Gigs and bookings carry their people's names to other devices (sync/pull.ts): written again, they are
    // pulled again with the new one. A touch, nothing else (the change columns move by the row's trigger),
    // and only for a new name, so before the name is written. Bookings before gigs, the order every booking
    // step locks them in, and each in id order, so that neither a step nor another rename deadlocks with it.
    if (displayName !== undefined) {
      const renamed = ctx.tx`exists (select 1 from users where id = ${ctx.actor.id} and display_name is distinct from ${displayName})`;
      ctx.write(ctx.tx`
        update bookings set updated_at = now() where ${renamed} and id in (
          select id from bookings where (client_id = ${ctx.actor.id} or worker_id = ${ctx.actor.id}) and not deleted order by id for update)`);
      ctx.write(ctx.tx`
        update gigs set updated_at = now() where ${renamed} and id in (
          select id from gigs where client_id = ${ctx.actor.id} and not deleted order by id for update)`);
    }
    if (Object.keys(person).length > 0) ctx.write(ctx.tx`update users set ${ctx.tx(person)} where id = ${ctx.actor.id}`);
    if (touchesWork)
      ctx.write(
        upsertProfile(ctx.tx, ctx.actor.id, {
          ...(skills !== undefined && { skills }),
          ...(home !== undefined && { homeLat: home?.lat ?? null, homeLng: home?.lng ?? null }),
          ...(serviceRadiusKm !== undefined && { serviceRadiusKm }),
          ...(hourlyRate !== undefined && { hourlyRateAmount: hourlyRate?.amount ?? null, hourlyRateCurrency: hourlyRate?.currency ?? null }),
        }),
      );
    return { userId: ctx.actor.id };
  },
};

export const setAvailability: Handler<'availability.set', OperatorProfileRow | undefined> = {
  queuesWrites: true,
  load: (db, _p, actorId) => getProfile(db, actorId),
  decide(ctx, p, profile) {
    if (!hasRole(ctx.actor, 'operator')) reject('forbidden', 'Only operator accounts have availability.');
    if (p.available && (!profile || profile.homeLat === null || Object.keys(profile.skills).length === 0)) reject('profile_incomplete');
    ctx.write(upsertProfile(ctx.tx, ctx.actor.id, { available: p.available }));
    return { userId: ctx.actor.id, available: p.available };
  },
};

export const setRoles: Handler<'user.set_roles', { id: string; roles: string[] } | undefined> = {
  // Locked so that two admins changing one person's roles do not interleave.
  load: async (db, p) => (await db<{ id: string; roles: string[] }[]>`select id, roles from users where id = ${p.userId} and not deleted for update`)[0],
  async decide(ctx, p, target) {
    if (!hasRole(ctx.actor, 'admin')) reject('forbidden', 'Only admins can change roles.');
    if (!target) return reject('not_found');
    if (target.roles.includes('admin') && !p.roles.includes('admin')) {
      // Serialize demotions so that two admins cannot remove each other at the same moment.
      await ctx.tx`select pg_advisory_xact_lock(hashtext('fieldwork:admins'))`;
      if ((await countAdmins(ctx.tx)) <= 1) reject('last_admin');
    }
    ctx.write(ctx.tx`update users set roles = ${p.roles} where id = ${p.userId}`);
    // Who may do what is an admin's power over everyone: every change of it goes into the audit log.
    ctx.write(
      insertAudit(ctx.tx, {
        adminId: ctx.actor.id, action: 'user.set_roles', subjectType: 'user', subjectId: p.userId,
        reason: p.reason || 'No reason given.', details: { from: target.roles, to: p.roles },
      }),
    );
    return { userId: p.userId, roles: p.roles };
  },
};
