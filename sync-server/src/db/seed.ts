// Demo data for a first start: people in every role, operator profiles (payouts set up on the demo rail),
// open gigs. Gigs and profiles go through applyCommand like any user action, so the demo starts from states
// the rules can reach.
import { v7 as uuidv7 } from 'uuid';
import type { CommandType, CommandInput } from '@shared/commands';
import type { Role } from '@shared/roles';
import type { SkillLevels } from '@shared/skills';
import type { Logger } from '../log';
import type { Sql } from './sql';
import { applyCommand } from '../commands/apply';
import type { DemoRail, Payments } from '../payments';
import { recordPayoutAccount, refreshPayoutAccount } from '../payouts/accounts';

interface DemoPerson {
  phone: string;
  name: string;
  roles: Role[];
  locale?: 'en' | 'es';
  operator?: { skills: SkillLevels; home: { lat: number; lng: number }; radiusKm: number; available: boolean; rate: number };
}

// 555-01xx numbers are reserved for fiction in the North American plan.
export const DEMO_PEOPLE: DemoPerson[] = [
  { phone: '+14155550100', name: 'Ada Admin', roles: ['consumer', 'admin'] },
  { phone: '+14155550101', name: 'Carla Client', roles: ['consumer'] },
  { phone: '+14155550102', name: 'Chen Customer', roles: ['consumer'] },
  { phone: '+14155550103', name: 'Lucía Cliente', roles: ['consumer'], locale: 'es' },
  {
    phone: '+14155550110', name: 'Omar Operator', roles: ['consumer', 'operator'],
    operator: { skills: { plumbing: 4, handyman: 3, 'appliance-repair': 2 }, home: { lat: 37.7599, lng: -122.4148 }, radiusKm: 15, available: true, rate: 4500 },
  },
  {
    phone: '+14155550111', name: 'Olga Fixer', roles: ['consumer', 'operator'],
    operator: { skills: { electrical: 5, handyman: 4 }, home: { lat: 37.7793, lng: -122.4193 }, radiusKm: 10, available: true, rate: 6000 },
  },
  {
    phone: '+14155550112', name: 'Pablo Pintor', roles: ['consumer', 'operator'], locale: 'es',
    operator: { skills: { painting: 4, carpentry: 2, handyman: 2 }, home: { lat: 37.7485, lng: -122.4184 }, radiusKm: 20, available: true, rate: 3500 },
  },
  {
    phone: '+14155550113', name: 'Dana Delivery', roles: ['consumer', 'operator'],
    operator: { skills: { delivery: 3, moving: 3 }, home: { lat: 37.8044, lng: -122.2712 }, radiusKm: 25, available: false, rate: 3000 },
  },
];

const DEMO_GIGS: { client: string; title: string; description: string; skills: SkillLevels; budget: number; lat: number; lng: number; area: string; address: string; inDays: number }[] = [
  { client: '+14155550101', title: 'Fix a leaking kitchen tap', description: 'Drips all night. Cartridge probably needs replacing; I have the model number.', skills: { plumbing: 2 }, budget: 8000, lat: 37.7609, lng: -122.4350, area: 'Castro', address: '412 Castro St, Apt 3', inDays: 2 },
  { client: '+14155550101', title: 'Mount a 55" TV on drywall', description: 'Bracket included. Needs stud finding and cable tidy.', skills: { handyman: 2 }, budget: 12000, lat: 37.7694, lng: -122.4862, area: 'Inner Sunset', address: '1290 9th Ave', inDays: 4 },
  { client: '+14155550102', title: 'Replace two light switches with dimmers', description: 'Living room and hallway; dimmers bought already.', skills: { electrical: 3 }, budget: 15000, lat: 37.7841, lng: -122.4075, area: 'SoMa', address: '88 Howard St, Unit 1204', inDays: 3 },
  { client: '+14155550102', title: 'Paint a small bedroom', description: 'About 10 m², walls only, paint supplied. Furniture already moved.', skills: { painting: 3 }, budget: 35000, lat: 37.7527, lng: -122.4474, area: 'Noe Valley', address: '3915 24th St', inDays: 7 },
  { client: '+14155550103', title: 'Montar una estantería', description: 'Estantería de IKEA, 5 baldas, hay que fijarla a la pared.', skills: { carpentry: 2, handyman: 2 }, budget: 9000, lat: 37.7599, lng: -122.4148, area: 'Mission', address: '2901 Mission St', inDays: 5 },
  { client: '+14155550103', title: 'Move a sofa across town', description: 'Two-seat sofa from the Mission to Oakland. Needs a van and a helper.', skills: { moving: 2 }, budget: 20000, lat: 37.7599, lng: -122.4148, area: 'Mission', address: '2901 Mission St', inDays: 10 },
];

async function as<T extends CommandType>(sql: Sql, actorId: string, type: T, payload: CommandInput<T>) {
  const out = await applyCommand(sql, actorId, { id: uuidv7(), type, payload, issuedAt: new Date().toISOString() });
  if (out.status !== 'applied') throw new Error(`demo seed: ${type} was rejected: ${out.rejection?.message}`);
}

/**
 * Payouts set up for a demo operator, as if they had finished the demo rail's onboarding: without them no
 * operator could accept a gig. On real Stripe, operators onboard themselves.
 */
async function demoPayouts(sql: Sql, rail: DemoRail, userId: string) {
  const { id } = await rail.createConnectedAccount({ userId, country: 'US', idempotencyKey: `account:${userId}` });
  await rail.activateAccount(id);
  await recordPayoutAccount(sql, { userId, provider: rail.name, accountId: id });
  await refreshPayoutAccount(sql, rail, id);
}

/** Seeds once: only into a database with no users. Several servers starting together seed once. */
export async function seedDemo(sql: Sql, log: Logger, payments: Payments): Promise<boolean> {
  const claimed = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('fieldwork:seed'))`;
    const [any] = await tx`select 1 from users limit 1`;
    if (any) return false;
    for (const p of DEMO_PEOPLE)
      await tx`insert into users (id, phone, display_name, roles, locale) values (${uuidv7()}, ${p.phone}, ${p.name}, ${p.roles}, ${p.locale ?? 'en'})`;
    return true;
  });
  if (!claimed) return false;
  const ids = new Map((await sql<{ id: string; phone: string }[]>`select id, phone from users`).map((u) => [u.phone, u.id]));
  for (const p of DEMO_PEOPLE) {
    if (!p.operator) continue;
    const id = ids.get(p.phone)!;
    await as(sql, id, 'profile.update', {
      skills: p.operator.skills,
      home: p.operator.home,
      serviceRadiusKm: p.operator.radiusKm,
      hourlyRate: { amount: p.operator.rate, currency: 'USD' },
    });
    if (p.operator.available) await as(sql, id, 'availability.set', { available: true });
    if (payments.name === 'demo') await demoPayouts(sql, payments, id);
  }
  if (payments.name !== 'demo') log.info('seeded operators set up payouts themselves (Work → Payouts) before they can accept gigs');
  for (const g of DEMO_GIGS) {
    await as(sql, ids.get(g.client)!, 'gig.post', {
      gigId: uuidv7(),
      title: g.title,
      description: g.description,
      skills: g.skills,
      budget: { amount: g.budget, currency: 'USD' },
      location: { lat: g.lat, lng: g.lng },
      address: g.address,
      areaLabel: g.area,
      startsAt: null,
      expiresAt: new Date(Date.now() + g.inDays * 86_400_000).toISOString(),
    });
  }
  log.info({ people: DEMO_PEOPLE.length, gigs: DEMO_GIGS.length }, 'seeded demo data');
  return true;
}
