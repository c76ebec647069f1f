// The sync client the UI talks to: issue commands, read optimistic views, watch sync status, sign out.
import {
  auditTime,
  BehaviorSubject,
  combineLatest,
  distinctUntilChanged,
  filter,
  firstValueFrom,
  map,
  of,
  pairwise,
  skip,
  startWith,
  switchMap,
  timeout,
  type Observable,
  type Subscription,
} from 'rxjs';
import type { MangoQuery, RxStorage } from 'rxdb';
import type { CommandInput, CommandType } from '@shared/commands';
import type { CollectionName } from '@shared/replication';
import { REJECTION_MESSAGES } from '@shared/rejections';
import type { Role } from '@shared/roles';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { authorizedFetch, withSilenceLimit } from './authorized-fetch';
import { createFieldworkDatabase, type FieldworkDatabase } from './database';
import { platformOnline$ } from './online';
import type { Me, ViewDoc } from './optimistic';
import type { ConnectionState, Replication, TokenSource } from './replication';
import { createViews } from './views';
import { yieldToMain } from './yield';

type CommandDoc = StoredDocTypes['commands'];

export interface RejectedCommand {
  id: string;
  type: string;
  code: string;
  message: string;
  issuedAt: string;
  /** What it was about, as the person knew it when they acted (a gig's or a booking's title), when known. */
  subject?: string;
}

export interface SyncStatus {
  /** The platform reports a network (navigator.onLine); true where it cannot tell. */
  online: boolean;
  /** The server answers: socket up and the last pull/push of every collection succeeded. */
  connected: boolean;
  /** Commands written on this device and not yet decided by the server. */
  pending: number;
  /** ISO time the device last received the server's state (kept across restarts); null before the first. */
  lastSyncedAt: string | null;
  /** Rejected commands whose reason the user has not dismissed, oldest first. */
  rejected: RejectedCommand[];
}

export interface SyncClientOptions {
  /** Database name: lower case, starting with a letter; one per signed-in user. */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  storage: RxStorage<any, any>;
  /** The signed-in user as POST /auth/verify returned it; roles are refreshed from the own profile once it syncs. */
  user: { id: string; roles?: readonly Role[] };
  url: { http: string; ws?: string };
  getToken: TokenSource;
  fetch?: typeof fetch;
  /** Pull page size (≤ MAX_PULL_LIMIT). */
  batchSize?: number;
  live?: boolean;
  /** Tabs share the database (default true); Node tests pass false. */
  multiInstance?: boolean;
  waitForLeadership?: boolean;
  retryTime?: number;
  /** See ReplicationOptions.silenceMs. */
  silenceMs?: number;
  /** Start replicating at once (default true); false opens the database offline until connect(). */
  connect?: boolean;
  /** Override the platform's online flag (tests, native shells). */
  online$?: Observable<boolean>;
  /** See ViewOptions.settleMs. */
  settleMs?: number;
  /** See DatabaseOptions.collections. */
  collections?: readonly CollectionName[];
}

export interface SyncClient {
  readonly db: FieldworkDatabase;
  readonly userId: string;
  /**
   * Validates the payload (rejects with InvalidCommandError: a programming error), then writes the
   * pending command and resolves with its id once it is stored locally. Works offline; commands are
   * written, and pushed, in the order they were issued.
   */
  /** `subject`: what it is about, when the caller knows better than this device's data (a refused command sent again). */
  issue<T extends CommandType>(type: T, payload: CommandInput<T>, options?: { subject?: string }): Promise<{ id: string }>;
  readonly status$: Observable<SyncStatus>;
  getStatus(): SyncStatus;
  /** Hides a rejection on this device; nothing is sent to the server. */
  dismiss(commandId: string): Promise<void>;
  /** The command once decided (applied or rejected). Rejects after timeoutMs when given. */
  awaitConfirmed(commandId: string, timeoutMs?: number): Promise<CommandDoc>;
  view$<C extends CollectionName>(collection: C, id: string): Observable<ViewDoc<C> | undefined>;
  viewAll$<C extends CollectionName>(collection: C, query?: MangoQuery<StoredDocTypes[C]>): Observable<ViewDoc<C>[]>;
  /** Starts replication (after sign-in, or after disconnect()). */
  connect(): void;
  /** Stops replication; the local database and its pending commands stay. */
  disconnect(): Promise<void>;
  /** The running replication, if any (tests use it to await sync). */
  readonly replication: Replication | undefined;
  /** Resolves when replication has pulled and pushed everything; never while offline. */
  awaitInSync(): Promise<void>;
  /**
   * A request to the sync server's HTTP API (`path` from its root, e.g. "/pay/checkout") with the user's
   * access token, for the few steps that cannot wait in the outbox (being sent to a checkout, uploading
   * evidence). Fails like fetch when there is no network.
   */
  http(path: string, init?: RequestInit): Promise<Response>;
  /** Stops replication and closes the database, keeping its data: what closing the app does. */
  stop(): Promise<void>;
  /** Stops replication and removes the local database with everything in it. */
  signOut(): Promise<void>;
}

