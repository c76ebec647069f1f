// Replication of the local database with the sync server over GraphQL (DESIGN, "The replication contract").
import { BehaviorSubject, EMPTY, combineLatest, distinctUntilChanged, from, interval, map, startWith, switchMap, type Observable } from 'rxjs';
import type { SyncOptionsGraphQL } from 'rxdb';
import {
  GRAPHQL_WEBSOCKET_BY_URL,
  replicateGraphQL,
  type RxGraphQLReplicationState,
} from 'rxdb/plugins/replication-graphql';
import {
  COLLECTIONS,
  FIELDS,
  MAX_PULL_LIMIT,
  MAX_PUSH_ROWS,
  RESYNC_CHECKPOINT_ID,
  pullField,
  pushField,
  streamField,
  type Checkpoint,
  type CollectionName,
  type DocTypes,
  type PullBulk,
} from '@shared/replication';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { v4 as uuidv4 } from 'uuid';
import { authorizedFetch, withSilenceLimit, type TokenSource } from './authorized-fetch';
import type { FieldworkDatabase } from './database';
import { shareConnection } from './shared-connection';

export { authorizedFetch, type TokenSource } from './authorized-fetch';

export interface ReplicationOptions {
  db: FieldworkDatabase;
  /** Part of the replication identifier: another user's checkpoints are never reused. */
  userId: string;
  /** `http` is POST /graphql; `ws` the graphql-ws endpoint on the same path (omit for HTTP-only). */
  url: { http: string; ws?: string };
  getToken: TokenSource;
  fetch?: typeof fetch;
  /** How long a pull or push may hear nothing before it is given up and retried (REPLICATION_SILENCE_MS). */
  silenceMs?: number;
  /** Documents per pull, at most MAX_PULL_LIMIT. Set explicitly: the plugin's default (20) makes an initial sync chatty. */
  batchSize?: number;
  /** Commands per push, at most MAX_PUSH_ROWS. */
  pushBatchSize?: number;
  /** Keep pulling from the stream (default). false: one pull and push round, then stop. */
  live?: boolean;
  /**
   * In a browser only the leading tab replicates (default true), and the other tabs show the connection it
   * tells them of (see shareConnection); Node tests have one instance.
   */
  waitForLeadership?: boolean;
  /** Wait between retries of a failed pull or push, in ms. */
  retryTime?: number;
  /** Ping interval on the socket; a ping without a pong within the same time drops and reconnects it. */
  keepAliveMs?: number;
  /** While there is no stream (no socket, or it is down), pull this often. Some networks block sockets. */
  pollIntervalMs?: number;
}

export type CollectionReplication<C extends CollectionName> = RxGraphQLReplicationState<StoredDocTypes[C], Checkpoint>;

export interface ConnectionState {
  /** The socket is up (when there is one) and the last pull or push of every collection succeeded. */
  connected: boolean;
  /** When the device last received the server's state: a successful pull or a stream event. */
  lastSyncedAt: Date | null;
  /** This tab replicates; false where the state is what the leading tab told it. */
  leading: boolean;
}

