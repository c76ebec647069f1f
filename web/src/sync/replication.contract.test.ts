// The device's half of the replication contract, spoken by real RxDB replication to an in-process stand-in
// that executes shared/'s SCHEMA_SDL over HTTP (through the client's `fetch` option). It pins the wire
// format (pages, nulls, tombstones, push rows, conflicts, tokens) until the real server exists; the tests
// against sync-server and Postgres replace it, and the socket is covered there.
import { afterEach, describe, expect, it } from 'vitest';
import { buildSchema, execute, graphql, parse, subscribe, validate } from 'graphql';
import { COLLECTIONS, RESYNC_CHECKPOINT_ID, SCHEMA_SDL, type Checkpoint, type CollectionName, type CommandDoc, type GigDoc } from '@shared/replication';
import { newId } from './commands';
import { createSyncClient, type SyncClient, type SyncClientOptions } from './client';
import { testStorage, uniqueName, until } from './test-support';

const USER = '0190a000-0000-7000-8000-000000000001';

interface Channel<T> extends AsyncIterable<T> {
  push(value: T): void;
}

function channel<T>(): Channel<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  return {
    push(value) {
      queue.push(value);
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

interface Row {
  seq: number;
  doc: { id: string } & Record<string, unknown>;
}

/** Just enough of a sync server: ordered change numbers, pages, and commands decided once. */
class StandIn {
  private seq = 0;
  readonly tables = Object.fromEntries(COLLECTIONS.map((c) => [c, new Map<string, Row>()])) as Record<CollectionName, Map<string, Row>>;
  readonly requests: { operation: string; authorization: string | null; variables: Record<string, unknown> }[] = [];
  validToken = 't1';
  /** Tokens of other devices this server also accepts. */
  readonly otherTokens = new Set<string>();
  readonly schema = buildSchema(SCHEMA_SDL);
  private readonly streams = Object.fromEntries(COLLECTIONS.map((c) => [c, new Set<Channel<unknown>>()])) as Record<CollectionName, Set<Channel<unknown>>>;

  accepts(authorization: unknown) {
    return authorization === `Bearer ${this.validToken}` || [...this.otherTokens].some((t) => authorization === `Bearer ${t}`);
  }

  /** Sends a stream event to every subscriber of a collection. */
  publish(c: CollectionName, bulk: { documents: unknown[]; checkpoint: Checkpoint }) {
    for (const ch of this.streams[c]) ch.push(bulk);
  }

  /** Stream roots for graphql-ws: each subscription is an async iterable of `{ streamX: bulk }`. */
  readonly subscriptionRoot = Object.fromEntries(
    COLLECTIONS.map((c) => {
      const field = `stream${c[0]!.toUpperCase()}${c.slice(1)}`;
      const streams = this.streams[c];
      return [
        field,
        async function* () {
          const ch = channel<unknown>();
          streams.add(ch);
          try {
            for await (const bulk of ch) yield { [field]: bulk };
          } finally {
            streams.delete(ch);
          }
        },
      ];
    }),
  );

  put(c: CollectionName, doc: Row['doc']) {
    this.tables[c].set(doc.id, { seq: ++this.seq, doc });
  }

  pull(c: CollectionName, checkpoint: Checkpoint | null, limit: number) {
    const after = (r: Row) => !checkpoint || r.seq > Number(checkpoint.xid) || (r.seq === Number(checkpoint.xid) && r.doc.id > checkpoint.id);
    const rows = [...this.tables[c].values()].filter(after).sort((a, b) => a.seq - b.seq).slice(0, limit);
    const last = rows.at(-1);
    return { documents: rows.map((r) => r.doc), checkpoint: last ? { xid: String(last.seq), id: last.doc.id, scope: null } : checkpoint };
  }

  /** Commands are decided once; a replay returns the stored outcome. */
  decide(input: { id: string; type: string; payload: string; issuedAt: string }): CommandDoc {
    const known = this.tables.commands.get(input.id);
    if (known) return known.doc as unknown as CommandDoc;
    const now = new Date().toISOString();
    const payload = JSON.parse(input.payload) as Record<string, unknown>;
    const base = { ...input, decidedAt: now, updatedAt: now, deleted: false };
    let decided: CommandDoc;
    if (input.type === 'gig.post') {
      this.put('gigs', gigDoc(payload.gigId as string, { title: payload.title as string }));
      decided = { ...base, status: 'applied', result: JSON.stringify({ gigId: payload.gigId, status: 'open' }), rejectionCode: null, rejectionMessage: null };
    } else {
      decided = { ...base, status: 'rejected', result: null, rejectionCode: 'not_found', rejectionMessage: 'That item no longer exists or you cannot see it.' };
    }
    this.put('commands', decided as unknown as Row['doc']);
    return decided;
  }

  private readonly root = {
    ...Object.fromEntries(
      COLLECTIONS.map((c) => [
        `pull${c[0]!.toUpperCase()}${c.slice(1)}`,
        ({ checkpoint, limit }: { checkpoint: Checkpoint | null; limit: number }) => this.pull(c, checkpoint, limit),
      ]),
    ),
    pushCommands: ({ rows }: { rows: { newDocumentState: CommandDoc }[] }) => rows.map((r) => this.decide(r.newDocumentState)),
  };

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const authorization = request.headers.get('authorization');
    const body = (await request.json()) as { query: string; variables: Record<string, unknown>; operationName: string };
    this.requests.push({ operation: body.operationName, authorization, variables: body.variables });
    if (!this.accepts(authorization)) return Response.json({ errors: [{ message: 'unauthorized' }] }, { status: 401 });
    const result = await graphql({ schema: this.schema, source: body.query, variableValues: body.variables, operationName: body.operationName, rootValue: this.root });
    return Response.json(result);
  };

  pushedRows() {
    return this.requests.filter((r) => r.operation === 'PushCommands').flatMap((r) => r.variables.rows as { newDocumentState: Record<string, unknown>; assumedMasterState?: unknown }[]);
  }
}

function gigDoc(id: string, over: Partial<GigDoc> = {}): Row['doc'] {
  const now = new Date().toISOString();
  const gig: GigDoc = {
    id,
    clientId: USER,
    clientName: 'Ana',
    title: 'Fix the tap',
    description: '',
    skills: { plumbing: 2 },
    budget: { amount: 5000, currency: 'USD' },
    location: { lat: 37.78, lng: -122.42 },
    exactLocation: true,
    address: '1 Main St',
    areaLabel: 'Mission',
    // Nulls as GraphQL sends them: the device must store these fields as absent.
    startsAt: null,
    expiresAt: null,
    status: 'open',
    bookingId: null,
    workerId: null,
    cancelReason: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
    deleted: false,
    ...over,
  };
  return gig as unknown as Row['doc'];
}

const open: SyncClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.stop().catch(() => undefined);
});

