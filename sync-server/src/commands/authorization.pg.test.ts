// The authorization matrix: every command × every kind of actor × owner/non-owner, against the real
// database. A refusal must carry the expected code and change nothing authoritative.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandType } from '@shared/commands';
import type { RejectionCode } from '@shared/rejections';
import { createTestDb, type TestDb } from '../../test/db';
import { applied, confirmPayment, createOperator, createUser, gigInput, run, setPayoutAccount, uuidv7 } from '../../test/fixtures';
import { auditLog } from '../store/disputes';

let db: TestDb;
const ACTORS = ['owner', 'stranger', 'worker', 'operator', 'admin', 'operatorOnly'] as const;
type ActorKind = (typeof ACTORS)[number];
let ids: Record<ActorKind, string>;

beforeAll(async () => {
  db = await createTestDb();
  ids = {
    owner: await createUser(db.sql, ['consumer']),
    stranger: await createUser(db.sql, ['consumer']),
    worker: await createOperator(db.sql),
    operator: await createOperator(db.sql),
    admin: await createUser(db.sql, ['consumer', 'admin']),
    operatorOnly: await createUser(db.sql, ['operator']),
  };
  await db.sql`insert into operator_profiles (user_id, skills, home_lat, home_lng, available) values (${ids.operatorOnly}, '{"plumbing":3}', 37.7749, -122.4194, true)`;
  await setPayoutAccount(db.sql, ids.operatorOnly);
});
afterAll(() => db.drop());

type Expect = 'ok' | RejectionCode;
interface Row {
  type: CommandType;
  label?: string;
  /** Builds a fresh world and returns the payload to send. */
  setup: () => Promise<Record<string, unknown>>;
  expect: Record<ActorKind, Expect>;
}

async function openGig(publish = true) {
  const gig = gigInput({ publish });
  applied(await run(db.sql, ids.owner, 'gig.post', gig));
  return gig.gigId;
}

const STEPS = { awaiting_payment: 0, funded: 1, in_progress: 2, delivered: 3 } as const;
async function booking(at: keyof typeof STEPS) {
  const gigId = await openGig();
  const bookingId = uuidv7();
  applied(await run(db.sql, ids.worker, 'gig.accept', { gigId, bookingId }));
  if (STEPS[at] >= 1) await confirmPayment(db.sql, bookingId);
  if (STEPS[at] >= 2) applied(await run(db.sql, ids.worker, 'booking.start', { bookingId }));
  if (STEPS[at] >= 3) applied(await run(db.sql, ids.worker, 'booking.deliver', { bookingId }));
  return bookingId;
}

