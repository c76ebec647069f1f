// Pulls: each collection's changes after a checkpoint, scoped to the viewer and projected for them.
//
// The replication contract (DESIGN.md, "The replication contract"):
//  1. Order. Every row carries change_xid, the id of the transaction that last wrote it; (change_xid, id)
//     orders all changes, and the checkpoint is the last pair a device has seen.
//  2. No gaps. Transactions commit out of order, so a row whose transaction is at or above the oldest
//     one still running (pg_snapshot_xmin) is held back: a smaller xid may still commit. Everything
//     below that watermark is final, and the checkpoint never passes a row that could still appear.
//  3. Scope. A row is sent whole, projected (fewer fields), or as a tombstone when the viewer may no
//     longer see it. Candidates are the rows the viewer may see now or could have seen before (their
//     previous scope travels in the checkpoint, signed by the server, while a restart catches up).
//  4. Tombstones, never hard deletes: `deleted: true` documents.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  CollectionName, Checkpoint, DocTypes, GigDoc, BookingDoc, MessageDoc, ProfileDoc, CommandDoc, MilestoneDoc, DisputeDoc,
  DisputeAttachmentDoc, DisputeEvidenceDoc, PullBulk,
} from '@shared/replication';
import { publicPoint, withinRadius } from '@shared/geo';
import { money, splitFee, type CurrencyCode, type Money } from '@shared/money';
import { skillsFit } from '@shared/skills';
import type { Db } from '../db/sql';
import { isAdmin, type Viewer } from './viewer';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** What the checkpoint remembers about the scope it was made under. */
export interface ScopeMark {
  /** The viewer's scope fingerprint. */
  h: string;
  /** Operator area [lat, lng, km], if any. */
  a: [number, number, number] | null;
  adm: boolean;
  /**
   * The scopes before a restart, kept until the restart has caught up, for tombstones: every operator area
   * the device may still hold rows from (a second change while a restart is unfinished adds to them).
   */
  p?: { a: Area[]; adm: boolean } | undefined;
}

type Area = [number, number, number];

/** Earlier areas a mark keeps at most; changing area more often than this before a pull catches up is not seen. */
const MAX_PREVIOUS_AREAS = 4;

function areaOf(v: Viewer): [number, number, number] | null {
  const o = v.operator;
  return o?.home ? [o.home.lat, o.home.lng, o.radiusKm] : null;
}

const markOf = (v: Viewer): ScopeMark => ({ h: v.scope, a: areaOf(v), adm: isAdmin(v) });

/**
 * Whether a checkpoint's mark was made under the scope the collection has now (scopeOf): the whole
 * fingerprint for gigs, being an admin for the rest, nothing for commands. Read from the mark's facts rather
 * than from a fingerprint per collection, so that marks signed before the collections' scopes were told apart
 * (and by instances that still tell them apart so, during a rolling deploy) carry over without a restart.
 */
function sameScope(before: ScopeMark, now: ScopeMark, collection: CollectionName): boolean {
  if (collection === 'gigs') return before.h === now.h;
  return collection === 'commands' || before.adm === now.adm;
}

/**
 * The key that signs scope marks, derived from the server secret under its own label so that a mark's
 * MAC is never also an access token's or a code hash's.
 */
function scopeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('sync checkpoint scope mark').digest();
}

/** 16 bytes of HMAC-SHA256 (22 characters): forging one is out of reach, and every pull carries it. */
const MAC_BYTES = 16;

/** The mark is bound to its user: one user's mark (an admin's, say) says nothing about another's scope. */
function macOf(secret: string, userId: string, payload: string): Buffer {
  return createHmac('sha256', scopeKey(secret)).update(`${userId}.${payload}`).digest().subarray(0, MAC_BYTES);
}

/** The mark as a checkpoint carries it: base64url JSON, a dot, its MAC. */
export function encodeScope(secret: string, v: Viewer, m: ScopeMark): string {
  const payload = Buffer.from(JSON.stringify(m)).toString('base64url');
  return `${payload}.${macOf(secret, v.id, payload).toString('base64url')}`;
}

/** The widest service area a profile may have (profile.update's serviceRadiusKm, migration 001's check). */
const MAX_AREA_KM = 200;

/**
 * An area as a mark carries it, bounded to what a real scope can be. The signature already keeps devices
 * from choosing it; this keeps even a mark that verified from asking for a scan wider than any scope.
 */
