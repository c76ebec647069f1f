// The optimistic view: authoritative documents with the device's unconfirmed commands applied through the
// shared machines (DESIGN, "One write path", step 2). Pure: no database, no clock, no I/O.
import { bookingParties, gigParties } from '@shared/parties';
import { BOOKING_INITIAL, bookingMachine, chatOpen, type BookingEvent } from '@shared/booking-machine';
import type { CommandPayload, CommandType } from '@shared/commands';
import { gigTermsDigest } from '@shared/gig-terms';
import { gigMachine, type GigEvent } from '@shared/gig-machine';
import { can } from '@shared/machine';
import type { CollectionName, CommandDocStatus } from '@shared/replication';
import type { Party, Role } from '@shared/roles';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { gigFactsOf, operatorFactsOf } from './device-facts';

type Gig = StoredDocTypes['gigs'];
type Booking = StoredDocTypes['bookings'];
type Profile = StoredDocTypes['profiles'];

export interface ViewMarks {
  /** Something in this document is not yet confirmed by the server. */
  pending: boolean;
  /** Fields whose shown value differs from the server's: the per-field "not yet confirmed" marks. */
  pendingFields: string[];
  /** Pending commands aimed at this document, applied or not (the server decides the ones the device could not predict). */
  pendingCommands: string[];
  /** The server has not sent this document yet; it exists only through a pending command. */
  provisional: boolean;
}
export type ViewDoc<C extends CollectionName> = StoredDocTypes[C] & ViewMarks;

/** A command as the view needs it: the stored document with its payload parsed. */
export interface ViewCommand {
  id: string;
  type: CommandType;
  payload: unknown;
  issuedAt: string;
  status: CommandDocStatus;
}

export interface Me {
  id: string;
  roles: readonly Role[];
}

export interface Facts {
  me: Me;
  /** The device's clock: good enough to predict, never to decide. */
  now: number;
}

/** Authoritative documents by collection and id; a missing id means the device has no such document. */
export type BaseDocs = { [C in CollectionName]?: ReadonlyMap<string, StoredDocTypes[C]> };
/** Every document some command touched, as the view shows it. */
export type Projection = { [C in CollectionName]: Map<string, ViewDoc<C>> };

/** A projection in which no command touched anything. */
export function emptyProjection(): Projection {
  return { gigs: new Map(), bookings: new Map(), messages: new Map(), profiles: new Map(), commands: new Map(), milestones: new Map(), disputes: new Map() };
}

export interface Target {
  collection: CollectionName;
  id: string;
}


/**
 * The documents a command reads or writes. The view loads these (and the actor's own profile) before
 * projecting, so a device only ever looks at a handful of documents per pending command.
 */
export function targetsOf(cmd: ViewCommand, me: Me): Target[] {
  const p = cmd.payload as Record<string, string>;
  switch (cmd.type) {
    case 'gig.post':
    case 'gig.publish':
    case 'gig.update':
    case 'gig.cancel':
      return [{ collection: 'gigs', id: p.gigId! }];
    case 'gig.accept':
      return [{ collection: 'gigs', id: p.gigId! }, { collection: 'bookings', id: p.bookingId! }];
    case 'booking.start':
    case 'booking.deliver':
    case 'booking.approve':
    case 'booking.request_changes':
    case 'booking.cancel':
    case 'booking.give_back':
      return [{ collection: 'bookings', id: p.bookingId! }];
    case 'milestone.propose':
    case 'milestone.accept':
      return [{ collection: 'bookings', id: p.bookingId! }];
    // Money steps are online-only and not predicted: the milestone or dispute changes as the server answers.
    case 'milestone.fund':
    case 'milestone.submit':
    case 'milestone.approve':
    case 'milestone.request_changes':
    case 'milestone.withdraw':
    case 'dispute.open':
    case 'dispute.add_evidence':
    case 'dispute.accept':
    case 'dispute.resolve':
    case 'payout.request':
      return [];
    case 'message.send':
      return [{ collection: 'messages', id: p.messageId! }, { collection: 'bookings', id: p.bookingId! }];
    case 'profile.update':
    case 'availability.set':
      return [{ collection: 'profiles', id: me.id }];
    case 'user.set_roles':
      return [{ collection: 'profiles', id: p.userId! }];
  }
}