async function device(server: StandIn, over: Partial<SyncClientOptions> = {}) {
  let token = 't1';
  const refreshes: boolean[] = [];
  const client = await createSyncClient({
    name: uniqueName(),
    storage: testStorage(),
    user: { id: USER, roles: ['consumer'] },
    url: { http: 'http://stand-in/graphql' },
    fetch: server.fetch,
    getToken: ({ forceRefresh }) => {
      refreshes.push(forceRefresh);
      if (forceRefresh) token = server.validToken;
      return token;
    },
    multiInstance: false,
    batchSize: 200,
    retryTime: 50,
    ...over,
  });
  open.push(client);
  return { client, refreshes };
}

const post = (gigId: string) => ({
  gigId,
  title: 'Paint the fence',
  description: '',
  skills: { painting: 2 },
  budget: { amount: 12000, currency: 'EUR' },
  location: { lat: 40.4, lng: -3.7 },
  address: 'Calle Mayor 1',
  areaLabel: 'Centro',
} as const);

describe('pull', () => {
  it('pages an initial sync at the explicit batch size and stores nulls as absent fields', async () => {
    const server = new StandIn();
    for (let i = 0; i < 450; i++) server.put('gigs', gigDoc(newId()));
    const { client } = await device(server);
    await client.awaitInSync();

    expect(await client.db.gigs.count().exec()).toBe(450);
    const gigPulls = server.requests.filter((r) => r.operation === 'PullGigs');
    expect(gigPulls.map((r) => r.variables.limit)).toEqual([200, 200, 200]);
    expect(gigPulls[0]!.variables.checkpoint).toBeNull();
    expect(gigPulls[1]!.variables.checkpoint).toMatchObject({ xid: '200', scope: null });
    const one = (await client.db.gigs.findOne().exec())!.toJSON();
    expect(one).not.toHaveProperty('startsAt');
    expect(one).not.toHaveProperty('deleted');

    const status = await until(client.status$, (s) => s.connected, 'connected');
    expect(status.lastSyncedAt).not.toBeNull();

    // Offline after a restart, the app can still say how fresh its data is.
    await client.stop();
    const { client: reopened } = await device(server, { name: client.db.name, connect: false });
    expect(reopened.getStatus().lastSyncedAt! >= status.lastSyncedAt!).toBe(true);
  });

  it('drops a tombstoned document', async () => {
    const server = new StandIn();
    const id = newId();
    server.put('gigs', gigDoc(id));
    const { client } = await device(server);
    await client.awaitInSync();
    expect(await client.db.gigs.findOne(id).exec()).not.toBeNull();

    server.put('gigs', gigDoc(id, { deleted: true }));
    client.replication!.reSync();
    await client.awaitInSync();
    expect(await client.db.gigs.findOne(id).exec()).toBeNull();
  });
});