async function milestoneOf(bookingId: string): Promise<string> {
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId} order by position limit 1`;
  return m!.id;
}

/** A booking with a one-milestone plan proposed by its client, waiting for the worker. */
async function proposedPlan() {
  const bookingId = await booking('awaiting_payment');
  const planId = uuidv7();
  applied(await run(db.sql, ids.owner, 'milestone.propose', { bookingId, planId, milestones: [{ milestoneId: uuidv7(), description: 'Everything', amount: { amount: 9000, currency: 'USD' } }] }));
  return { bookingId, planId };
}

/** A funded booking's milestone in dispute: its client claims the whole amount back. */
async function openDispute() {
  const milestoneId = await milestoneOf(await booking('funded'));
  const disputeId = uuidv7();
  applied(await run(db.sql, ids.owner, 'dispute.open', { disputeId, milestoneId, reason: 'Nobody came', refundAmount: 8000 }));
  return disputeId;
}

const all = (e: Expect): Record<ActorKind, Expect> => Object.fromEntries(ACTORS.map((a) => [a, e])) as Record<ActorKind, Expect>;
// For a booking, anyone who is neither party nor admin is told it does not exist.
const bookingOnly = (ok: ActorKind[], forbidden: ActorKind[]): Record<ActorKind, Expect> =>
  Object.fromEntries(ACTORS.map((a) => [a, ok.includes(a) ? 'ok' : forbidden.includes(a) ? 'forbidden' : 'not_found'])) as Record<ActorKind, Expect>;

const MATRIX: Row[] = [
  { type: 'gig.post', setup: async () => gigInput(), expect: { ...all('ok'), operatorOnly: 'forbidden' } },
  { type: 'gig.publish', setup: async () => ({ gigId: await openGig(false) }), expect: { ...all('not_found'), owner: 'ok', admin: 'forbidden' } },
  { type: 'gig.update', setup: async () => ({ gigId: await openGig(), title: 'A better title' }), expect: { ...all('forbidden'), owner: 'ok' } },
  { type: 'gig.cancel', setup: async () => ({ gigId: await openGig() }), expect: { ...all('forbidden'), owner: 'ok', admin: 'ok' } },
  { type: 'gig.accept', setup: async () => ({ gigId: await openGig(), bookingId: uuidv7() }), expect: { owner: 'forbidden', stranger: 'forbidden', admin: 'forbidden', worker: 'ok', operator: 'ok', operatorOnly: 'ok' } },
  { type: 'booking.start', setup: async () => ({ bookingId: await booking('funded') }), expect: bookingOnly(['worker'], ['owner', 'admin']) },
  { type: 'booking.deliver', setup: async () => ({ bookingId: await booking('in_progress') }), expect: bookingOnly(['worker'], ['owner', 'admin']) },
  { type: 'booking.approve', setup: async () => ({ bookingId: await booking('delivered') }), expect: bookingOnly(['owner'], ['worker', 'admin']) },
  { type: 'booking.request_changes', setup: async () => ({ bookingId: await booking('delivered'), reason: 'Please redo the seal' }), expect: bookingOnly(['owner'], ['worker', 'admin']) },
  { type: 'booking.cancel', setup: async () => ({ bookingId: await booking('awaiting_payment'), reason: 'Booked twice by mistake' }), expect: bookingOnly(['owner', 'worker', 'admin'], []) },
  // Once work has started only the worker may end it, by giving the money back.
  { type: 'booking.give_back', setup: async () => ({ bookingId: await booking('in_progress'), reason: 'Cannot finish', held: 8000 }), expect: bookingOnly(['worker'], ['owner', 'admin']) },
  {
    type: 'milestone.propose',
    setup: async () => ({ bookingId: await booking('awaiting_payment'), planId: uuidv7(), milestones: [{ milestoneId: uuidv7(), description: 'First half', amount: { amount: 4000, currency: 'USD' } }] }),
    expect: bookingOnly(['owner', 'worker'], ['admin']),
  },
  // The side that proposed may not accept its own terms.
  { type: 'milestone.accept', setup: proposedPlan, expect: bookingOnly(['worker'], ['owner', 'admin']) },
  { type: 'milestone.fund', setup: async () => ({ milestoneId: await milestoneOf(await booking('awaiting_payment')) }), expect: bookingOnly(['owner'], ['worker', 'admin']) },
  { type: 'milestone.submit', setup: async () => ({ milestoneId: await milestoneOf(await booking('in_progress')) }), expect: bookingOnly(['worker'], ['owner', 'admin']) },
  { type: 'milestone.approve', setup: async () => ({ milestoneId: await milestoneOf(await booking('delivered')) }), expect: bookingOnly(['owner'], ['worker', 'admin']) },
  {
    type: 'milestone.request_changes',
    setup: async () => ({ milestoneId: await milestoneOf(await booking('delivered')), reason: 'The seal leaks' }),
    expect: bookingOnly(['owner'], ['worker', 'admin']),
  },
  {
    type: 'milestone.withdraw',
    // Work under way on the first part, a second agreed and not paid for.
    setup: async () => {
      const bookingId = await booking('in_progress');
      const milestoneId = uuidv7();
      await db.sql`
        insert into milestones (id, booking_id, client_id, worker_id, position, description, amount, currency, fee_bps, status)
        select ${milestoneId}, booking_id, client_id, worker_id, 1, 'The rest', amount, currency, fee_bps, 'agreed' from milestones where booking_id = ${bookingId}`;
      return { milestoneId, reason: 'Not paid' };
    },
    expect: bookingOnly(['owner', 'worker'], ['admin']),
  },
  {
    type: 'dispute.open',
    setup: async () => ({ disputeId: uuidv7(), milestoneId: await milestoneOf(await booking('funded')), reason: 'Half of it was not done', refundAmount: 4000 }),
    expect: bookingOnly(['owner', 'worker'], ['admin']),
  },
  { type: 'dispute.add_evidence', setup: async () => ({ evidenceId: uuidv7(), disputeId: await openDispute(), text: 'Photo of the tap' }), expect: bookingOnly(['owner', 'worker', 'admin'], []) },
  // Only the side that did not open it accepts the claim.
  { type: 'dispute.accept', setup: async () => ({ disputeId: await openDispute() }), expect: bookingOnly(['worker'], ['owner', 'admin']) },
  {
    type: 'dispute.resolve',
    setup: async () => ({ disputeId: await openDispute(), outcome: 'split', refundAmount: 3000, reason: 'Part of the work was done' }),
    expect: bookingOnly(['admin'], ['owner', 'worker']),
  },
  { type: 'message.send', setup: async () => ({ bookingId: await booking('awaiting_payment'), messageId: uuidv7(), body: 'Hi' }), expect: bookingOnly(['owner', 'worker'], ['admin']) },
  { type: 'profile.update', label: 'name', setup: async () => ({ displayName: 'New Name' }), expect: all('ok') },
  { type: 'profile.update', label: 'skills', setup: async () => ({ skills: { plumbing: 3 } }), expect: { ...all('forbidden'), worker: 'ok', operator: 'ok', operatorOnly: 'ok' } },
  { type: 'availability.set', setup: async () => ({ available: true }), expect: { ...all('forbidden'), worker: 'ok', operator: 'ok', operatorOnly: 'ok' } },
  // What is released to the worker is theirs to ask for; other operators have nothing to pay out.
  {
    type: 'payout.request',
    setup: async () => (applied(await run(db.sql, ids.owner, 'booking.approve', { bookingId: await booking('delivered') })), {}),
    expect: { ...all('forbidden'), worker: 'ok', operator: 'nothing_to_pay_out', operatorOnly: 'nothing_to_pay_out' },
  },
  { type: 'user.set_roles', setup: async () => ({ userId: await createUser(db.sql), roles: ['consumer', 'operator'] }), expect: { ...all('forbidden'), admin: 'ok' } },
];

/** Everything a command could change, in one number per table. */
async function digest() {
  const [d] = await db.sql`
    select (select coalesce(sum(version), 0) from gigs)::int8 as gigs,
           (select coalesce(sum(version), 0) from milestones)::int8 as milestones,
           (select count(*) from ledger_entries)::int8 as ledger,
           (select coalesce(sum(version), 0) from bookings)::int8 as bookings,
           (select coalesce(sum(version), 0) from users)::int8 as users,
           (select coalesce(sum(version), 0) from operator_profiles)::int8 as profiles,
           (select count(*) from messages)::int8 as messages,
           (select coalesce(sum(version), 0) from disputes)::int8 as disputes,
           (select count(*) from admin_audit)::int8 as audit,
           (select count(*) from outbox)::int8 as outbox`;
  return d;
}

describe('authorization matrix', () => {
  it('covers every command type', async () => {
    const { COMMAND_TYPES } = await import('@shared/commands');
    expect(new Set(MATRIX.map((r) => r.type))).toEqual(new Set(COMMAND_TYPES));
  });

  for (const row of MATRIX)
    for (const actor of ACTORS) {
      const want = row.expect[actor];
      it(`${row.type}${row.label ? ` (${row.label})` : ''} as ${actor} → ${want}`, async () => {
        const payload = await row.setup();
        const before = await digest();
        const out = await run(db.sql, ids[actor], row.type, payload as never);
        if (want === 'ok') {
          expect(out.rejection).toBeUndefined();
          expect(out.status).toBe('applied');
        } else {
          expect(out.status).toBe('rejected');
          expect(out.rejection?.code).toBe(want);
          expect(await digest()).toEqual(before);
        }
      });
    }
});

describe('hostile inputs', () => {
  it('refuses commands naming objects that do not exist', async () => {
    for (const [type, payload] of [
      ['gig.cancel', { gigId: uuidv7() }],
      ['booking.start', { bookingId: uuidv7() }],
      ['message.send', { bookingId: uuidv7(), messageId: uuidv7(), body: 'x' }],
      ['user.set_roles', { userId: uuidv7(), roles: ['consumer'] }],
    ] as const) {
      const out = await run(db.sql, type === 'user.set_roles' ? ids.admin : ids.owner, type, payload as never);
      expect(out.rejection?.code, type).toBe('not_found');
    }
  });

  it('refuses reusing an existing object id for a new object', async () => {
    const gigId = await openGig();
    const out = await run(db.sql, ids.owner, 'gig.post', gigInput({ gigId }));
    expect(out.rejection?.code).toBe('duplicate_id');
  });

  it('never lets the last admin drop their own admin role', async () => {
    const others = await db.sql`select id from users where 'admin' = any(roles) and id <> ${ids.admin}`;
    for (const o of others) await db.sql`update users set roles = '{consumer}' where id = ${o.id}`;
    const out = await run(db.sql, ids.admin, 'user.set_roles', { userId: ids.admin, roles: ['consumer'] });
    expect(out.rejection?.code).toBe('last_admin');
  });

  it('puts every change of roles in the admins’ audit log, with who, whom, before and after', async () => {
    const user = await createUser(db.sql);
    applied(await run(db.sql, ids.admin, 'user.set_roles', { userId: user, roles: ['consumer', 'operator'], reason: 'Passed the skills check' }));
    applied(await run(db.sql, ids.admin, 'user.set_roles', { userId: user, roles: ['consumer'] }));
    const log = await db.sql`select admin_id, reason, details from admin_audit where action = 'user.set_roles' and subject_id = ${user} order by id`;
    expect(log).toEqual([
      { adminId: ids.admin, reason: 'Passed the skills check', details: { from: ['consumer'], to: ['consumer', 'operator'] } },
      { adminId: ids.admin, reason: 'No reason given.', details: { from: ['consumer', 'operator'], to: ['consumer'] } },
    ]);
    // The log as admins read it names the person, with the number that tells two of one name apart.
    const [phone] = await db.sql<{ phone: string; displayName: string }[]>`select phone, display_name from users where id = ${user}`;
    const read = (await auditLog(db.sql, 50)).filter((e) => e.subjectId === user);
    expect(read.map((e) => e.subjectName)).toEqual([`${phone!.displayName || phone!.phone} (${phone!.phone})`, `${phone!.displayName || phone!.phone} (${phone!.phone})`]);
  });

  it('uses the roles in the database, not the ones the actor had when the token was made', async () => {
    const user = await createUser(db.sql, ['consumer', 'admin']);
    await db.sql`update users set roles = '{consumer}' where id = ${user}`;
    const out = await run(db.sql, user, 'user.set_roles', { userId: ids.stranger, roles: ['consumer', 'admin'] });
    expect(out.rejection?.code).toBe('forbidden');
  });
});
