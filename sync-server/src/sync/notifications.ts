// Change notifications: one LISTEN connection per server instance on channel fw_changes (written by the
// triggers of migrations 002, 004 and 007), parsed into routing notes and handed to the stream subscriptions they may
// concern. This is how a change made through any instance reaches sockets held by every other one.
//
// Routing is deliberately a superset: a note wakes a subscription, and the subscription's own scoped
// pull decides what (if anything) the device receives. Who is woken:
//  - the users a note names (client, worker, actor, the user of a profile or session);
//  - operators whose service area holds the gig's new or old position and whose skills fit the gig's
//    new or old requirements, for gigs that are or were open (only then can the operator feed change);
//  - admins, for everything.
import { publicPoint, withinRadius, type LatLng } from '@shared/geo';
import { skillsFit, type SkillLevels } from '@shared/skills';
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import { Watermark } from './watermark';

export const CHANGE_CHANNEL = 'fw_changes';

export const CHANGE_TABLES = ['gigs', 'bookings', 'messages', 'milestones', 'disputes', 'commands', 'users', 'operator_profiles', 'sessions'] as const;
export type ChangeTable = (typeof CHANGE_TABLES)[number];

/** A parsed routing note. */
export interface Change {
  table: ChangeTable;
  /** The writing transaction (the change_xid of what it wrote). */
  xid: bigint;
  /** Users the change names directly. */
  users: string[];
  /** Gigs only, and only when the gig is or was open: where it is and was, and what it needs and needed. */
  feed?: { points: LatLng[]; skills: SkillLevels[] };
  /** Bookings only: a new booking (its worker may now see its gig, whichever row was written first). */
  created?: boolean;
  /** Sessions only. */
  session?: { id: string; revoked: boolean };
}

const isTable = (t: unknown): t is ChangeTable => typeof t === 'string' && (CHANGE_TABLES as readonly string[]).includes(t);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): SkillLevels | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as SkillLevels) : null);

/** A note as the triggers write it; anything malformed (or not ours) is null. */
export function parseChange(payload: string): Change | null {
  let n: Record<string, unknown>;
  try {
    n = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!n || typeof n !== 'object' || !isTable(n.t) || typeof n.x !== 'string' || !/^\d{1,20}$/.test(n.x)) return null;
  const users = [n.client, n.worker, n.oldWorker, n.actor, n.user].map(str).filter((u): u is string => u !== null);
  const change: Change = { table: n.t, xid: BigInt(n.x), users: [...new Set(users)] };
  if (n.t === 'gigs' && n.open === true) {
    const points: LatLng[] = [];
    const lat = num(n.lat), lng = num(n.lng), oldLat = num(n.oldLat), oldLng = num(n.oldLng);
    if (lat !== null && lng !== null) points.push({ lat, lng });
    if (oldLat !== null && oldLng !== null) points.push({ lat: oldLat, lng: oldLng });
    const skills = [obj(n.skills), obj(n.oldSkills)].filter((s): s is SkillLevels => s !== null);
    change.feed = { points, skills };
  }
  if (n.t === 'bookings' && n.created === true) change.created = true;
  if (n.t === 'sessions') {
    const sid = str(n.sid);
    if (sid) change.session = { id: sid, revoked: n.revoked === true };
  }
  return change;
}

/** An operator's feed: open gigs within radiusKm of home that their skills fit. */
export interface FeedArea {
  home: LatLng;
  radiusKm: number;
  skills: SkillLevels;
}

export function feedConcerns(area: FeedArea, feed: NonNullable<Change['feed']>): boolean {
  // No skills in the note (not expected) means "could be anyone's".
  const fits = feed.skills.length === 0 || feed.skills.some((needs) => skillsFit(area.skills, needs));
  // On public points, as the feed itself is judged (pull.ts inFeed).
  return fits && feed.points.some((p) => withinRadius(area.home, area.radiusKm, publicPoint(p)));
}

/** What a stream subscription offers the registry. */
export interface ChangeSubscriber {
  readonly userId: string;
  /** Receives every note (admins see everything). */
  readonly admin: boolean;
  /** Receives notes about gigs in this feed area (operators' gig streams). */
  readonly area: FeedArea | null;
  /** A note that may concern this subscriber; `at` is when it arrived (performance.now()). */
  onChange(change: Change, at: number): void;
  /**
   * Notes may have been lost (the LISTEN connection was re-established): catch up from the cursor, up to
   * transaction `xid` (the last one that could have started before listening resumed).
   */
  onMissed(xid: bigint, at: number): void;
}