describe('push', () => {
  it('sends each command once with the contract fields and takes the decided command as master', async () => {
    const server = new StandIn();
    const { client } = await device(server, { connect: false });
    const gigId = newId();
    const { id: postId } = await client.issue('gig.post', post(gigId));
    const { id: publishId } = await client.issue('gig.publish', { gigId: newId() });
    await until(client.view$('gigs', gigId), (v) => v?.provisional === true, 'the provisional gig');

    client.connect();
    expect(await client.awaitConfirmed(postId, 10_000)).toMatchObject({ status: 'applied' });
    const rejected = await client.awaitConfirmed(publishId, 10_000);
    expect(rejected).toMatchObject({ status: 'rejected', rejectionCode: 'not_found' });
    expect(rejected).not.toHaveProperty('result');
    await client.awaitInSync();

    const rows = server.pushedRows();
    expect(rows.map((r) => r.newDocumentState.id)).toEqual([postId, publishId]);
    for (const row of rows) {
      expect(Object.keys(row.newDocumentState).sort()).toEqual(['deleted', 'id', 'issuedAt', 'payload', 'status', 'type']);
      expect(row.assumedMasterState).toBeUndefined();
    }
    const status = await until(client.status$, (s) => s.pending === 0 && s.rejected.length === 1, 'one rejection, nothing pending');
    expect(status.rejected[0]).toMatchObject({ id: publishId, code: 'not_found' });
    // The server's gig replaces the provisional one.
    await until(client.view$('gigs', gigId), (v) => v?.provisional === false && !v.pending, 'the confirmed gig');
  });

  it('pushes commands left pending at a restart, once', async () => {
    const server = new StandIn();
    const name = uniqueName();
    const first = await device(server, { name, connect: false });
    const ids = [
      (await first.client.issue('gig.post', post(newId()))).id,
      (await first.client.issue('gig.post', post(newId()))).id,
    ];
    await first.client.stop();

    const second = await device(server, { name });
    for (const id of ids) await second.client.awaitConfirmed(id, 10_000);
    await second.client.awaitInSync();
    await second.client.stop();

    const third = await device(server, { name });
    await third.client.awaitInSync();
    expect(server.pushedRows().map((r) => r.newDocumentState.id)).toEqual(ids);
  });
});

describe('tokens', () => {
  it('puts the current token on every request and refreshes once after a 401', async () => {
    const server = new StandIn();
    const { client, refreshes } = await device(server);
    await client.awaitInSync();
    expect(server.requests.every((r) => r.authorization === 'Bearer t1')).toBe(true);
    expect(refreshes.length).toBe(server.requests.length);

    server.validToken = 't2';
    const { id } = await client.issue('gig.post', post(newId()));
    expect(await client.awaitConfirmed(id, 10_000)).toMatchObject({ status: 'applied' });
    expect(refreshes.filter(Boolean)).toEqual([true]);
    expect(server.requests.at(-1)?.authorization).toBe('Bearer t2');
  });
});

// The socket half needs a real WebSocket server, which only Node has. Its modules are loaded through
// specifiers TypeScript does not resolve, so that web/ keeps compiling without Node's types.
interface SocketLike {
  close(code: number, reason: string): void;
}
interface SocketServer {
  url: string;
  /** The Authorization each connection offered, in order. */
  offered: unknown[];
  /** Closes every open socket as a server would on an expired session. */
  dropAll(code: number): void;
  close(): Promise<void>;
}

async function socketServer(standIn: StandIn): Promise<SocketServer> {
  const { WebSocketServer } = (await import('ws' as string)) as {
    WebSocketServer: new (o: object) => { clients: Set<SocketLike>; address(): { port: number }; once(e: string, f: () => void): void; close(f: () => void): void };
  };
  const { useServer } = (await import('graphql-ws/use/ws' as string)) as { useServer: (o: object, wss: unknown) => { dispose(): Promise<void> } };
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const offered: unknown[] = [];
  const server = useServer(
    {
      // graphql-ws loads its own copy of graphql (Node's resolution, not Vite's); hand it this one.
      schema: standIn.schema,
      parse,
      validate,
      execute,
      subscribe,
      roots: { subscription: standIn.subscriptionRoot },
      onConnect: (ctx: { connectionParams?: { Authorization?: unknown } }) => {
        offered.push(ctx.connectionParams?.Authorization);
        // false: graphql-ws closes with 4403 Forbidden, which clients retry.
        return standIn.accepts(ctx.connectionParams?.Authorization);
      },
    },
    wss,
  );
  return {
    url: `ws://127.0.0.1:${wss.address().port}/graphql`,
    offered,
    dropAll: (code) => wss.clients.forEach((socket) => socket.close(code, 'session expired')),
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(resolve));
    },
  };
}

