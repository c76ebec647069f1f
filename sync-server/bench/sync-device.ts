// The device for bench:sync: web/'s own sync module (RxDB database and GraphQL replication) on plain
// memory storage, no dev-mode and no schema validation, as fast as RxDB goes in Node.
//
// The server's tsconfig never sees web/ (sync-server must not import web/, see the tsconfigs): the
// modules are loaded at run time through a URL and typed here by the little the benchmark uses.
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { COLLECTIONS, type CollectionName } from '@shared/replication';

interface LocalDocument {
  toJSON(): Record<string, unknown>;
}
interface LocalCollection {
  count(): { exec(): Promise<number> };
  find(): { exec(): Promise<LocalDocument[]> };
}
interface LocalDatabase {
  collections: Record<CollectionName, LocalCollection>;
  remove(): Promise<unknown>;
}
interface CollectionState {
  awaitInitialReplication(): Promise<void>;
}
interface Replication {
  state(c: CollectionName): CollectionState;
  stop(): Promise<void>;
}
interface WebSync {
  createFieldworkDatabase(o: { name: string; storage: unknown; multiInstance?: boolean }): Promise<LocalDatabase>;
  startReplication(o: {
    db: LocalDatabase;
    userId: string;
    url: { http: string; ws?: string };
    getToken: () => string;
    fetch: typeof fetch;
    batchSize: number;
    live: boolean;
    waitForLeadership: boolean;
    retryTime: number;
  }): Replication;
}

const webModule = (file: string) => new URL(`../../web/src/sync/${file}`, import.meta.url).href;

let loaded: Promise<WebSync> | undefined;
function web(): Promise<WebSync> {
  return (loaded ??= Promise.all([import(webModule('database.ts')), import(webModule('replication.ts'))]).then(([database, replication]) => ({
    createFieldworkDatabase: (database as WebSync).createFieldworkDatabase,
    startReplication: (replication as WebSync).startReplication,
  })));
}

export interface SyncRequest {
  operation: string;
  /** Bytes of the JSON body sent. */
  bodyBytes: number;
  body: string;
  contentEncoding: string;
  /** HTTP status; 0 when the request failed without a response. */
  status: number;
  error?: string;
}

export interface InitialSync {
  wallMs: number;
  requests: SyncRequest[];
  counts: Record<CollectionName, number>;
  /** Every document as the device stored it (RxDB's toJSON: no _rev, _meta or _deleted), all collections. */
  stored: Record<CollectionName, Record<string, unknown>[]>;
}

let dbs = 0;

/**
 * A fresh device signs in and pulls everything once (live: false) from `http` with pull.batchSize
 * `batchSize`; timed from starting replication until every collection reports its initial replication
 * done (all pages pulled and written). Every HTTP request is recorded: that is a round trip.
 */
export async function initialSync(opts: { http: string; userId: string; token: string; batchSize: number }): Promise<InitialSync> {
  const { createFieldworkDatabase, startReplication } = await web();
  const db = await createFieldworkDatabase({ name: `bench-${process.pid}-${dbs++}`, storage: getRxStorageMemory(), multiInstance: false });
  const requests: SyncRequest[] = [];
  const counting: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = await request.clone().text();
    const sent = { operation: (/"operationName":"(\w+)"/.exec(body) ?? [])[1] ?? '?', bodyBytes: Buffer.byteLength(body), body };
    try {
      const response = await fetch(request);
      requests.push({ ...sent, contentEncoding: response.headers.get('content-encoding') ?? 'identity', status: response.status });
      return response;
    } catch (e) {
      // A request that failed on the way (a connection the server had closed, say) was a round trip too.
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      requests.push({ ...sent, contentEncoding: 'none', status: 0, error: cause?.code ?? cause?.message ?? String(e) });
      throw e;
    }
  };
  try {
    const started = performance.now();
    const replication = startReplication({
      db,
      userId: opts.userId,
      url: { http: opts.http },
      getToken: () => opts.token,
      fetch: counting,
      batchSize: opts.batchSize,
      live: false,
      waitForLeadership: false,
      retryTime: 1000,
    });
    await Promise.all(COLLECTIONS.map((c) => replication.state(c).awaitInitialReplication()));
    const wallMs = performance.now() - started;
    await replication.stop();
    const counts = {} as Record<CollectionName, number>;
    const stored = {} as Record<CollectionName, Record<string, unknown>[]>;
    for (const c of COLLECTIONS) {
      counts[c] = await db.collections[c].count().exec();
      stored[c] = (await db.collections[c].find().exec()).map((d) => d.toJSON());
    }
    return { wallMs, requests, counts, stored };
  } finally {
    await db.remove().catch(() => {});
  }
}
