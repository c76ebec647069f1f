import { describe, expect, it } from 'vitest';
import { MAX_CHANGE_ROUNDS } from '@shared/booking-machine';
import type { CommandInput, CommandType } from '@shared/commands';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { buildCommand } from './commands';
import { project, targetsOf, type BaseDocs, type Facts, type Me, type ViewCommand } from './optimistic';
import { toViewCommand } from './view-command';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const CLIENT = '0190a000-0000-7000-8000-000000000001';
const OPERATOR = '0190a000-0000-7000-8000-000000000002';
const GIG = '0190a000-0000-7000-8000-0000000000a1';
const BOOKING = '0190a000-0000-7000-8000-0000000000b1';

const client: Me = { id: CLIENT, roles: ['consumer'] };
const operator: Me = { id: OPERATOR, roles: ['operator'] };
const facts = (me: Me, now = NOW): Facts => ({ me, now });

const gig = (over: Partial<StoredDocTypes['gigs']> = {}): StoredDocTypes['gigs'] => ({
  id: GIG,
  clientId: CLIENT,
  clientName: 'Ana',
  title: 'Fix the tap',
  description: 'Kitchen tap drips',
  skills: { plumbing: 2 },
  budget: { amount: 5000, currency: 'USD' },
  location: { lat: 37.78, lng: -122.42 },
  exactLocation: false,
  address: '',
  areaLabel: 'Mission',
  status: 'open',
  createdAt: '2026-11-19T10:00:00.000Z',
  updatedAt: '2026-11-19T10:00:00.000Z',
  version: 1,
  ...over,
});

const booking = (over: Partial<StoredDocTypes['bookings']> = {}): StoredDocTypes['bookings'] => ({
  id: BOOKING,
  gigId: GIG,
  title: 'Fix the tap',
  clientId: CLIENT,
  clientName: 'Ana',
  clientPhone: '+14155550100',
  workerId: OPERATOR,
  workerName: 'Olu',
  workerPhone: '+14155550101',
  price: { amount: 5000, currency: 'USD' },
  status: 'funded',
  changeRounds: 0,
  timeline: [],
  createdAt: '2026-11-19T11:00:00.000Z',
  updatedAt: '2026-11-19T11:00:00.000Z',
  version: 2,
  ...over,
});

const profile = (me: Me, over: Partial<StoredDocTypes['profiles']> = {}): StoredDocTypes['profiles'] => ({
  id: me.id,
  phone: '+14155550101',
  displayName: me === client ? 'Ana' : 'Olu',
  roles: [...me.roles],
  locale: 'en',
  bio: '',
  skills: {},
  available: false,
  updatedAt: '2026-11-19T09:00:00.000Z',
  ...over,
});

const readyOperator = (over: Partial<StoredDocTypes['profiles']> = {}) =>
  profile(operator, { skills: { plumbing: 3 }, home: { lat: 37.7749, lng: -122.4194 }, serviceRadiusKm: 10, available: true, ...over });

function base(docs: { gigs?: StoredDocTypes['gigs'][]; bookings?: StoredDocTypes['bookings'][]; profiles?: StoredDocTypes['profiles'][] }): BaseDocs {
  return {
    gigs: new Map((docs.gigs ?? []).map((d) => [d.id, d])),
    bookings: new Map((docs.bookings ?? []).map((d) => [d.id, d])),
    profiles: new Map((docs.profiles ?? []).map((d) => [d.id, d])),
    messages: new Map(),
  };
}

let clock = NOW;
function cmd<T extends CommandType>(type: T, payload: CommandInput<T>, status: ViewCommand['status'] = 'pending'): ViewCommand {
  clock += 1000;
  const doc = buildCommand(type, payload, new Date(clock));
  return { ...toViewCommand({ ...doc, status })! };
}

const postInput = {
  gigId: GIG,
  title: 'Paint the fence',
  description: '',
  skills: { painting: 2 },
  budget: { amount: 12000, currency: 'EUR' },
  location: { lat: 40.4, lng: -3.7 },
  address: 'Calle Mayor 1',
  areaLabel: 'Centro',
} as const;