/** In-memory index from routing keys to live subscriptions, for one process. */
export class ChangeRegistry {
  private readonly byUser = new Map<string, Set<ChangeSubscriber>>();
  private readonly admins = new Set<ChangeSubscriber>();
  private readonly areas = new Set<ChangeSubscriber>();
  private readonly revocations = new Map<string, Set<() => void>>();

  get size(): number {
    let n = 0;
    for (const s of this.byUser.values()) n += s.size;
    return n;
  }

  add(sub: ChangeSubscriber): void {
    let set = this.byUser.get(sub.userId);
    if (!set) this.byUser.set(sub.userId, (set = new Set()));
    set.add(sub);
    if (sub.admin) this.admins.add(sub);
    if (sub.area) this.areas.add(sub);
  }

  remove(sub: ChangeSubscriber): void {
    const set = this.byUser.get(sub.userId);
    if (set) {
      set.delete(sub);
      if (set.size === 0) this.byUser.delete(sub.userId);
    }
    this.admins.delete(sub);
    this.areas.delete(sub);
  }

  /** Re-reads `admin` and `area` after the subscriber's scope changed. */
  update(sub: ChangeSubscriber): void {
    this.remove(sub);
    this.add(sub);
  }

  /** Calls `fn` when session `sid` is revoked; returns the unsubscribe. */
  onSessionRevoked(sid: string, fn: () => void): () => void {
    let set = this.revocations.get(sid);
    if (!set) this.revocations.set(sid, (set = new Set()));
    set.add(fn);
    return () => {
      const s = this.revocations.get(sid);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.revocations.delete(sid);
    };
  }

  /** Sessions some socket of this instance is open under. */
  watchedSessions(): string[] {
    return [...this.revocations.keys()];
  }

  sessionRevoked(sid: string): void {
    for (const fn of [...(this.revocations.get(sid) ?? [])]) fn();
  }

  dispatch(change: Change, at = performance.now()): void {
    if (change.table === 'sessions') {
      if (change.session?.revoked) this.sessionRevoked(change.session.id);
      return;
    }
    const woken = new Set<ChangeSubscriber>();
    for (const u of change.users) for (const s of this.byUser.get(u) ?? []) woken.add(s);
    for (const s of this.admins) woken.add(s);
    if (change.feed) for (const s of this.areas) if (s.area && feedConcerns(s.area, change.feed)) woken.add(s);
    for (const s of woken) s.onChange(change, at);
  }

  /** Every subscription catches up to `xid`: used after the LISTEN connection came back. */
  missedAll(xid: bigint, at = performance.now()): void {
    for (const set of this.byUser.values()) for (const s of set) s.onMissed(xid, at);
  }
}

export interface ChangeFeed {
  readonly registry: ChangeRegistry;
  readonly watermark: Watermark;
  close(): Promise<void>;
}

/**
 * Starts listening. postgres.js keeps the LISTEN connection up by itself (re-listening after it drops or
 * the database restarts); every LISTEN after the first means notes may have been lost meanwhile, so every
 * subscription catches up from its cursor, and every session with a socket here is read again.
 */
export async function startChangeFeed(sql: Sql, log: Logger): Promise<ChangeFeed> {
  const registry = new ChangeRegistry();
  const watermark = new Watermark(sql, (e) => log.warn({ err: e }, 'watermark probe failed'));
  let listens = 0;
  const handle = await sql.listen(
    CHANGE_CHANNEL,
    (payload) => {
      const change = parseChange(payload);
      if (!change) {
        log.warn({ payload: payload.slice(0, 200) }, 'ignored a malformed change note');
        return;
      }
      try {
        registry.dispatch(change);
      } catch (err) {
        log.error({ err, table: change.table }, 'change dispatch failed');
      }
    },
    () => {
      if (listens++ === 0) return;
      log.warn('change notifications re-established; streams catch up');
      // Listening again now: whatever committed while deaf started below the current xmax.
      const at = performance.now();
      watermark.after(at).then(
        (snap) => registry.missedAll(snap.xmax - 1n, at),
        (err) => {
          log.error({ err }, 'could not probe the watermark after re-listening; streams catch up on their next note');
        },
      );
      // A revocation made while deaf would otherwise leave its sockets open until their tokens expire.
      const sessions = registry.watchedSessions();
      if (sessions.length > 0)
        sql<{ id: string }[]>`select id from sessions where id = any(${sessions}::uuid[]) and revoked_at is not null`.then(
          (revoked) => revoked.forEach((r) => registry.sessionRevoked(r.id)),
          (err) => log.error({ err }, 'could not re-read sessions after re-listening; a revoked one keeps its sockets until its token expires'),
        );
    },
  );
  return {
    registry,
    watermark,
    async close() {
      watermark.close();
      await handle.unlisten().catch(() => undefined);
    },
  };
}