/** Earlier areas: a list of them, or one area as marks wrote it before a second change was kept. */
function areasIn(x: unknown): Area[] {
  const list = Array.isArray(x) && x.every(Array.isArray) ? x.slice(0, MAX_PREVIOUS_AREAS) : [x];
  return list.map(areaIn).filter((a): a is Area => a !== null);
}

function areaIn(x: unknown): [number, number, number] | null {
  if (!Array.isArray(x) || x.length !== 3 || !x.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  const [lat, lng, km] = x as [number, number, number];
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180 || km <= 0) return null;
  return [lat, lng, Math.min(km, MAX_AREA_KM)];
}

/**
 * The mark this server signed for this viewer, or null. A mark whose signature does not verify is no
 * mark at all: the device's previous scope decides which rows it is sent (every admin's id, a whole
 * area's gigs), so only the server may state it. Marks from before marks were signed have no signature
 * and read as none too: those devices start over once, as for a checkpoint without a mark, and a device
 * caught mid-restart then is not told to drop what its earlier scope held.
 */
function decodeScope(secret: string, v: Viewer, s: string | null | undefined): ScopeMark | null {
  const [payload, mac, extra] = (s ?? '').split('.');
  if (!payload || !mac || extra !== undefined) return null;
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, macOf(secret, v.id, payload))) return null;
  try {
    const m = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown> | null;
    if (typeof m?.h !== 'string') return null;
    const p = m.p as Record<string, unknown> | null | undefined;
    return { h: m.h, a: areaIn(m.a), adm: m.adm === true, p: p ? { a: areasIn(p.a), adm: p.adm === true } : undefined };
  } catch {
    return null;
  }
}

/** Where to read from, and which earlier scope's rows may need tombstones. */
interface Cursor {
  xid: string;
  id: string;
  mark: ScopeMark;
}

const XID = /^\d{1,20}$/;
/** The largest xid8: twenty digits may say more than Postgres's type holds. */
const MAX_XID8 = 2n ** 64n - 1n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

function cursorFor(secret: string, viewer: Viewer, collection: CollectionName, cp: Checkpoint | null): Cursor {
  const now = markOf(viewer);
  if (!cp) return { xid: '0', id: NIL_UUID, mark: now };
  if (!XID.test(cp.xid) || BigInt(cp.xid) > MAX_XID8 || !UUID.test(cp.id)) throw new CheckpointError('The checkpoint is not one this server issued.');
  const before = decodeScope(secret, viewer, cp.scope);
  if (before && sameScope(before, now, collection)) return { xid: cp.xid, id: cp.id, mark: { ...now, p: before.p } };
  // The scope changed (or the checkpoint has no mark this server signed): start over, remembering what
  // the device may hold from before so that it can be told to drop it: from the scope it had, and, when a
  // restart was still catching up, from the scopes that one was dropping.
  if (!before) return { xid: '0', id: NIL_UUID, mark: now };
  const earlier = [before.a, ...(before.p?.a ?? [])].filter((a): a is Area => a !== null);
  const areas = earlier.filter((a, i) => earlier.findIndex((b) => b.join() === a.join()) === i).slice(0, MAX_PREVIOUS_AREAS);
  return { xid: '0', id: NIL_UUID, mark: { ...now, p: { a: areas, adm: before.adm || before.p?.adm === true } } };
}

/** A tombstone: the id and `deleted`, with the other fields at neutral values the schema accepts. */
const EPOCH = new Date(0).toISOString();
const iso = (d: Date | string | null | undefined) => (d == null ? null : typeof d === 'string' ? new Date(d).toISOString() : d.toISOString());

// ---------------------------------------------------------------------------------------------------
// Gigs

interface GigRow {
  id: string; clientId: string; clientName: string; title: string; description: string; skills: GigDoc['skills'];
  budgetAmount: number; currency: GigDoc['budget']['currency']; lat: number; lng: number; address: string; areaLabel: string;
  startsAt: Date | null; expiresAt: Date | null; status: GigDoc['status']; bookingId: string | null; currentWorker: string | null;
  bookingStatus: BookingDoc['status'] | null;
  cancelReason: string | null; createdAt: Date; updatedAt: Date; version: number; deleted: boolean; changeXid: string;
}

function gigTombstone(id: string): GigDoc {
  return {
    id, clientId: NIL_UUID, clientName: '', title: '', description: '', skills: {}, budget: { amount: 0, currency: 'USD' },
    location: { lat: 0, lng: 0 }, exactLocation: false, address: '', areaLabel: '', startsAt: null, expiresAt: null,
    status: 'cancelled', bookingId: null, workerId: null, cancelReason: null, createdAt: EPOCH, updatedAt: EPOCH, version: 0, deleted: true,
  };
}