const DISMISSED = 'dismissed-rejections';
const SUBJECTS = 'command-subjects';
/** Subjects kept: the newest commands' (a refusal is news only for a while). */
const MAX_SUBJECTS = 100;
const SYNC_STATE = 'sync-state';
const DEVICE = 'device';

interface DeviceDoc {
  /** When this local database was made: refusals of commands from before then are history, not news. */
  createdAt: string;
}

interface DismissedDoc {
  ids: string[];
}
/** Command id → the title of what it was about, kept when the command is written (see subjectOf). */
interface SubjectsDoc {
  byId: Record<string, string>;
}

/**
 * The title of what a command is about, read on this device as it is written: the booking's (named, or through
 * its milestone or dispute), the gig's, or the title the command itself carries (a new gig). Kept beside the
 * command, so that a refusal can name it even after the thing left the device (a gig another worker took).
 */
async function subjectOf(db: FieldworkDatabase, payload: unknown): Promise<string | undefined> {
  const p = (payload ?? {}) as { gigId?: unknown; bookingId?: unknown; milestoneId?: unknown; disputeId?: unknown; title?: unknown };
  const id = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // Tests open only some collections: a missing one knows nothing.
  const find = async <C extends CollectionName>(c: C, key: string | undefined) =>
    key && db.collections[c] ? ((await db.collections[c].findOne(key).exec())?.toJSON() as StoredDocTypes[C] | undefined) : undefined;
  const milestone = await find('milestones', id(p.milestoneId));
  const bookingId = id(p.bookingId) ?? milestone?.bookingId ?? (await find('disputes', id(p.disputeId)))?.bookingId;
  const title = ((await find('bookings', bookingId))?.title ?? (await find('gigs', id(p.gigId)))?.title ?? id(p.title))?.trim();
  // A step of one part names the part first: of a booking of several, the booking's title alone does not say which.
  const part = milestone?.description.trim();
  return (part && title && part !== title ? `${part} · ${title}` : (part || title)) || undefined;
}

/** A command's payload as stored (JSON text), or nothing when it cannot be read. */
function storedPayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
interface SyncStateDoc {
  lastSyncedAt: string | null;
}

function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.online === b.online &&
    a.connected === b.connected &&
    a.pending === b.pending &&
    a.lastSyncedAt === b.lastSyncedAt &&
    a.rejected.length === b.rejected.length &&
    a.rejected.every((r, i) => r.id === b.rejected[i]!.id && r.message === b.rejected[i]!.message && r.subject === b.rejected[i]!.subject)
  );
}

/** How long a request of the money screens may hear nothing before it is given up (the server may be calling the payment provider). */
export const HTTP_SILENCE_MS = 30_000;

