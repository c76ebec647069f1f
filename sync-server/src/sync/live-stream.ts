// One live stream subscription (streamX over graphql-ws): a server-side cursor into one collection for one
// viewer, woken by change notes and answered through the same scoped, gap-free pull devices use.
//
// The rules, against the replication contract (DESIGN.md) and pull.ts:
//  1. Start. The subscription registers for notes first, then takes its cursor at "now"
//     (currentCheckpoint) and first sends a RESYNC event: the device pulls over HTTP *after* the cursor
//     exists, so nothing can fall between the device's own pull and the stream. (RxDB also stores a stream
//     event's checkpoint as its pull checkpoint, so a stream that started ahead of the device's last pull
//     would make it skip rows for good.) Transactions still running at the start are waited for (rule 3).
//  2. Wake. A note for transaction x raises `target` to x and marks the stream due. A note below `done`
//     (already handed out) is ignored. Notes cost a comparison; nothing else happens until a pull is due.
//  3. Pull. At most one pull runs per subscription (the iterator is pulled by graphql-ws one event at a
//     time, which also applies the socket's backpressure). A cycle takes a watermark probe (shared with
//     every subscription woken by the same note) *before* pulling, pulls pages of PAGE from the cursor
//     until a short page, emits non-empty pages and advances the cursor. Afterwards everything below the
//     probe has been handed out: `done` = probe. If `target` is not below `done`, an older transaction
//     still holds the watermark back; the stream waits on the shared watermark timer (25 ms doubling to
//     250 ms) and pulls again once the watermark has passed `target`.
//  4. Scope. A note about the viewer's own user or operator profile, or notes missed while the listener
//     was away (onMissed), reloads the viewer; if the collection's scope changed (scopeOf: roles, skills
//     and area for gigs, being an admin for the rest), the stream sends RESYNC and starts a new cursor at
//     "now" (the device's pull restarts the collection and drops what left its scope).
//
// Memory: a subscription holds its viewer, cursor, two bigints and a few flags (about 1–2 KiB of its own;
// with graphql-js's per-subscription execution state about 13 KiB of heap, and about 21 KiB of RSS per
// subscription including its socket, measured with 1,000 subscriptions). No timer and no query while idle;
// a slow socket holds no queue (nothing is pulled until the previous event was written).
import type { Checkpoint, CollectionName, DocTypes, PullBulk } from '@shared/replication';
import { RESYNC_CHECKPOINT_ID, streamField } from '@shared/replication';
import type { Sql } from '../db/sql';
import type { Logger } from '../log';
import type { Change, ChangeFeed, ChangeSubscriber, FeedArea } from './notifications';
import { currentCheckpoint, pull } from './pull';
import { isAdmin, loadViewer, scopeOf, type Viewer } from './viewer';

/** Documents per stream page. */
export const PAGE = 200;
/** Pause after a failed pull, doubling up to the maximum; the stream keeps trying (the database may be restarting). */
const ERROR_PAUSE_MS = 250;
const ERROR_PAUSE_MAX_MS = 5000;

/** The account behind a stream no longer exists. */
export class ViewerGoneError extends Error {
  override name = 'ViewerGoneError';
}

export type StreamEvent<C extends CollectionName> = Record<string, PullBulk<DocTypes[C]>>;

export const resyncBulk = (): PullBulk<never> => ({ documents: [], checkpoint: { xid: '0', id: RESYNC_CHECKPOINT_ID } });

function feedArea(viewer: Viewer, collection: CollectionName): FeedArea | null {
  const o = viewer.operator;
  return collection === 'gigs' && o?.home ? { home: o.home, radiusKm: o.radiusKm, skills: o.skills } : null;
}

