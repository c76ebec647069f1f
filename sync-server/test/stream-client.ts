// A graphql-ws client for tests and benchmarks: sessions and tokens for a user, stream subscriptions that
// record what they receive, and the close event that ended the socket.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { FIELDS, RESYNC_CHECKPOINT_ID, streamField, type CollectionName, type PullBulk } from '@shared/replication';
import { signAccessToken } from '../src/auth/tokens';
import type { Sql } from '../src/db/sql';
import { TEST_SECRET } from './app';
import { uuidv7 } from './fixtures';

/** A signed-in device: a session row and an access token for it. */
export async function signIn(sql: Sql, userId: string, opts: { ttlSeconds?: number } = {}): Promise<{ token: string; sessionId: string }> {
  const sessionId = uuidv7();
  await sql`insert into sessions (id, user_id, expires_at) values (${sessionId}, ${userId}, now() + interval '1 day')`;
  const [u] = await sql<{ roles: string[] }[]>`select roles from users where id = ${userId}`;
  const token = await signAccessToken(TEST_SECRET, { id: userId, roles: u!.roles, sessionId }, opts.ttlSeconds ?? 900);
  return { token, sessionId };
}

export const streamQuery = (c: CollectionName) =>
  `subscription Stream($headers: Headers) { ${streamField(c)}(headers: $headers) { documents { ${FIELDS[c]} } checkpoint { xid id scope } } }`;

export interface Closed {
  code: number;
  reason: string;
}

export interface TestSocket {
  client: Client;
  /** Resolves with the close event that ended the socket. */
  closed: Promise<Closed>;
  dispose(): Promise<void>;
}

export function openSocket(url: string, connectionParams: Record<string, unknown> | (() => Record<string, unknown>) = {}): TestSocket {
  let resolveClosed!: (c: Closed) => void;
  const closed = new Promise<Closed>((r) => (resolveClosed = r));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => resolveClosed({ code: (e as { code: number }).code, reason: String((e as { reason: unknown }).reason) }) },
  });
  return { client, closed, dispose: async () => client.dispose() };
}

export interface Received<T> {
  bulks: PullBulk<T>[];
  errors: unknown[];
  /** Documents received, in order, RESYNC events excluded. */
  docs(): T[];
  resyncs(): number;
  /** Waits until `pred` holds over what was received. */
  until(pred: (r: Received<T>) => boolean, timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export function stream<C extends CollectionName, T = unknown>(socket: TestSocket, collection: C, variables: Record<string, unknown> = {}): Received<T> {
  const r: Received<T> = {
    bulks: [],
    errors: [],
    docs: () => r.bulks.flatMap((b) => b.documents),
    resyncs: () => r.bulks.filter((b) => b.checkpoint?.id === RESYNC_CHECKPOINT_ID).length,
    async until(pred, timeoutMs = 5000) {
      const started = Date.now();
      while (!pred(r)) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out; received ${JSON.stringify(r.bulks).slice(0, 500)} errors ${String(r.errors)}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    unsubscribe: () => {},
  };
  r.unsubscribe = socket.client.subscribe<Record<string, PullBulk<T>>>(
    { query: streamQuery(collection), variables },
    {
      next: (result) => {
        if (result.errors) r.errors.push(...result.errors);
        const bulk = result.data?.[streamField(collection)];
        if (bulk) r.bulks.push(bulk);
      },
      error: (e) => r.errors.push(e),
      complete: () => {},
    },
  );
  return r;
}