export async function createSyncClient(options: SyncClientOptions): Promise<SyncClient> {
  const userId = options.user.id;
  const db = await createFieldworkDatabase({ name: options.name, storage: options.storage, multiInstance: options.multiInstance, collections: options.collections });
  const serverFetch = authorizedFetch(options.getToken, options.fetch);
  // The money screens' reads and steps: given up after a silence, as replication's are, so that a dead link
  // shows the offline state with its Retry rather than "Loading…" for good.
  const httpFetch = withSilenceLimit(serverFetch, HTTP_SILENCE_MS);
  const origin = new URL(options.url.http).origin;
  const subs: Subscription[] = [];

  const me$: Observable<Me> = db.profiles.findOne(userId).$.pipe(
    map((p) => ({ id: userId, roles: [...(p?.roles ?? options.user.roles ?? [])] })),
    distinctUntilChanged((a, b) => a.roles.join() === b.roles.join()),
  );
  const views = createViews({ db, me$, settleMs: options.settleMs });

  // Replication, started and stopped on demand.
  const replication$ = new BehaviorSubject<Replication | undefined>(undefined);
  const connection$: Observable<ConnectionState> = replication$.pipe(
    switchMap((r) => r?.connection$ ?? of({ connected: false, lastSyncedAt: null, leading: false })),
  );

  // The last sync time outlives the process, so an offline app can still say how fresh its data is.
  const stored = await db.getLocal<SyncStateDoc>(SYNC_STATE);
  const lastSyncedAt$ = new BehaviorSubject<string | null>(stored?.toJSON().data.lastSyncedAt ?? null);
  let persistedLastSync = lastSyncedAt$.value;
  subs.push(
    connection$.subscribe(({ lastSyncedAt, leading }) => {
      if (!lastSyncedAt) return;
      const iso = lastSyncedAt.toISOString();
      if (iso === lastSyncedAt$.value) return;
      // A time the leading tab told of is the one it stores itself.
      if (!leading) persistedLastSync = iso;
      lastSyncedAt$.next(iso);
    }),
    // Written at most four times a second (an initial sync is many pulls) and on stop; a reload or crash right
    // after a sync loses at most a quarter second of "last synced".
    lastSyncedAt$.pipe(skip(1), auditTime(250)).subscribe(() => void persistLastSync()),
  );
  async function persistLastSync() {
    const iso = lastSyncedAt$.value;
    if (iso === persistedLastSync) return;
    persistedLastSync = iso;
    await db.upsertLocal<SyncStateDoc>(SYNC_STATE, { lastSyncedAt: iso }).catch(() => undefined);
  }

  const online$ = (options.online$ ?? platformOnline$()).pipe(distinctUntilChanged());
  // Back online: pull now instead of waiting for the next retry.
  subs.push(
    online$.pipe(startWith(false), pairwise()).subscribe(([was, is]) => {
      if (!was && is) replication$.value?.reSync();
    }),
  );

  // A fresh device pulls the user's whole command history; only refusals issued since it exists are shown.
  const device = (await db.getLocal<DeviceDoc>(DEVICE)) ?? (await db.upsertLocal<DeviceDoc>(DEVICE, { createdAt: new Date().toISOString() }));
  const deviceCreatedAt = device.toJSON().data.createdAt;
  const dismissed$ = db.getLocal$<DismissedDoc>(DISMISSED).pipe(map((d) => new Set(d?.toJSON().data.ids ?? [])));
  const subjects$ = db.getLocal$<SubjectsDoc>(SUBJECTS).pipe(map((d) => d?.toJSON().data.byId ?? {}));
  const rejected$ = combineLatest([
    db.commands.find({ selector: { status: 'rejected', issuedAt: { $gte: deviceCreatedAt } }, sort: [{ issuedAt: 'asc' }] }).$,
    dismissed$,
    subjects$,
  ]).pipe(
    // A command sent from another of the person's devices has no subject kept here: it is read from this device's data.
    switchMap(([docs, dismissed, subjects]) =>
      Promise.all(
        docs
          .filter((d) => !dismissed.has(d.id))
          .map(async (d) => {
            const code = d.rejectionCode ?? 'invalid_command';
            const subject = Object.hasOwn(subjects, d.id) ? subjects[d.id] : await subjectOf(db, storedPayload(d.payload));
            return { id: d.id, type: d.type, code, message: d.rejectionMessage ?? REJECTION_MESSAGES[code] ?? '', issuedAt: d.issuedAt, ...(subject ? { subject } : {}) };
          }),
      ),
    ),
  );

  const initial: SyncStatus = { online: true, connected: false, pending: 0, lastSyncedAt: lastSyncedAt$.value, rejected: [] };
  const status = new BehaviorSubject<SyncStatus>(initial);
  subs.push(
    combineLatest([online$, connection$, views.pending$, lastSyncedAt$, rejected$])
      .pipe(
        map(([online, conn, pending, lastSyncedAt, rejected]) => ({ online, connected: conn.connected, pending: pending.length, lastSyncedAt, rejected })),
        // Every pull and push re-emits its sources; screens re-render only when something they show changed.
        distinctUntilChanged(sameStatus),
      )
      .subscribe(status),
  );

  async function keepSubject(commandId: string, subject: string) {
    const kept = Object.entries((await db.getLocal<SubjectsDoc>(SUBJECTS))?.toJSON().data.byId ?? {});
    await db.upsertLocal<SubjectsDoc>(SUBJECTS, { byId: Object.fromEntries([...kept.slice(-(MAX_SUBJECTS - 1)), [commandId, subject]]) });
  }

  // Commands are inserted one after another so that issue order is write order, and so push order.
  let writes: Promise<unknown> = Promise.resolve();
  let dismissals: Promise<unknown> = Promise.resolve();

  // The replication code (GraphQL, sockets) is its own chunk, fetched once the app has shown local data.
  let wanted = false;
  let connecting: Promise<void> | null = null;
  function connect() {
    wanted = true;
    if (replication$.value || connecting) return;
    connecting = import('./replication')
      .then(async ({ startReplication }) => {
        await yieldToMain(); // evaluating the chunk was one task; starting the replications is the next
        if (!wanted || replication$.value) return;
        replication$.next(
          startReplication({
            db,
            userId,
            url: options.url,
            getToken: options.getToken,
            fetch: options.fetch,
            batchSize: options.batchSize,
            live: options.live,
            waitForLeadership: options.waitForLeadership,
            retryTime: options.retryTime,
            silenceMs: options.silenceMs,
          }),
        );
      })
      .finally(() => {
        connecting = null;
      });
  }

  async function disconnect() {
    wanted = false;
    await connecting?.catch(() => undefined);
    const r = replication$.value;
    if (!r) return;
    replication$.next(undefined);
    await r.stop();
  }

  async function shutDown() {
    await disconnect();
    await writes.catch(() => undefined);
    await dismissals.catch(() => undefined);
    subs.forEach((s) => s.unsubscribe());
    await persistLastSync();
    views.close();
    status.complete();
  }

  if (options.connect ?? true) connect();

  return {
    db,
    userId,
    issue(type, payload, options) {
      // The validator loads with the first command; later ones find it in memory.
      const written = writes.then(async () => {
        const { buildCommand } = await import('./commands');
        const doc = buildCommand(type, payload);
        // What it is about, read before the command's own effect on this device (an accepted gig leaves the feed).
        const subject = options?.subject ?? (await subjectOf(db, payload).catch(() => undefined));
        await db.commands.insert(doc);
        if (subject) await keepSubject(doc.id, subject).catch(() => undefined);
        return { id: doc.id };
      });
      writes = written.catch(() => undefined);
      return written;
    },
    status$: status.asObservable(),
    getStatus: () => status.value,
    dismiss(commandId) {
      const done = dismissals.then(async () => {
        const current = await db.getLocal<DismissedDoc>(DISMISSED);
        const ids = new Set(current?.toJSON().data.ids ?? []);
        if (ids.has(commandId)) return;
        await db.upsertLocal<DismissedDoc>(DISMISSED, { ids: [...ids, commandId] });
      });
      dismissals = done.catch(() => undefined);
      return done;
    },
    awaitConfirmed(commandId, timeoutMs) {
      const decided$ = db.commands.findOne(commandId).$.pipe(
        filter((d) => d !== null && d.status !== 'pending'),
        map((d) => d!.toJSON() as CommandDoc),
      );
      return firstValueFrom(timeoutMs === undefined ? decided$ : decided$.pipe(timeout({ first: timeoutMs })));
    },
    view$: views.view$,
    viewAll$: views.viewAll$,
    connect,
    disconnect,
    get replication() {
      return replication$.value;
    },
    http: (path, init) => httpFetch(new URL(path, origin).href, init),
    async awaitInSync() {
      await connecting;
      const r = replication$.value;
      if (!r) throw new Error('not connected');
      await r.awaitInSync();
    },
    async stop() {
      await shutDown();
      await db.close();
    },
    async signOut() {
      await shutDown();
      await db.remove();
    },
  };
}