/** Which notes a collection's stream pulls for (routing has already decided the note may concern the user). */
function pullsFor(collection: CollectionName, change: Change, own: boolean): boolean {
  switch (change.table) {
    case 'gigs':
      return collection === 'gigs';
    case 'bookings':
      return collection === 'bookings' || (collection === 'gigs' && change.created === true);
    case 'messages':
      return collection === 'messages';
    case 'commands':
      return collection === 'commands' && own;
    case 'users':
    case 'operator_profiles':
      return collection === 'profiles';
    case 'milestones':
      return collection === 'milestones';
    // A booking's first dispute brings its milestones into mediators' scope (pull.ts, pullMilestones).
    case 'disputes':
      return collection === 'disputes' || collection === 'milestones';
    case 'sessions':
      return false;
  }
}

export interface LiveStreamDeps {
  sql: Sql;
  /** The server secret: the checkpoints a stream hands out carry a scope mark signed with a key derived from it. */
  secret: string;
  feed: ChangeFeed;
  log: Logger;
  /** The viewer no longer exists (account deleted): the connection should end. */
  onGone: () => void;
}

export class LiveStream<C extends CollectionName> implements ChangeSubscriber, AsyncIterableIterator<StreamEvent<C>> {
  admin = false;
  area: FeedArea | null = null;
  private viewer!: Viewer;
  private readonly field: string;
  private cursor: Checkpoint = { xid: '0', id: '' };
  /** Highest transaction a note (or the start) says may have written something this stream has not sent. */
  private target = -1n;
  /** Every transaction below this has been handed out (or predates the stream's start). */
  private done = 0n;
  /** When the latest note arrived: a cycle's probe must be taken after it. */
  private wokeAt = 0;
  private due = false;
  /** The last page was full: keep pulling before the cycle ends. */
  private more = false;
  private cycleWatermark = 0n;
  private reload = false;
  private resync = true;
  private errors = 0;
  private cancelWait: (() => void) | null = null;
  private wakeIterator: (() => void) | null = null;
  private closed = false;

  private constructor(
    private readonly deps: LiveStreamDeps,
    readonly userId: string,
    readonly collection: C,
  ) {
    this.field = streamField(collection);
  }

  /**
   * Registers the stream, loads the viewer as it is now and places the cursor at "now" (rule 1). Notes
   * naming the user are received from the first step; notes routed by role or area from the second, and
   * anything committed before that is below the probe taken in the third.
   */
  static async open<C extends CollectionName>(deps: LiveStreamDeps, userId: string, collection: C): Promise<LiveStream<C>> {
    const s = new LiveStream(deps, userId, collection);
    deps.feed.registry.add(s);
    try {
      const viewer = await loadViewer(deps.sql, userId);
      if (!viewer) throw new ViewerGoneError();
      s.setViewer(viewer);
      await s.restart();
    } catch (e) {
      deps.feed.registry.remove(s);
      throw e;
    }
    return s;
  }

  private setViewer(viewer: Viewer): void {
    this.viewer = viewer;
    this.admin = isAdmin(viewer);
    this.area = feedArea(viewer, this.collection);
    this.deps.feed.registry.update(this);
  }

  /** A fresh cursor at "now" for the current viewer; transactions running meanwhile become the target. */
  private async restart(): Promise<void> {
    // Probe first: anything that committed before this subscription was registered is below its xmax.
    const snap = await this.deps.feed.watermark.after(performance.now());
    this.cursor = await currentCheckpoint(this.deps.sql, this.deps.secret, this.viewer);
    this.done = snap.xmin;
    // A note that arrived meanwhile may name a transaction above xmax: keep the larger target.
    if (snap.xmax - 1n > this.target) this.target = snap.xmax - 1n;
    this.more = false;
    this.cancelWait?.();
    this.cancelWait = null;
    if (this.target >= this.done) this.wake(performance.now());
  }

  // --- ChangeSubscriber -------------------------------------------------------------------------------

  onChange(change: Change, at: number): void {
    if (this.closed) return;
    const own = change.users.includes(this.userId);
    if (own && (change.table === 'users' || change.table === 'operator_profiles')) {
      this.reload = true;
      this.signal();
    }
    if (!pullsFor(this.collection, change, own) || change.xid < this.done) return;
    if (change.xid > this.target) this.target = change.xid;
    this.wake(at);
  }