/** Sets or, for null/undefined, removes a field: stored documents leave absent values out. */
function withField<T extends object>(doc: T, key: string, value: unknown): T {
  const out = { ...doc } as Record<string, unknown>;
  if (value === null || value === undefined) delete out[key];
  else out[key] = value;
  return out as T;
}

function patch<T extends object>(doc: T, fields: Record<string, unknown>): T {
  let out = doc;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out = withField(out, k, v);
  return out;
}

const BOOKING_EVENT: Partial<Record<CommandType, BookingEvent>> = {
  'booking.start': 'start',
  'booking.deliver': 'deliver',
  'booking.approve': 'approve',
  'booking.request_changes': 'request_changes',
  'booking.cancel': 'cancel',
  'booking.give_back': 'give_back',
};

/** The working set while folding commands: the latest state of each touched document. */
class Working {
  private readonly docs = new Map<string, object | undefined>();
  constructor(private readonly base: BaseDocs) {}

  private key = (c: CollectionName, id: string) => `${c}\u0000${id}`;

  get<C extends CollectionName>(c: C, id: string): StoredDocTypes[C] | undefined {
    const k = this.key(c, id);
    if (this.docs.has(k)) return this.docs.get(k) as StoredDocTypes[C] | undefined;
    return this.base[c]?.get(id) as StoredDocTypes[C] | undefined;
  }

  set<C extends CollectionName>(c: C, doc: StoredDocTypes[C]): void {
    this.docs.set(this.key(c, (doc as { id: string }).id), doc);
  }

  touched(): [CollectionName, string, object][] {
    return [...this.docs].flatMap(([k, doc]) => {
      const [c, id] = k.split('\u0000') as [CollectionName, string];
      return doc ? [[c, id, doc] as [CollectionName, string, object]] : [];
    });
  }
}

/**
 * Applies one command to the working set, as the server's handler would if it agreed. When the shared
 * machine (or one of the few handler rules the device can check) says no, the command changes nothing
 * here and the server decides.
 */