/**
 * Whether an operator may see an open gig in the feed: the shared skills rule, inside the service area (judged
 * on the gig's public point, as accepting it is: see publicPoint), not expired.
 */
function inFeed(v: Viewer, g: GigRow, now: number): boolean {
  const o = v.operator;
  return (
    o !== null && o.home !== null && g.status === 'open' && g.clientId !== v.id &&
    (g.expiresAt === null || g.expiresAt.getTime() > now) &&
    skillsFit(o.skills, g.skills) && withinRadius(o.home, o.radiusKm, publicPoint({ lat: g.lat, lng: g.lng }))
  );
}

/**
 * Booking statuses in which its two parties have each other's phone numbers, and the worker the gig's door:
 * once the client has paid into escrow, and not after a cancellation. Accepting a gig is the worker's act
 * alone, and cancelling before payment is free: without this, any operator could accept, read, cancel, and
 * do it again.
 */
const CONTACT_SHARED: ReadonlySet<BookingDoc['status']> = new Set(['funded', 'in_progress', 'delivered', 'changes_requested', 'completed', 'disputed', 'resolved']);

export function projectGig(v: Viewer, g: GigRow, now: number): GigDoc {
  if (g.deleted) return gigTombstone(g.id);
  // The worker of the gig's booking sees it whether or not it is in their feed; the door only once paid for.
  const booked = g.currentWorker !== null && g.currentWorker === v.id;
  const full = isAdmin(v) || g.clientId === v.id || (booked && g.bookingStatus !== null && CONTACT_SHARED.has(g.bookingStatus));
  if (!full && !booked && !inFeed(v, g, now)) return gigTombstone(g.id);
  return {
    id: g.id, clientId: g.clientId, clientName: g.clientName, title: g.title, description: g.description, skills: g.skills,
    budget: { amount: g.budgetAmount, currency: g.currency },
    location: full ? { lat: g.lat, lng: g.lng } : publicPoint({ lat: g.lat, lng: g.lng }),
    exactLocation: full, address: full ? g.address : '', areaLabel: g.areaLabel,
    startsAt: iso(g.startsAt), expiresAt: iso(g.expiresAt), status: g.status, bookingId: full || booked ? g.bookingId : null,
    workerId: full || booked ? g.currentWorker : null, cancelReason: g.cancelReason, createdAt: iso(g.createdAt)!, updatedAt: iso(g.updatedAt)!,
    version: g.version, deleted: false,
  };
}

/**
 * An area condition as SQL: the earth_box is a superset; projectGig applies the distance. A gig is near where
 * it is, or where it was before it last moved: a phone that holds it from there gets the deletion. Judged,
 * like the feed, on public points (see publicPoint): the rows this picks are answered with tombstones when
 * not visible, so judged on the exact spot, a moving area would find any gig's door by its tombstone. The
 * rounding is JavaScript's Math.round on the same doubles (floor of x·100 + 0.5), not numeric round(), which
 * takes halves away from zero and would place about half of all x.xx5 coordinates 0.01° from where the feed
 * does. The box is a kilometre wider than the area: earthdistance's Earth is 0.11% larger than ours, and a
 * box's face is the radius itself.
 */
function near(db: Db, area: [number, number, number] | null | undefined) {
  if (!area) return db`false`;
  const box = db`earth_box(ll_to_earth(${area[0]}, ${area[1]}), ${(area[2] + 1) * 1000})`;
  return db`(
    ${box} @> ll_to_earth(floor(g.lat * 100 + 0.5) / 100, floor(g.lng * 100 + 0.5) / 100)
    or (g.prev_lat is not null and ${box} @> ll_to_earth(floor(g.prev_lat * 100 + 0.5) / 100, floor(g.prev_lng * 100 + 0.5) / 100)))`;
}

function gigCandidates(db: Db, v: Viewer, c: Cursor) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  return db`(
    ${admin}
    or g.client_id = ${v.id}
    or exists (select 1 from bookings wb where wb.worker_id = ${v.id} and wb.gig_id = g.id)
    -- A draft has been shown to no one else, so no one else's device holds it: not even a tombstone is owed.
    or (g.status <> 'draft' and (${near(db, c.mark.a)} or ${(c.mark.p?.a ?? []).reduce((earlier, a) => db`${earlier} or ${near(db, a)}`, db`false`)}))
  )`;
}