  onMissed(xid: bigint, at: number): void {
    if (this.closed) return;
    // Notes were lost while the listener was away, a change of this viewer's roles or area perhaps: the
    // viewer is read again (rule 4) before the next page, so no page goes out under a scope it lost.
    this.reload = true;
    if (xid > this.target) this.target = xid;
    this.wake(at);
  }

  private wake(at: number): void {
    if (at > this.wokeAt) this.wokeAt = at;
    this.due = true;
    this.signal();
  }

  private signal(): void {
    const w = this.wakeIterator;
    this.wakeIterator = null;
    w?.();
  }

  // --- AsyncIterator ----------------------------------------------------------------------------------

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StreamEvent<C>>> {
    while (!this.closed) {
      try {
        if (this.reload) {
          this.reload = false;
          await this.reloadViewer();
          continue;
        }
        if (this.resync) {
          this.resync = false;
          return { value: { [this.field]: resyncBulk() }, done: false };
        }
        if (!this.due && !this.more) {
          await new Promise<void>((resolve) => (this.wakeIterator = resolve));
          continue;
        }
        const bulk = await this.pullPage();
        this.errors = 0;
        if (bulk && bulk.documents.length > 0) return { value: { [this.field]: bulk }, done: false };
      } catch (err) {
        // The database is unreachable or a query failed: keep the stream, try again shortly.
        const pause = Math.min(ERROR_PAUSE_MS * 2 ** this.errors++, ERROR_PAUSE_MAX_MS);
        this.deps.log.warn({ err, collection: this.collection, userId: this.userId, pause }, 'stream pull failed');
        this.due = true;
        await new Promise((r) => setTimeout(r, pause));
      }
    }
    return { value: undefined, done: true };
  }

  /** One page of the current cycle (rule 3); null when the stream closed meanwhile. */
  private async pullPage(): Promise<PullBulk<DocTypes[C]> | null> {
    if (!this.more) {
      this.due = false;
      this.cycleWatermark = (await this.deps.feed.watermark.after(this.wokeAt)).xmin;
      if (this.closed) return null;
    }
    const bulk = await pull(this.deps.sql, this.deps.secret, this.viewer, this.collection, this.cursor, PAGE);
    if (this.closed) return null;
    if (bulk.checkpoint) this.cursor = bulk.checkpoint;
    this.more = bulk.documents.length >= PAGE;
    if (!this.more) this.endCycle();
    return bulk;
  }

  private endCycle(): void {
    if (this.cycleWatermark > this.done) this.done = this.cycleWatermark;
    if (this.target < this.done || this.due || this.cancelWait) return;
    // Transaction `target` has committed but an older one still holds the watermark at or below it.
    this.cancelWait = this.deps.feed.watermark.waitAbove(this.target, (probeStartedAt) => {
      this.cancelWait = null;
      this.wake(probeStartedAt);
    });
  }

  /** Rule 4: the viewer's scope may have changed. */
  private async reloadViewer(): Promise<void> {
    const next = await loadViewer(this.deps.sql, this.userId);
    if (this.closed) return;
    if (!next) {
      this.deps.onGone();
      await this.return();
      return;
    }
    if (scopeOf(next, this.collection) === scopeOf(this.viewer, this.collection)) {
      this.viewer = next;
      return;
    }
    this.setViewer(next);
    await this.restart();
    this.resync = true;
  }

  async return(): Promise<IteratorResult<StreamEvent<C>>> {
    if (!this.closed) {
      this.closed = true;
      this.deps.feed.registry.remove(this);
      this.cancelWait?.();
      this.cancelWait = null;
      this.signal();
    }
    return { value: undefined, done: true };
  }

  async throw(err?: unknown): Promise<IteratorResult<StreamEvent<C>>> {
    await this.return();
    throw err;
  }
}