describe('gig commands', () => {
  it('gig.post shows a provisional gig, every field unconfirmed', () => {
    const c = cmd('gig.post', postInput);
    const view = project(base({ profiles: [profile(client)] }), [c], facts(client)).gigs.get(GIG)!;
    expect(view).toMatchObject({ status: 'open', title: 'Paint the fence', clientId: CLIENT, clientName: 'Ana', provisional: true, pending: true, pendingCommands: [c.id] });
    expect(view.pendingFields).toContain('title');
    expect(view).not.toHaveProperty('startsAt');
  });

  it('gig.post as a draft, and not at all from an account that cannot post', () => {
    const draft = cmd('gig.post', { ...postInput, publish: false });
    expect(project(base({}), [draft], facts(client)).gigs.get(GIG)?.status).toBe('draft');
    expect(project(base({}), [draft], facts(operator)).gigs.has(GIG)).toBe(false);
  });

  it('gig.post that already expired is left to the server', () => {
    const c = cmd('gig.post', { ...postInput, expiresAt: new Date(NOW - 1000).toISOString() });
    expect(project(base({}), [c], facts(client)).gigs.has(GIG)).toBe(false);
  });

  it('gig.update marks exactly the fields it changes', () => {
    const c = cmd('gig.update', { gigId: GIG, title: 'Fix both taps', budget: { amount: 5000, currency: 'USD' } });
    const view = project(base({ gigs: [gig()] }), [c], facts(client)).gigs.get(GIG)!;
    expect(view.title).toBe('Fix both taps');
    expect(view.pendingFields).toEqual(['title']);
    expect(view).toMatchObject({ pending: true, provisional: false, pendingCommands: [c.id] });
  });

  it('gig.update to what the server already has carries no marks but names the pending command', () => {
    const c = cmd('gig.update', { gigId: GIG, title: 'Fix the tap' });
    const view = project(base({ gigs: [gig()] }), [c], facts(client)).gigs.get(GIG)!;
    expect(view).toMatchObject({ pending: false, pendingFields: [], pendingCommands: [c.id] });
  });

  it('gig.update clears a nullable field by leaving it out', () => {
    const c = cmd('gig.update', { gigId: GIG, startsAt: null });
    const view = project(base({ gigs: [gig({ startsAt: '2026-12-01T09:00:00.000Z' })] }), [c], facts(client)).gigs.get(GIG)!;
    expect(view).not.toHaveProperty('startsAt');
    expect(view.pendingFields).toEqual(['startsAt']);
  });

  it('gig.update by someone who is not the client changes nothing', () => {
    const c = cmd('gig.update', { gigId: GIG, title: 'Mine now' });
    const view = project(base({ gigs: [gig()] }), [c], facts(operator)).gigs.get(GIG)!;
    expect(view.title).toBe('Fix the tap');
    expect(view.pending).toBe(false);
  });

  it('gig.cancel through the machine: open → cancelled with the reason; assigned stays assigned', () => {
    const c = cmd('gig.cancel', { gigId: GIG, reason: 'Fixed it myself' });
    const open = project(base({ gigs: [gig()] }), [c], facts(client)).gigs.get(GIG)!;
    expect(open).toMatchObject({ status: 'cancelled', cancelReason: 'Fixed it myself', pendingFields: ['cancelReason', 'status'] });
    const assigned = project(base({ gigs: [gig({ status: 'assigned' })] }), [c], facts(client)).gigs.get(GIG)!;
    expect(assigned.status).toBe('assigned');
  });

  it('gig.publish turns a draft open, but not an expired one', () => {
    const c = cmd('gig.publish', { gigId: GIG });
    expect(project(base({ gigs: [gig({ status: 'draft' })] }), [c], facts(client)).gigs.get(GIG)?.status).toBe('open');
    const expired = gig({ status: 'draft', expiresAt: new Date(NOW - 1).toISOString() });
    expect(project(base({ gigs: [expired] }), [c], facts(client)).gigs.get(GIG)?.status).toBe('draft');
  });

  it('a chain issued offline folds in order: post, edit, publish', () => {
    const chain = [
      cmd('gig.post', { ...postInput, publish: false }),
      cmd('gig.update', { gigId: GIG, title: 'Paint the whole fence' }),
      cmd('gig.publish', { gigId: GIG }),
    ];
    const view = project(base({}), chain, facts(client)).gigs.get(GIG)!;
    expect(view).toMatchObject({ status: 'open', title: 'Paint the whole fence', provisional: true, pendingCommands: chain.map((c) => c.id) });
  });

  it('a rejected command leaves no trace', () => {
    const c = cmd('gig.update', { gigId: GIG, title: 'Nope' }, 'rejected');
    const out = project(base({ gigs: [gig()] }), [c], facts(client));
    expect(out.gigs.has(GIG)).toBe(false);
  });
});