async function pullGigs(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const rows = await db<GigRow[]>`
    select g.id, g.client_id, g.title, g.description, g.skills, g.budget_amount, g.currency, g.lat, g.lng, g.address, g.area_label,
           g.starts_at, g.expires_at, g.status, g.booking_id, g.cancel_reason, g.created_at, g.updated_at, g.version, g.deleted,
           g.change_xid::text as change_xid, u.display_name as client_name, b.worker_id as current_worker, b.status as booking_status
    from gigs g
    join users u on u.id = g.client_id
    left join bookings b on b.id = g.booking_id
    where ${ids ? db`g.id = any(${ids}::uuid[])` : db`(g.change_xid, g.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and g.change_xid < pg_snapshot_xmin(pg_current_snapshot())`}
      and ${gigCandidates(db, v, c)}
    order by g.change_xid, g.id
    limit ${limit}`;
  const now = Date.now();
  return { rows, docs: rows.map((r) => projectGig(v, r, now)) };
}

// ---------------------------------------------------------------------------------------------------
// Bookings

interface BookingRow {
  id: string; gigId: string | null; title: string | null; clientId: string; clientName: string; clientPhone: string;
  workerId: string; workerName: string; workerPhone: string; amount: number; currency: BookingDoc['price']['currency'];
  status: BookingDoc['status']; changeRounds: number; timeline: BookingDoc['timeline']; createdAt: Date; updatedAt: Date;
  version: number; deleted: boolean; changeXid: string;
}

function bookingTombstone(id: string): BookingDoc {
  return {
    id, gigId: null, title: '', clientId: NIL_UUID, clientName: '', clientPhone: '', workerId: NIL_UUID, workerName: '', workerPhone: '',
    price: { amount: 0, currency: 'USD' }, status: 'cancelled', changeRounds: 0, timeline: [], createdAt: EPOCH, updatedAt: EPOCH, version: 0, deleted: true,
  };
}

export function projectBooking(v: Viewer, b: BookingRow): BookingDoc {
  if (b.deleted || !(isAdmin(v) || b.clientId === v.id || b.workerId === v.id)) return bookingTombstone(b.id);
  // Mediators always; each party the other's number while contact is shared (CONTACT_SHARED), and always their own.
  const phones = isAdmin(v) || CONTACT_SHARED.has(b.status);
  return {
    id: b.id, gigId: b.gigId, title: b.title ?? '', clientId: b.clientId, clientName: b.clientName,
    clientPhone: phones || b.clientId === v.id ? b.clientPhone : '',
    workerId: b.workerId, workerName: b.workerName, workerPhone: phones || b.workerId === v.id ? b.workerPhone : '', price: { amount: b.amount, currency: b.currency },
    status: b.status, changeRounds: b.changeRounds, timeline: b.timeline, createdAt: iso(b.createdAt)!, updatedAt: iso(b.updatedAt)!,
    version: b.version, deleted: false,
  };
}

async function pullBookings(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  const rows = await db<BookingRow[]>`
    select b.id, b.gig_id, b.client_id, b.worker_id, b.amount, b.currency, b.status, b.change_rounds, b.timeline, b.created_at,
           b.updated_at, b.version, b.deleted, g.title, cu.display_name as client_name, cu.phone as client_phone,
           wu.display_name as worker_name, wu.phone as worker_phone, b.change_xid::text as change_xid
    from bookings b
    left join gigs g on g.id = b.gig_id
    join users cu on cu.id = b.client_id
    join users wu on wu.id = b.worker_id
    where ${ids ? db`b.id = any(${ids}::uuid[])` : db`(b.change_xid, b.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and b.change_xid < pg_snapshot_xmin(pg_current_snapshot())`}
      and (${admin} or b.client_id = ${v.id} or b.worker_id = ${v.id})
    order by b.change_xid, b.id
    limit ${limit}`;
  return { rows, docs: rows.map((r) => projectBooking(v, r)) };
}

// ---------------------------------------------------------------------------------------------------
// Messages

interface MessageRow {
  id: string; bookingId: string; senderId: string; body: string; clientId: string; workerId: string;
  createdAt: Date; updatedAt: Date; deleted: boolean; changeXid: string;
}

function projectMessage(v: Viewer, m: MessageRow): MessageDoc {
  if (m.deleted || !(isAdmin(v) || m.clientId === v.id || m.workerId === v.id))
    return { id: m.id, bookingId: m.bookingId, senderId: NIL_UUID, body: '', createdAt: EPOCH, updatedAt: EPOCH, deleted: true };
  return { id: m.id, bookingId: m.bookingId, senderId: m.senderId, body: m.body, createdAt: iso(m.createdAt)!, updatedAt: iso(m.updatedAt)!, deleted: false };
}

async function pullMessages(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  const rows = await db<MessageRow[]>`
    select m.id, m.booking_id, m.sender_id, m.body, m.created_at, m.updated_at, m.deleted, b.client_id, b.worker_id,
           m.change_xid::text as change_xid
    from messages m
    join bookings b on b.id = m.booking_id
    where ${ids ? db`m.id = any(${ids}::uuid[])` : db`(m.change_xid, m.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and m.change_xid < pg_snapshot_xmin(pg_current_snapshot())`}
      and (${admin} or b.client_id = ${v.id} or b.worker_id = ${v.id})
    order by m.change_xid, m.id
    limit ${limit}`;
  return { rows, docs: rows.map((r) => projectMessage(v, r)) };
}

// ---------------------------------------------------------------------------------------------------
// Profiles: a person's own profile; every profile for admins (roles are managed there).

interface ProfileRow {
  id: string; phone: string; displayName: string; roles: ProfileDoc['roles']; locale: ProfileDoc['locale']; bio: string;
  skills: ProfileDoc['skills'] | null; homeLat: number | null; homeLng: number | null; serviceRadiusKm: number | null;
  available: boolean | null; hourlyRateAmount: number | null; hourlyRateCurrency: string | null; updatedAt: Date; deleted: boolean; changeXid: string;
}

function projectProfile(v: Viewer, p: ProfileRow): ProfileDoc {
  if (p.deleted || !(isAdmin(v) || p.id === v.id))
    return { id: p.id, phone: '', displayName: '', roles: [], locale: 'en', bio: '', skills: {}, home: null, serviceRadiusKm: null, available: false, hourlyRate: null, updatedAt: EPOCH, deleted: true };
  return {
    id: p.id, phone: p.phone, displayName: p.displayName, roles: p.roles, locale: p.locale, bio: p.bio, skills: p.skills ?? {},
    home: p.homeLat !== null && p.homeLng !== null ? { lat: p.homeLat, lng: p.homeLng } : null,
    serviceRadiusKm: p.serviceRadiusKm, available: p.available ?? false,
    hourlyRate: p.hourlyRateAmount !== null ? { amount: p.hourlyRateAmount, currency: p.hourlyRateCurrency as Money['currency'] } : null,
    updatedAt: iso(p.updatedAt)!, deleted: false,
  };
}

async function pullProfiles(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  // A profile is a user row and an operator_profiles row; it changed when either did.
  const rows = await db<ProfileRow[]>`
    select * from (
      select u.id, u.phone, u.display_name, u.roles, u.locale, u.bio, u.deleted, p.skills, p.home_lat, p.home_lng,
             p.service_radius_km, p.available, p.hourly_rate_amount, p.hourly_rate_currency,
             greatest(u.updated_at, p.updated_at) as updated_at,
             greatest(u.change_xid, p.change_xid) as cx
      from users u left join operator_profiles p on p.user_id = u.id
      where ${admin} or u.id = ${v.id}
    ) s
    where ${ids ? db`s.id = any(${ids}::uuid[])` : db`(s.cx, s.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and s.cx < pg_snapshot_xmin(pg_current_snapshot())`}
    order by s.cx, s.id
    limit ${limit}`;
  return { rows: rows.map((r) => ({ ...r, changeXid: String((r as unknown as { cx: string }).cx) })), docs: rows.map((r) => projectProfile(v, r)) };
}

// ---------------------------------------------------------------------------------------------------
// Commands: each device sees the commands of its user, with their outcomes.

interface CommandRow {
  id: string; type: string; payload: unknown; issuedAt: Date; status: 'applied' | 'rejected'; result: unknown;
  rejectionCode: CommandDoc['rejectionCode']; rejectionMessage: string | null; decidedAt: Date | null; updatedAt: Date; deleted: boolean; changeXid: string;
}

export function commandDoc(r: Omit<CommandRow, 'changeXid'>): CommandDoc {
  return {
    id: r.id, type: r.type, payload: JSON.stringify(r.payload ?? null), issuedAt: iso(r.issuedAt)!, status: r.status,
    result: r.result == null ? null : JSON.stringify(r.result), rejectionCode: r.rejectionCode, rejectionMessage: r.rejectionMessage,
    decidedAt: iso(r.decidedAt), updatedAt: iso(r.updatedAt)!, deleted: r.deleted,
  };
}

async function pullCommands(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const rows = await db<CommandRow[]>`
    select id, type, payload, issued_at, status, result, rejection_code, rejection_message, decided_at, updated_at, deleted,
           change_xid::text as change_xid
    from commands
    where actor_id = ${v.id}
      and ${ids ? db`id = any(${ids}::uuid[])` : db`(change_xid, id) > (${c.xid}::xid8, ${c.id}::uuid)
      and change_xid < pg_snapshot_xmin(pg_current_snapshot())`}
    order by change_xid, id
    limit ${limit}`;
  return { rows, docs: rows.map(commandDoc) };
}

// ---------------------------------------------------------------------------------------------------
// Milestones: the booking's two parties; admins also every milestone of a booking with a dispute, which
// mediators weigh together.

interface MilestoneRow {
  id: string; bookingId: string; clientId: string; workerId: string; position: number; description: string; amount: number;
  currency: CurrencyCode; feeBps: number; dueAt: Date | null; status: MilestoneDoc['status']; changeRounds: number;
  paymentExpiresAt: Date | null; checkoutUrl: string | null; fundedAt: Date | null; submittedAt: Date | null; autoApproveAt: Date | null;
  settledAt: Date | null; releasedAmount: number; refundedAmount: number; feeAmount: number; transferredAt: Date | null;
  timeline: MilestoneDoc['timeline']; createdAt: Date; updatedAt: Date; version: number; deleted: boolean; mediated: boolean; changeXid: string;
}

function milestoneTombstone(id: string): MilestoneDoc {
  const none = { amount: 0, currency: 'USD' } as const;
  return {
    id, bookingId: NIL_UUID, clientId: NIL_UUID, workerId: NIL_UUID, position: 0, description: '', amount: none, feeBps: 0, fee: none, net: none,
    dueAt: null, status: 'cancelled', changeRounds: 0, paymentExpiresAt: null, checkoutUrl: null, fundedAt: null, submittedAt: null,
    autoApproveAt: null, settledAt: null, releasedAmount: none, refundedAmount: none, feeAmount: none, transferredAt: null, timeline: [],
    createdAt: EPOCH, updatedAt: EPOCH, version: 0, deleted: true,
  };
}

export function projectMilestone(v: Viewer, m: MilestoneRow): MilestoneDoc {
  const client = m.clientId === v.id;
  const worker = m.workerId === v.id;
  const admin = isAdmin(v) && m.mediated;
  if (m.deleted || !(client || worker || admin)) return milestoneTombstone(m.id);
  const of = (amount: number) => money(amount, m.currency);
  const { fee, net } = splitFee(of(m.amount), m.feeBps);
  return {
    id: m.id, bookingId: m.bookingId, clientId: m.clientId, workerId: m.workerId, position: m.position, description: m.description,
    amount: of(m.amount), feeBps: m.feeBps, fee, net, dueAt: iso(m.dueAt), status: m.status, changeRounds: m.changeRounds,
    paymentExpiresAt: iso(m.paymentExpiresAt),
    // Where the client pays; nobody else has any use for it.
    checkoutUrl: client && m.status === 'payment_pending' ? m.checkoutUrl : null,
    fundedAt: iso(m.fundedAt), submittedAt: iso(m.submittedAt), autoApproveAt: iso(m.autoApproveAt), settledAt: iso(m.settledAt),
    releasedAmount: of(m.releasedAmount), refundedAmount: of(m.refundedAmount), feeAmount: of(m.feeAmount),
    transferredAt: worker || admin ? iso(m.transferredAt) : null,
    timeline: m.timeline, createdAt: iso(m.createdAt)!, updatedAt: iso(m.updatedAt)!, version: m.version, deleted: false,
  };
}

/** A milestone's columns as MilestoneRow reads them, from `milestones m`. */
const milestoneColumns = (db: Db) => db`
  m.id, m.booking_id, m.client_id, m.worker_id, m.position, m.description, m.amount, m.currency, m.fee_bps, m.due_at,
  m.status, m.change_rounds, m.payment_expires_at, m.checkout_url, m.funded_at, m.submitted_at, m.auto_approve_at,
  m.settled_at, m.released_amount, m.refunded_amount, m.fee_amount, m.transferred_at, m.timeline, m.created_at,
  m.updated_at, m.version, m.deleted`;

/**
 * A booking's milestones as an admin reads them on its page, whether or not it has a dispute (replication sends
 * admins only those of disputed bookings, which mediators weigh together): where each part's money is, read
 * when asked. Null for a booking that does not exist.
 */
export async function bookingMilestonesForAdmin(db: Db, v: Viewer, bookingId: string): Promise<MilestoneDoc[] | null> {
  const [rows, [booking]] = await Promise.all([
    db<MilestoneRow[]>`select ${milestoneColumns(db)}, true as mediated, m.change_xid::text as change_xid from milestones m where m.booking_id = ${bookingId} and not m.deleted order by m.position, m.id`,
    db`select 1 from bookings where id = ${bookingId} and not deleted`,
  ]);
  if (!booking) return null;
  return rows.map((r) => projectMilestone(v, r));
}

async function pullMilestones(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  // For an admin a milestone also changes when its booking's disputes do: it enters their scope with the
  // booking's first dispute, whenever the milestone itself was last written. (Any transaction writing a
  // dispute later is at or above the watermark of every earlier pull, so the checkpoint stays gap-free.)
  // Disputes are never deleted: a booking that had one stays in mediators' scope.
  const rows = await db<(MilestoneRow & { cx: string })[]>`
    select * from (
      select ${milestoneColumns(db)}, d.last is not null as mediated, greatest(m.change_xid, d.last) as cx
      from milestones m
      left join lateral (select max(d.change_xid) as last from disputes d where ${admin} and d.booking_id = m.booking_id) d on true
      where ${admin} or m.client_id = ${v.id} or m.worker_id = ${v.id}
    ) s
    where ${ids ? db`s.id = any(${ids}::uuid[])` : db`(s.cx, s.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and s.cx < pg_snapshot_xmin(pg_current_snapshot())`}
      and (s.mediated or s.client_id = ${v.id} or s.worker_id = ${v.id})
    order by s.cx, s.id
    limit ${limit}`;
  return { rows: rows.map((r) => ({ ...r, changeXid: String(r.cx) })), docs: rows.map((r) => projectMilestone(v, r)) };
}

// ---------------------------------------------------------------------------------------------------
// Disputes: the booking's two parties, and every admin (mediators work from the queue).

interface DisputeRow {
  id: string; bookingId: string; milestoneId: string; clientId: string; workerId: string; openedBy: DisputeDoc['openedBy'];
  openedById: string; reason: string; refundAmount: number; amount: number; currency: CurrencyCode; status: DisputeDoc['status'];
  respondBy: Date; respondedAt: Date | null; evidence: StoredEvidence[]; outcome: DisputeDoc['outcome'];
  resolvedHow: DisputeDoc['resolvedHow']; releasedAmount: number | null; refundedAmount: number | null;
  resolutionReason: string | null; openedAt: Date; resolvedAt: Date | null; createdAt: Date; updatedAt: Date; version: number;
  deleted: boolean; attachments: DisputeAttachmentDoc[]; changeXid: string;
}

/** An evidence entry as migration 007 stores it: attachments by id. */
interface StoredEvidence {
  id: string; by: DisputeEvidenceDoc['by']; actorId: string; text?: string; messageIds?: string[]; attachmentIds?: string[]; at: string;
}

function disputeTombstone(id: string): DisputeDoc {
  const none = { amount: 0, currency: 'USD' } as const;
  return {
    id, bookingId: NIL_UUID, milestoneId: NIL_UUID, clientId: NIL_UUID, workerId: NIL_UUID, openedBy: 'client', openedById: NIL_UUID,
    reason: '', amount: none, refundAmount: none, status: 'resolved', respondBy: EPOCH, respondedAt: null, evidence: [], outcome: null,
    resolvedHow: null, releasedAmount: null, refundedAmount: null, resolutionReason: null, openedAt: EPOCH, resolvedAt: null,
    createdAt: EPOCH, updatedAt: EPOCH, version: 0, deleted: true,
  };
}

export function projectDispute(v: Viewer, d: DisputeRow): DisputeDoc {
  if (d.deleted || !(isAdmin(v) || d.clientId === v.id || d.workerId === v.id)) return disputeTombstone(d.id);
  const of = (amount: number) => money(amount, d.currency);
  // Only files some evidence cites are shown: an upload not yet cited is its uploader's draft.
  const files = new Map(d.attachments.map((a) => [a.id, a]));
  const evidence = d.evidence.map((e): DisputeEvidenceDoc => ({
    id: e.id, by: e.by, actorId: e.actorId, text: e.text ?? '', messageIds: e.messageIds ?? [],
    attachments: (e.attachmentIds ?? []).flatMap((id) => files.get(id) ?? []), at: iso(e.at)!,
  }));
  return {
    id: d.id, bookingId: d.bookingId, milestoneId: d.milestoneId, clientId: d.clientId, workerId: d.workerId, openedBy: d.openedBy,
    openedById: d.openedById, reason: d.reason, amount: of(d.amount), refundAmount: of(d.refundAmount), status: d.status,
    respondBy: iso(d.respondBy)!, respondedAt: iso(d.respondedAt), evidence, outcome: d.outcome, resolvedHow: d.resolvedHow,
    releasedAmount: d.releasedAmount === null ? null : of(d.releasedAmount), refundedAmount: d.refundedAmount === null ? null : of(d.refundedAmount),
    resolutionReason: d.resolutionReason, openedAt: iso(d.openedAt)!, resolvedAt: iso(d.resolvedAt), createdAt: iso(d.createdAt)!,
    updatedAt: iso(d.updatedAt)!, version: d.version, deleted: false,
  };
}

async function pullDisputes(db: Db, v: Viewer, c: Cursor, limit: number, ids?: string[]) {
  const admin = c.mark.adm || c.mark.p?.adm === true;
  // Attachments are written before the evidence that cites them and never change, so the dispute's own
  // change_xid covers them. Their bytes stay behind GET /disputes/attachments/:id.
  const rows = await db<DisputeRow[]>`
    select d.id, d.booking_id, d.milestone_id, d.client_id, d.worker_id, d.opened_by, d.opened_by_id, d.reason, d.refund_amount,
           d.amount, d.currency, d.status, d.respond_by, d.responded_at, d.evidence, d.outcome, d.resolved_how, d.released_amount,
           d.refunded_amount, d.resolution_reason, d.opened_at, d.resolved_at, d.created_at, d.updated_at, d.version, d.deleted,
           (select coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'contentType', a.content_type, 'size', a.size)), '[]')
            from dispute_attachments a where a.dispute_id = d.id) as attachments,
           d.change_xid::text as change_xid
    from disputes d
    where ${ids ? db`d.id = any(${ids}::uuid[])` : db`(d.change_xid, d.id) > (${c.xid}::xid8, ${c.id}::uuid)
      and d.change_xid < pg_snapshot_xmin(pg_current_snapshot())`}
      and (${admin} or d.client_id = ${v.id} or d.worker_id = ${v.id})
    order by d.change_xid, d.id
    limit ${limit}`;
  return { rows, docs: rows.map((r) => projectDispute(v, r)) };
}

// ---------------------------------------------------------------------------------------------------

const PULLERS = {
  gigs: pullGigs, bookings: pullBookings, messages: pullMessages, profiles: pullProfiles, commands: pullCommands,
  milestones: pullMilestones, disputes: pullDisputes,
} as const;

/**
 * One page of a collection's changes for this viewer, and the checkpoint to ask from next. `secret` is
 * the server secret (Deps.secret): the checkpoint's scope mark is signed with a key derived from it.
 */
export async function pull<C extends CollectionName>(db: Db, secret: string, viewer: Viewer, collection: C, checkpoint: Checkpoint | null, limit: number): Promise<PullBulk<DocTypes[C]>> {
  const cursor = cursorFor(secret, viewer, collection, checkpoint);
  const { rows, docs } = await PULLERS[collection](db, viewer, cursor, limit);
  const last = rows.at(-1);
  // Once a restart has caught up, the previous scope has been answered for.
  const caughtUp = rows.length < limit;
  const mark: ScopeMark = { h: cursor.mark.h, a: cursor.mark.a, adm: cursor.mark.adm, ...(caughtUp ? {} : { p: cursor.mark.p }) };
  return {
    documents: docs as DocTypes[C][],
    checkpoint: { xid: last ? last.changeXid : cursor.xid, id: last ? last.id : cursor.id, scope: encodeScope(secret, viewer, mark) },
  };
}

/** The viewer's current copies of the given documents (what a refused push gets back as its conflicts). */
export async function masters<C extends CollectionName>(db: Db, viewer: Viewer, collection: C, ids: string[]): Promise<DocTypes[C][]> {
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return [];
  const { docs } = await PULLERS[collection](db, viewer, { xid: '0', id: NIL_UUID, mark: markOf(viewer) }, valid.length, valid);
  return (docs as DocTypes[C][]).filter((d) => !d.deleted);
}

/** The checkpoint of "now" for this viewer: where a live stream starts reading. */
export async function currentCheckpoint(db: Db, secret: string, viewer: Viewer): Promise<Checkpoint> {
  const [row] = await db<{ xid: string }[]>`select (pg_snapshot_xmin(pg_current_snapshot())::text::numeric - 1)::text as xid`;
  const xid = row!.xid === '-1' ? '0' : row!.xid;
  return { xid, id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', scope: encodeScope(secret, viewer, markOf(viewer)) };
}