describe('stream over graphql-ws', () => {
  it('delivers changes by stream, and a reconnect after a refused token offers a fresh one', async () => {
    const standIn = new StandIn();
    const socket = await socketServer(standIn);
    try {
      const { client } = await device(standIn, { url: { http: 'http://stand-in/graphql', ws: socket.url } });
      await until(client.status$, (s) => s.connected, 'connected over the socket');
      await client.awaitInSync();
      const pullsBefore = standIn.requests.length;

      const id = newId();
      standIn.put('gigs', gigDoc(id));
      standIn.publish('gigs', { documents: [gigDoc(id)], checkpoint: { xid: '1', id, scope: null } });
      await until(client.view$('gigs', id), (v) => v !== undefined, 'the streamed gig');
      expect(standIn.requests.length).toBe(pullsBefore);
      expect(socket.offered).toEqual(['Bearer t1']);

      // The session ends: the server now wants t2 and drops the socket.
      standIn.validToken = 't2';
      socket.dropAll(4403);
      await until(client.status$, (s) => !s.connected, 'disconnected');
      await until(client.status$, (s) => s.connected, 'reconnected', 20_000);
      expect(socket.offered.at(-1)).toBe('Bearer t2');
    } finally {
      for (const c of open.splice(0)) await c.stop();
      await socket.close();
    }
  }, 30_000);

  it('recovers from 4401 "token expired", which ends graphql-ws subscriptions for good', async () => {
    const standIn = new StandIn();
    const socket = await socketServer(standIn);
    try {
      const { client } = await device(standIn, { url: { http: 'http://stand-in/graphql', ws: socket.url } });
      await until(client.status$, (s) => s.connected, 'connected over the socket');
      standIn.validToken = 't2';
      socket.dropAll(4401);
      await until(client.status$, (s) => !s.connected, 'disconnected');
      await until(client.status$, (s) => s.connected, 'reconnected', 20_000);
      expect(socket.offered.at(-1)).toBe('Bearer t2');

      // The restarted streams deliver.
      const id = newId();
      standIn.put('gigs', gigDoc(id));
      standIn.publish('gigs', { documents: [gigDoc(id)], checkpoint: { xid: '1', id, scope: null } });
      await until(client.view$('gigs', id), (v) => v !== undefined, 'a gig streamed after the restart');
    } finally {
      for (const c of open.splice(0)) await c.stop();
      await socket.close();
    }
  }, 30_000);

  it('pulls when the server sends the resync marker', async () => {
    const standIn = new StandIn();
    const socket = await socketServer(standIn);
    try {
      const { client } = await device(standIn, { url: { http: 'http://stand-in/graphql', ws: socket.url } });
      await until(client.status$, (s) => s.connected, 'connected over the socket');
      await client.awaitInSync();

      const id = newId();
      standIn.put('gigs', gigDoc(id));
      standIn.publish('gigs', { documents: [], checkpoint: { xid: '0', id: RESYNC_CHECKPOINT_ID, scope: null } });
      await until(client.view$('gigs', id), (v) => v !== undefined, 'the gig pulled after the marker');
      // The marker is not a checkpoint: the next pull still starts from the last real one.
      const lastPull = standIn.requests.filter((r) => r.operation === 'PullGigs').at(-1)!;
      expect((lastPull.variables.checkpoint as Checkpoint | null)?.id).not.toBe(RESYNC_CHECKPOINT_ID);
    } finally {
      for (const c of open.splice(0)) await c.stop();
      await socket.close();
    }
  });

  it('keeps two devices in one process on their own sockets and identities', async () => {
    const standIn = new StandIn();
    standIn.otherTokens.add('t-other');
    const socket = await socketServer(standIn);
    try {
      const url = { http: 'http://stand-in/graphql', ws: socket.url };
      const a = await device(standIn, { url });
      await until(a.client.status$, (s) => s.connected, 'device A connected');
      const b = await createSyncClient({
        name: uniqueName(),
        storage: testStorage(),
        user: { id: '0190a000-0000-7000-8000-000000000002', roles: ['operator'] },
        url,
        fetch: standIn.fetch,
        getToken: () => 't-other',
        multiInstance: false,
        batchSize: 200,
      });
      open.push(b);
      await until(b.status$, (s) => s.connected, 'device B connected');
      expect([...socket.offered].sort()).toEqual(['Bearer t-other', 'Bearer t1']);
    } finally {
      for (const c of open.splice(0)) await c.stop();
      await socket.close();
    }
  });
});
