// Test fixtures: people in each role and a shorthand for issuing commands as them.
import { v7 as uuidv7 } from 'uuid';
import type { CommandInput, CommandType } from '@shared/commands';
import type { Role } from '@shared/roles';
import type { SkillLevels } from '@shared/skills';
import type { LatLng } from '@shared/geo';
import type { Sql } from '../src/db/sql';
import { applyCommand, type ApplyOptions, type CommandOutcome } from '../src/commands/apply';
import { confirmPayment as confirmMilestonePayment, type PaymentOutcome } from '../src/escrow/events';

let phoneSeq = 0;

export async function createUser(sql: Sql, roles: Role[] = ['consumer'], name = 'Test Person'): Promise<string> {
  const id = uuidv7();
  // Unique per process and file: random prefix keeps parallel test files apart.
  const phone = `+1415${String(Math.floor(Math.random() * 900) + 100)}${String(phoneSeq++ % 10000).padStart(4, '0')}`;
  await sql`insert into users (id, phone, display_name, roles) values (${id}, ${phone}, ${name}, ${roles}) on conflict do nothing`;
  return id;
}

/** A live session for the user, as signing in makes one: access tokens name it, and the API checks it. */
export async function openSession(sql: Sql, userId: string, ttlSeconds = 86_400): Promise<string> {
  const id = uuidv7();
  await sql`insert into sessions (id, user_id, expires_at) values (${id}, ${userId}, ${new Date(Date.now() + ttlSeconds * 1000)})`;
  return id;
}

export const SF: LatLng = { lat: 37.7749, lng: -122.4194 };

/**
 * An operator who can take paid work: profile, and payouts set up (`payouts: 'pending'` for onboarding
 * started but not finished, 'none' for never started).
 */
export async function createOperator(
  sql: Sql,
  opts: { skills?: SkillLevels; home?: LatLng; radiusKm?: number; available?: boolean; payouts?: 'active' | 'pending' | 'none' } = {},
): Promise<string> {
  const id = await createUser(sql, ['consumer', 'operator'], 'Test Operator');
  const home = opts.home ?? SF;
  await sql`
    insert into operator_profiles (user_id, skills, home_lat, home_lng, service_radius_km, available)
    values (${id}, ${sql.json((opts.skills ?? { plumbing: 3, handyman: 3 }) as never)}, ${home.lat}, ${home.lng}, ${opts.radiusKm ?? 10}, ${opts.available ?? true})`;
  const payouts = opts.payouts ?? 'active';
  if (payouts !== 'none') await setPayoutAccount(sql, id, { transfersActive: payouts === 'active' });
  return id;
}

/**
 * A user's payout account as onboarding leaves it. Without `accountId` it names no provider's object: enough
 * for gig.accept's gate; a test that transfers gives the provider's real account id.
 */
export async function setPayoutAccount(sql: Sql, userId: string, opts: { accountId?: string; provider?: string; transfersActive?: boolean } = {}): Promise<void> {
  const active = opts.transfersActive ?? true;
  await sql`
    insert into payout_accounts (user_id, provider, account_id, transfers_active, details_submitted)
    values (${userId}, ${opts.provider ?? 'demo'}, ${opts.accountId ?? `acct_fixture_${userId}`}, ${active}, ${active})
    on conflict (user_id) do update
    set provider = excluded.provider, account_id = excluded.account_id, transfers_active = excluded.transfers_active,
        details_submitted = excluded.details_submitted, updated_at = now()`;
}

export function envelope<T extends CommandType>(type: T, payload: CommandInput<T>, id = uuidv7()) {
  return { id, type, payload, issuedAt: new Date().toISOString() };
}

export function run<T extends CommandType>(sql: Sql, actorId: string, type: T, payload: CommandInput<T>, opts?: ApplyOptions & { id?: string }): Promise<CommandOutcome> {
  return applyCommand(sql, actorId, envelope(type, payload, opts?.id), opts);
}

export function gigInput(overrides: Partial<CommandInput<'gig.post'>> = {}): CommandInput<'gig.post'> {
  return {
    gigId: uuidv7(),
    title: 'Fix a leaking tap',
    description: 'Kitchen tap drips.',
    skills: { plumbing: 2 },
    budget: { amount: 8000, currency: 'USD' },
    location: { lat: 37.7699, lng: -122.4194 },
    address: '1 Market St',
    areaLabel: 'SoMa',
    ...overrides,
  };
}

/** Asserts an outcome was applied and returns its result, with the rejection in the message otherwise. */
export function applied(o: CommandOutcome): Record<string, unknown> {
  if (o.status !== 'applied') throw new Error(`expected applied, got ${o.rejection?.code}: ${o.rejection?.message}`);
  return o.result!;
}

/** A client's open gig accepted by a worker: a booking awaiting payment, or funded when asked. */
export async function acceptedBooking(sql: Sql, clientId: string, workerId: string, opts: { funded?: boolean; budget?: CommandInput<'gig.post'>['budget'] } = {}) {
  const gig = gigInput(opts.budget && { budget: opts.budget });
  applied(await run(sql, clientId, 'gig.post', gig));
  const bookingId = uuidv7();
  applied(await run(sql, workerId, 'gig.accept', { gigId: gig.gigId, bookingId }));
  if (opts.funded) await confirmPayment(sql, bookingId);
  return { gigId: gig.gigId, bookingId };
}

/**
 * The payment provider's confirmation of the booking's next unpaid milestone, as the webhook handler fires
 * it (the provider itself is left out: see sync-server/src/payments for that path).
 */
export async function confirmPayment(sql: Sql, bookingId: string): Promise<PaymentOutcome> {
  const [m] = await sql<{ id: string; amount: number; currency: string }[]>`
    select id, amount, currency from milestones
    where booking_id = ${bookingId} and status in ('agreed', 'payment_pending') order by position limit 1`;
  if (!m) throw new Error(`booking ${bookingId} has no milestone waiting for payment`);
  return confirmMilestonePayment(sql, { milestoneId: m.id, paymentIntentId: `pi_test_${m.id}`, chargeId: `ch_test_${m.id}`, amount: m.amount, currency: m.currency }, `pay-${m.id}`);
}

/**
 * Waits, if need be, until a fixed rate-limit window (ops/rate-limit.ts: windows start at multiples of their
 * length) has `needMs` left, so that a test's requests all count in one window.
 */
export async function clearOfWindowEdge(windowSeconds: number, needMs = 5_000): Promise<void> {
  const left = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000));
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

export { uuidv7 };