export interface Replication {
  /** The current replication of a collection (a stream that died is replaced by a new one). */
  state<C extends CollectionName>(collection: C): CollectionReplication<C>;
  readonly connection$: Observable<ConnectionState>;
  /** Pull now, e.g. when the browser says it is online again. */
  reSync(): void;
  /** Resolves when every collection has pulled and pushed all it knows of. Never resolves while offline. */
  awaitInSync(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_PULL_BATCH = 200;
const DEFAULT_PUSH_BATCH = 50;
const TYPE_NAME = {
  gigs: 'Gigs', bookings: 'Bookings', messages: 'Messages', profiles: 'Profiles', commands: 'Commands', milestones: 'Milestones', disputes: 'Disputes',
} as const satisfies Record<CollectionName, string>;
const CHECKPOINT_FIELDS = 'checkpoint { xid id scope }';
/** graphql-ws close codes for a refused connection: 4403 is retried, 4401 ends the subscriptions (then restarted here). */
const CLOSE_FORBIDDEN = 4403;
const CLOSE_UNAUTHORIZED = 4401;

/** GraphQL sends null for an absent optional field; RxDB wants the field left out. Top level only. */
export function stripNulls<T extends object>(doc: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (v !== null) out[k] = v;
  return out as T;
}

/** A stream event that carries the resync marker asks for a pull, not a write. */
export function isResyncEvent(bulk: PullBulk<unknown> | null | undefined): boolean {
  return bulk?.checkpoint?.id === RESYNC_CHECKPOINT_ID;
}

/** What a push sends of a command: the server reads only these (the schema's CommandInput). */
function pushedCommand(doc: StoredDocTypes['commands']) {
  return { id: doc.id, type: doc.type, payload: doc.payload, issuedAt: doc.issuedAt, status: doc.status };
}

/** Socket retry delays: 1 s, 2 s, 4 s … capped at 30 s, with jitter so that devices do not reconnect in step. */
async function retryWait(retries: number): Promise<void> {
  const ms = Math.min(30_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** RxDB's own errors (pull or push failed, to be retried) carry `rxdb: true`; anything else came from the stream. */
function isStreamFailure(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && 'rxdb' in err);
}

/**
 * Commands must reach the server in the order they were issued (a gig.update after its gig.post). RxDB
 * does not keep that order once more than one push batch is pending: its initial upstream runs up to four
 * batches at once, a large backlog is split into concurrent requests, and each failed batch is retried on
 * its own. The server then applies the batches interleaved. This puts the batches in a line, in the order
 * RxDB first hands them over, one request at a time; a batch that failed stays first (RxDB retries it
 * with the same rows array) and holds the later ones back. Cancelling or pausing the replication, which
 * ends RxDB's attempts at those batches, empties the line.
 */
export function pushInOrder(state: {
  push?: { handler(rows: unknown[]): Promise<unknown[]> };
  onCancel: (() => void)[];
  pause(): Promise<void>;
}): void {
  const push = state.push;
  if (!push) return;
  const send = push.handler.bind(push);
  let line: unknown[][] = [];
  const waiting = new Set<() => void>();
  const wake = () => waiting.forEach((w) => w());
  const release = () => {
    line = [];
    wake();
  };
  state.onCancel.push(release);
  const pause = state.pause.bind(state);
  state.pause = () => {
    release();
    return pause();
  };
  push.handler = async (rows) => {
    if (!line.includes(rows)) line.push(rows);
    while (line[0] !== rows) {
      if (!line.includes(rows)) throw new Error('replication cancelled or paused');
      await new Promise<void>((resolve) => {
        const w = () => {
          waiting.delete(w);
          resolve();
        };
        waiting.add(w);
      });
    }
    const result = await send(rows);
    line = line.filter((r) => r !== rows);
    wake();
    return result;
  };
}

export function startReplication(options: ReplicationOptions): Replication {
  const { db, userId, url, getToken } = options;
  const live = options.live ?? true;
  const waitForLeadership = options.waitForLeadership ?? true;
  const batchSize = Math.min(options.batchSize ?? DEFAULT_PULL_BATCH, MAX_PULL_LIMIT);
  const pushBatchSize = Math.min(options.pushBatchSize ?? DEFAULT_PUSH_BATCH, MAX_PUSH_ROWS);
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  // A pull or push that hears nothing for a while is given up and retried (see withSilenceLimit).
  const fetchWithToken = withSilenceLimit(authorizedFetch(getToken, options.fetch), options.silenceMs);

  /**
   * RxDB shares one graphql-ws client per URL across the whole JS realm, with the options of whoever
   * opened it first. Two signed-in clients in one process (two devices in a test) would then share the
   * first one's socket and identity; a per-replication query parameter keeps their sockets apart.
   */
  const wsUrl = live && url.ws ? `${url.ws}${url.ws.includes('?') ? '&' : '?'}client=${uuidv4()}` : undefined;

  const states = new Map<CollectionName, CollectionReplication<CollectionName>>();
  const restarting = new Set<CollectionName>();
  const restartAttempts = new Map<CollectionName, number>();
  let stopped = false;

  const socketUp$ = new BehaviorSubject(false);
  const streaming = () => wsUrl !== undefined && socketUp$.value;
  // The collections this device opened (see DatabaseOptions.collections).
  const replicated = COLLECTIONS.filter((c) => c in db.collections);
  const failing$ = new BehaviorSubject<ReadonlySet<CollectionName>>(new Set(replicated));
  const lastSyncedAt$ = new BehaviorSubject<Date | null>(null);
  const health = (c: CollectionName, ok: boolean) => {
    const now = failing$.value;
    if (now.has(c) !== ok) return;
    const next = new Set(now);
    if (ok) next.delete(c);
    else next.add(c);
    failing$.next(next);
  };

  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let refusedToken = false;
  const socketClient = () => (wsUrl ? GRAPHQL_WEBSOCKET_BY_URL.get(wsUrl)?.socket : undefined);
  const wsOptions = {
    // A function, so every (re)connection sends the token as it is now (DESIGN, "Pitfalls already known");
    // after the server refused one, a refreshed token.
    connectionParams: async () => {
      const forceRefresh = refusedToken;
      refusedToken = false;
      try {
        return { Authorization: `Bearer ${await getToken({ forceRefresh })}` };
      } catch {
        // No token now (offline, or the session just ended): connect without one; the server's refusal makes
        // the next attempt refresh again, instead of an unhandled rejection on every retry.
        return {};
      }
    },
    // Phones lose the network for hours: never give up on the socket.
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait,
    keepAlive: keepAliveMs,
    on: {
      connected: () => socketUp$.next(true),
      closed: (event: unknown) => {
        clearTimeout(pongTimer);
        socketUp$.next(false);
        const code = (event as { code?: number } | undefined)?.code;
        if (code === CLOSE_FORBIDDEN || code === CLOSE_UNAUTHORIZED) refusedToken = true;
      },
      // A socket on a mobile network can die without a close; a ping left unanswered ends it, and the
      // client reconnects (and RxDB pulls on RESYNC).
      ping: (received: boolean) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => socketClient()?.terminate(), keepAliveMs);
      },
      pong: (received: boolean) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  };

  function replicate<C extends CollectionName>(c: C): CollectionReplication<C> {
    const type = TYPE_NAME[c];
    const state = replicateGraphQL<StoredDocTypes[C], Checkpoint>({
      collection: db.collections[c] as never,
      replicationIdentifier: `fieldwork-graphql-v1|${url.http}|${userId}|${c}`,
      url: { http: url.http, ...(wsUrl ? { ws: wsUrl } : {}) },
      fetch: fetchWithToken,
      deletedField: 'deleted',
      live,
      waitForLeadership,
      retryTime: options.retryTime ?? 5000,
      pull: {
        batchSize,
        wsOptions,
        queryBuilder: (checkpoint: Checkpoint | undefined, limit: number) => ({
          operationName: `Pull${type}`,
          query: `query Pull${type}($checkpoint: CheckpointInput, $limit: Int!) {
            ${pullField(c)}(checkpoint: $checkpoint, limit: $limit) { documents { ${FIELDS[c]} } ${CHECKPOINT_FIELDS} } }`,
          variables: { checkpoint: checkpoint ? { xid: checkpoint.xid, id: checkpoint.id, scope: checkpoint.scope ?? null } : null, limit },
        }),
        // The socket is authenticated by connectionParams; a token in the subscription's variables would
        // be replayed unchanged on every reconnect, so the `headers` argument is left out.
        streamQueryBuilder: () => ({
          operationName: `Stream${type}`,
          query: `subscription Stream${type} { ${streamField(c)} { documents { ${FIELDS[c]} } ${CHECKPOINT_FIELDS} } }`,
          variables: {},
        }),
        // Documents here are still on the wire (nulls, `deleted`); RxDB maps `deleted` and runs `modifier` next.
        responseModifier: (bulk: PullBulk<DocTypes[C]>, origin: 'handler' | 'stream') => {
          if (origin === 'stream') restartAttempts.delete(c);
          if (origin === 'stream' && isResyncEvent(bulk)) return 'RESYNC';
          health(c, true);
          lastSyncedAt$.next(new Date());
          return { documents: bulk.documents, checkpoint: bulk.checkpoint ?? undefined };
        },
        modifier: (doc: StoredDocTypes[C]) => stripNulls(doc),
      },
      ...(c === 'commands'
        ? {
            push: {
              batchSize: pushBatchSize,
              queryBuilder: (rows: unknown[]) => ({
                operationName: 'PushCommands',
                query: `mutation PushCommands($rows: [CommandPushRow!]!) { ${pushField(c)}(rows: $rows) { ${FIELDS.commands} } }`,
                variables: { rows },
              }),
              // Only a pending command is ever sent; a decided one is the server's and goes nowhere.
              modifier: (doc: StoredDocTypes['commands']) => (doc.status === 'pending' ? pushedCommand(doc) : null),
              // The answer is the decided commands, written back as the master state: nulls go here too,
              // because RxDB does not run pull.modifier over push conflicts.
              responseModifier: (docs: DocTypes['commands'][]) => {
                health(c, true);
                // An applied command changed other collections; without a stream to bring the news, pull it.
                if (!streaming() && docs.some((d) => d.status === 'applied')) setTimeout(reSync, 0);
                return docs.map(stripNulls);
              },
            },
          }
        : {}),
      // The handlers speak the wire format, which RxDB's types equate with the stored one; hence the cast.
    } as unknown as SyncOptionsGraphQL<StoredDocTypes[C], Checkpoint>);

    if (c === 'commands') pushInOrder(state);

    state.error$.subscribe((err) => {
      health(c, false);
      // A stream that errored is finished for good inside RxDB (its subject errored); start a new one.
      if (live && wsUrl && isStreamFailure(err)) restart(c, err);
    });
    return state as CollectionReplication<C>;
  }

  for (const c of replicated) states.set(c, replicate(c));

  /**
   * graphql-ws ends every subscription for good on some close codes, among them 4401, which the server
   * sends when the socket's token expires. The first restart after a 4401 is quick (the next connection
   * offers a refreshed token); later ones back off, until a stream event shows the stream works again.
   */
  function restart(c: CollectionName, err: unknown) {
    if (stopped || restarting.has(c)) return;
    restarting.add(c);
    const attempt = restartAttempts.get(c) ?? 0;
    restartAttempts.set(c, attempt + 1);
    const code = (err as { code?: unknown } | null)?.code;
    void (async () => {
      if (code === CLOSE_UNAUTHORIZED && attempt === 0) await new Promise((resolve) => setTimeout(resolve, 250));
      else await retryWait(Math.min(attempt + 2, 5));
      // A stream that failed can fail its cancel too (the socket's own error, a server gone): it is replaced all the same.
      await states.get(c)?.cancel().catch(() => undefined);
      restarting.delete(c);
      if (!stopped) states.set(c, replicate(c));
    })();
  }

  function reSync() {
    if (!stopped) states.forEach((s) => s.reSync());
  }

  // Without a stream, poll; with one, the stream and RxDB's RESYNC on every reconnect keep the device current.
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const polling = live
    ? socketUp$.pipe(switchMap((up) => (wsUrl && up ? EMPTY : interval(pollIntervalMs)))).subscribe(reSync)
    : undefined;

  const own$ = combineLatest([socketUp$, failing$, lastSyncedAt$]).pipe(
    map(([socketUp, failing, lastSyncedAt]) => ({ connected: (wsUrl === undefined || socketUp) && failing.size === 0, lastSyncedAt, leading: true })),
  );
  const shared =
    waitForLeadership && db.multiInstance
      ? shareConnection(
          `fieldwork-connection|${db.name}`,
          from(db.waitForLeadership()).pipe(
            map(() => true),
            startWith(false),
          ),
          own$,
        )
      : undefined;
  const connection$ = (shared?.connection$ ?? own$).pipe(
    distinctUntilChanged((a, b) => a.connected === b.connected && a.leading === b.leading && a.lastSyncedAt?.getTime() === b.lastSyncedAt?.getTime()),
  );

  return {
    state: <C extends CollectionName>(c: C) => states.get(c) as unknown as CollectionReplication<C>,
    connection$,
    reSync,
    async awaitInSync() {
      await Promise.all([...states.values()].map((s) => s.awaitInSync()));
    },
    async stop() {
      stopped = true;
      clearTimeout(pongTimer);
      polling?.unsubscribe();
      shared?.close();
      await Promise.all([...states.values()].map((s) => s.cancel()));
      socketUp$.next(false);
      for (const s of [socketUp$, failing$, lastSyncedAt$]) s.complete();
    },
  };
}