describe('gig.accept', () => {
  const accept = () => cmd('gig.accept', { gigId: GIG, bookingId: BOOKING });

  it('assigns the gig and shows a provisional booking awaiting payment', () => {
    const c = accept();
    const out = project(base({ gigs: [gig()], profiles: [readyOperator()] }), [c], facts(operator));
    expect(out.gigs.get(GIG)).toMatchObject({ status: 'assigned', bookingId: BOOKING, workerId: OPERATOR, pending: true });
    expect(out.gigs.get(GIG)!.pendingFields).toEqual(['bookingId', 'status', 'workerId']);
    expect(out.bookings.get(BOOKING)).toMatchObject({
      status: 'awaiting_payment',
      gigId: GIG,
      clientId: CLIENT,
      workerId: OPERATOR,
      workerName: 'Olu',
      price: { amount: 5000, currency: 'USD' },
      provisional: true,
      pendingCommands: [c.id],
    });
  });

  it.each([
    ['unavailable', { available: false }],
    ['lacking the skill level', { skills: { plumbing: 1 } as const }],
    ['out of area', { home: { lat: 40.4, lng: -3.7 } }],
  ])('is left to the server when the operator is %s', (_, over) => {
    const out = project(base({ gigs: [gig()], profiles: [readyOperator(over)] }), [accept()], facts(operator));
    expect(out.gigs.get(GIG)?.status).toBe('open');
    expect(out.bookings.has(BOOKING)).toBe(false);
  });

  it('is left to the server when the gig is already taken or expired', () => {
    const taken = project(base({ gigs: [gig({ status: 'assigned' })], profiles: [readyOperator()] }), [accept()], facts(operator));
    expect(taken.bookings.has(BOOKING)).toBe(false);
    const expired = gig({ expiresAt: new Date(NOW - 1).toISOString() });
    expect(project(base({ gigs: [expired], profiles: [readyOperator()] }), [accept()], facts(operator)).bookings.has(BOOKING)).toBe(false);
  });

  it('does not let a client accept their own gig', () => {
    const both: Me = { id: CLIENT, roles: ['consumer', 'operator'] };
    const out = project(base({ gigs: [gig()], profiles: [readyOperator({ id: CLIENT })] }), [accept()], facts(both));
    expect(out.bookings.has(BOOKING)).toBe(false);
  });

  it('follows the profile as pending commands change it: availability first, then accept', () => {
    const chain = [cmd('availability.set', { available: true }), accept()];
    const out = project(base({ gigs: [gig()], profiles: [readyOperator({ available: false })] }), chain, facts(operator));
    expect(out.bookings.get(BOOKING)?.status).toBe('awaiting_payment');
  });
});

describe('booking commands', () => {
  it('booking.start by the worker: funded → in_progress with a timeline entry', () => {
    const c = cmd('booking.start', { bookingId: BOOKING });
    const view = project(base({ bookings: [booking()] }), [c], facts(operator)).bookings.get(BOOKING)!;
    expect(view.status).toBe('in_progress');
    expect(view.timeline.at(-1)).toMatchObject({ event: 'start', status: 'in_progress', by: 'worker', actorId: OPERATOR, at: c.issuedAt });
    expect(view.pendingFields).toEqual(['status', 'timeline']);
  });

  it('booking.start by the client is left to the server', () => {
    const c = cmd('booking.start', { bookingId: BOOKING });
    expect(project(base({ bookings: [booking()] }), [c], facts(client)).bookings.get(BOOKING)?.status).toBe('funded');
  });

  it('booking.request_changes counts rounds and stops at the limit', () => {
    const c = cmd('booking.request_changes', { bookingId: BOOKING, reason: 'Still drips' });
    const once = project(base({ bookings: [booking({ status: 'delivered' })] }), [c], facts(client)).bookings.get(BOOKING)!;
    expect(once).toMatchObject({ status: 'changes_requested', changeRounds: 1 });
    expect(once.timeline.at(-1)?.note).toBe('Still drips');
    const spent = booking({ status: 'delivered', changeRounds: MAX_CHANGE_ROUNDS });
    expect(project(base({ bookings: [spent] }), [c], facts(client)).bookings.get(BOOKING)?.status).toBe('delivered');
  });

  it('booking.deliver from an admin, who is not the worker, is left to the server', () => {
    const admin: Me = { id: 'someone', roles: ['admin'] };
    const deliver = cmd('booking.deliver', { bookingId: BOOKING });
    const out = project(base({ bookings: [booking({ status: 'in_progress' })] }), [deliver], facts(admin));
    expect(out.bookings.get(BOOKING)).toMatchObject({ status: 'in_progress', pending: false, pendingCommands: [deliver.id] });
  });

  it('booking.cancel before work starts, from either side', () => {
    const c = cmd('booking.cancel', { bookingId: BOOKING });
    expect(project(base({ bookings: [booking({ status: 'awaiting_payment' })] }), [c], facts(client)).bookings.get(BOOKING)?.status).toBe('cancelled');
    expect(project(base({ bookings: [booking({ status: 'in_progress' })] }), [c], facts(operator)).bookings.get(BOOKING)?.status).toBe('in_progress');
  });
});