function apply(w: Working, cmd: ViewCommand, facts: Facts): void {
  const { me, now } = facts;
  const myProfile = w.get('profiles', me.id);
  switch (cmd.type) {
    case 'gig.post': {
      const p = cmd.payload as CommandPayload<'gig.post'>;
      if (w.get('gigs', p.gigId)) return;
      if (!me.roles.includes('consumer')) return;
      if (p.expiresAt && Date.parse(p.expiresAt) <= now) return;
      const gig: Gig = {
        id: p.gigId,
        clientId: me.id,
        clientName: myProfile?.displayName ?? '',
        title: p.title,
        description: p.description,
        skills: p.skills,
        budget: p.budget as Gig['budget'],
        location: p.location,
        exactLocation: true,
        address: p.address,
        areaLabel: p.areaLabel,
        status: p.publish ? 'open' : 'draft',
        createdAt: cmd.issuedAt,
        updatedAt: cmd.issuedAt,
        version: 0,
      };
      w.set('gigs', patch(gig, { startsAt: p.startsAt ?? undefined, expiresAt: p.expiresAt ?? undefined }));
      return;
    }
    case 'gig.publish':
    case 'gig.update':
    case 'gig.cancel': {
      const p = cmd.payload as CommandPayload<'gig.update'> & { reason?: string };
      const gig = w.get('gigs', p.gigId);
      if (!gig) return;
      const event = cmd.type.slice('gig.'.length) as GigEvent;
      const verdict = can(gigMachine, gig.status, event, gigParties(me, gig), { now, gig: gigFactsOf(gig) });
      if (!verdict.ok) return;
      if (cmd.type === 'gig.publish') return w.set('gigs', { ...gig, status: verdict.to });
      if (cmd.type === 'gig.cancel') return w.set('gigs', withField({ ...gig, status: verdict.to }, 'cancelReason', p.reason));
      const { gigId: _, startsAt, expiresAt, ...fields } = p;
      if (expiresAt && Date.parse(expiresAt) <= now) return;
      let next = patch({ ...gig, status: verdict.to }, fields);
      if (startsAt !== undefined) next = withField(next, 'startsAt', startsAt);
      if (expiresAt !== undefined) next = withField(next, 'expiresAt', expiresAt);
      return w.set('gigs', next);
    }
    case 'gig.accept': {
      const p = cmd.payload as CommandPayload<'gig.accept'>;
      const gig = w.get('gigs', p.gigId);
      if (!gig || w.get('bookings', p.bookingId)) return;
      // The client changed the gig since: the server refuses it (gig_changed).
      if (p.seenTerms !== undefined && p.seenTerms !== gigTermsDigest(gig)) return;
      const verdict = can(gigMachine, gig.status, 'accept', gigParties(me, gig), {
        now,
        gig: gigFactsOf(gig),
        operator: operatorFactsOf(me.id, myProfile),
      });
      if (!verdict.ok) return;
      w.set('gigs', { ...gig, status: verdict.to, bookingId: p.bookingId, workerId: me.id });
      w.set('bookings', {
        id: p.bookingId,
        gigId: gig.id,
        title: gig.title,
        clientId: gig.clientId,
        clientName: gig.clientName,
        // The server fills in the client's phone once the booking exists.
        clientPhone: '',
        workerId: me.id,
        workerName: myProfile?.displayName ?? '',
        workerPhone: myProfile?.phone ?? '',
        price: gig.budget,
        status: BOOKING_INITIAL,
        changeRounds: 0,
        timeline: [{ at: cmd.issuedAt, event: 'created', status: BOOKING_INITIAL, by: 'worker', actorId: me.id }],
        createdAt: cmd.issuedAt,
        updatedAt: cmd.issuedAt,
        version: 0,
      });
      return;
    }
    case 'booking.start':
    case 'booking.deliver':
    case 'booking.approve':
    case 'booking.request_changes':
    case 'booking.cancel':
    case 'booking.give_back': {
      const p = cmd.payload as { bookingId: string; note?: string; reason?: string };
      const booking = w.get('bookings', p.bookingId);
      if (!booking) return;
      const event = BOOKING_EVENT[cmd.type]!;
      const parties = bookingParties(me, booking);
      const note = p.note ?? p.reason;
      const verdict = can(bookingMachine, booking.status, event, parties, { now, changeRounds: booking.changeRounds, reason: note });
      if (!verdict.ok) return;
      const by = parties.find((party) => (bookingMachine.events[event].by as readonly Party[]).includes(party))!;
      w.set('bookings', {
        ...booking,
        status: verdict.to,
        changeRounds: booking.changeRounds + (event === 'request_changes' ? 1 : 0),
        timeline: [...booking.timeline, { at: cmd.issuedAt, event, status: verdict.to, by, actorId: me.id, ...(note ? { note } : {}) }],
      });
      return;
    }
    case 'message.send': {
      const p = cmd.payload as CommandPayload<'message.send'>;
      const booking = w.get('bookings', p.bookingId);
      if (!booking || w.get('messages', p.messageId) || !chatOpen(booking.status)) return;
      const parties = bookingParties(me, booking);
      if (!parties.includes('client') && !parties.includes('worker')) return;
      w.set('messages', { id: p.messageId, bookingId: p.bookingId, senderId: me.id, body: p.body, createdAt: cmd.issuedAt, updatedAt: cmd.issuedAt });
      return;
    }
    case 'profile.update': {
      const p = cmd.payload as CommandPayload<'profile.update'>;
      if (!myProfile) return;
      // Mirrors the handler: skills, service area and rate belong to operator accounts.
      const { displayName, locale, bio, ...work } = p;
      const touchesWork = Object.values(work).some((v) => v !== undefined);
      if (touchesWork && !me.roles.includes('operator')) return;
      let next = patch(myProfile, { displayName, locale, bio, skills: work.skills, serviceRadiusKm: work.serviceRadiusKm });
      if (work.home !== undefined) next = withField(next, 'home', work.home);
      if (work.hourlyRate !== undefined) next = withField(next, 'hourlyRate', work.hourlyRate);
      w.set('profiles', next);
      return;
    }
    case 'availability.set': {
      const p = cmd.payload as CommandPayload<'availability.set'>;
      if (!myProfile || !me.roles.includes('operator')) return;
      // Mirrors the handler: going available needs skills and a home location.
      if (p.available && (!myProfile.home || Object.keys(myProfile.skills).length === 0)) return;
      w.set('profiles', { ...myProfile, available: p.available });
      return;
    }
    case 'user.set_roles': {
      const p = cmd.payload as CommandPayload<'user.set_roles'>;
      const target = w.get('profiles', p.userId);
      if (!target || !me.roles.includes('admin')) return;
      w.set('profiles', { ...target, roles: [...p.roles] });
      return;
    }
  }
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The shown value of each field against the server's: the fields that differ carry a mark. */
function changedFields(base: object | undefined, view: object): string[] {
  if (!base) return Object.keys(view).filter((k) => k !== 'id');
  const keys = new Set([...Object.keys(base), ...Object.keys(view)]);
  return [...keys].filter((k) => !same((base as Record<string, unknown>)[k], (view as Record<string, unknown>)[k])).sort();
}

export function marksFor(base: object | undefined, view: object, pendingCommands: string[]): ViewMarks {
  const pendingFields = changedFields(base, view);
  const provisional = base === undefined;
  return { pending: provisional || pendingFields.length > 0, pendingFields, provisional, pendingCommands };
}

/** A document nobody's command touched, shown as the server sent it. */
export function confirmed<C extends CollectionName>(doc: StoredDocTypes[C]): ViewDoc<C> {
  return { ...doc, pending: false, pendingFields: [], pendingCommands: [], provisional: false };
}

/**
 * Folds the commands, in the order they were issued, over the authoritative documents. Returns every
 * document a command touched, with its marks. Commands the device predicts the server will refuse, and
 * rejected ones, leave no trace; callers pass pending and just-applied commands.
 */
export function project(base: BaseDocs, commands: readonly ViewCommand[], facts: Facts): Projection {
  const w = new Working(base);
  const pendingByTarget = new Map<string, string[]>();
  for (const cmd of commands) {
    // A rejected command has no effect anywhere (DESIGN, "One write path", step 4).
    if (cmd.status === 'rejected') continue;
    apply(w, cmd, facts);
    if (cmd.status !== 'pending') continue;
    for (const t of targetsOf(cmd, facts.me)) {
      const k = `${t.collection}\u0000${t.id}`;
      pendingByTarget.set(k, [...(pendingByTarget.get(k) ?? []), cmd.id]);
    }
  }
  const out = emptyProjection();
  for (const [c, id, doc] of w.touched()) {
    const marks = marksFor(base[c]?.get(id), doc, pendingByTarget.get(`${c}\u0000${id}`) ?? []);
    (out[c] as Map<string, object>).set(id, { ...doc, ...marks });
  }
  // A document that pending commands aim at but did not change still says so.
  for (const [k, ids] of pendingByTarget) {
    const [c, id] = k.split('\u0000') as [CollectionName, string];
    const doc = base[c]?.get(id);
    if (doc && !out[c].has(id)) (out[c] as Map<string, object>).set(id, { ...confirmed(doc), pendingCommands: ids });
  }
  return out;
}