describe('messages and profiles', () => {
  const MESSAGE = '0190a000-0000-7000-8000-0000000000c1';

  it('message.send shows a provisional message to a party of the booking', () => {
    const c = cmd('message.send', { messageId: MESSAGE, bookingId: BOOKING, body: ' On my way ' });
    const view = project(base({ bookings: [booking()] }), [c], facts(operator)).messages.get(MESSAGE)!;
    expect(view).toMatchObject({ body: 'On my way', senderId: OPERATOR, bookingId: BOOKING, createdAt: c.issuedAt, provisional: true });
  });

  it('message.send on a booking the device does not know, or by an outsider, shows nothing', () => {
    const c = cmd('message.send', { messageId: MESSAGE, bookingId: BOOKING, body: 'hi' });
    expect(project(base({}), [c], facts(operator)).messages.has(MESSAGE)).toBe(false);
    expect(project(base({ bookings: [booking()] }), [c], facts({ id: 'x', roles: ['operator'] })).messages.has(MESSAGE)).toBe(false);
  });

  it('a message to a booking accepted offline shows at once', () => {
    const chain = [cmd('gig.accept', { gigId: GIG, bookingId: BOOKING }), cmd('message.send', { messageId: MESSAGE, bookingId: BOOKING, body: 'Accepted!' })];
    const out = project(base({ gigs: [gig()], profiles: [readyOperator()] }), chain, facts(operator));
    expect(out.messages.get(MESSAGE)?.body).toBe('Accepted!');
  });

  it('profile.update patches the own profile; a null removes the field', () => {
    const c = cmd('profile.update', { displayName: 'Olu B.', hourlyRate: null });
    const view = project(base({ profiles: [readyOperator({ hourlyRate: { amount: 3000, currency: 'USD' } })] }), [c], facts(operator)).profiles.get(OPERATOR)!;
    expect(view.displayName).toBe('Olu B.');
    expect(view).not.toHaveProperty('hourlyRate');
    expect(view.pendingFields).toEqual(['displayName', 'hourlyRate']);
  });

  it('profile.update of work fields from a consumer account is left to the server', () => {
    const c = cmd('profile.update', { skills: { cooking: 3 } });
    const view = project(base({ profiles: [profile(client)] }), [c], facts(client)).profiles.get(CLIENT)!;
    expect(view.skills).toEqual({});
  });

  it('availability.set needs skills and a home, as the server says', () => {
    const c = cmd('availability.set', { available: true });
    expect(project(base({ profiles: [profile(operator)] }), [c], facts(operator)).profiles.get(OPERATOR)?.available).toBe(false);
    expect(project(base({ profiles: [readyOperator({ available: false })] }), [c], facts(operator)).profiles.get(OPERATOR)?.available).toBe(true);
  });
});

describe('parsing and targets', () => {
  it('ignores commands this app version cannot read', () => {
    const good = buildCommand('gig.publish', { gigId: GIG });
    expect(toViewCommand({ ...good, type: 'gig.teleport' })).toBeUndefined();
    expect(toViewCommand({ ...good, payload: '{not json' })).toBeUndefined();
    expect(toViewCommand({ ...good, payload: '{"gigId": 42}' })).toBeUndefined();
    expect(toViewCommand(good)).toMatchObject({ type: 'gig.publish', payload: { gigId: GIG } });
  });

  it('names every document a command reads or writes', () => {
    expect(targetsOf(cmd('gig.accept', { gigId: GIG, bookingId: BOOKING }), operator)).toEqual([
      { collection: 'gigs', id: GIG },
      { collection: 'bookings', id: BOOKING },
    ]);
    expect(targetsOf(cmd('availability.set', { available: true }), operator)).toEqual([{ collection: 'profiles', id: OPERATOR }]);
  });
});
