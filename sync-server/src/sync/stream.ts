// Live streams over graphql-ws on the HTTP server's /graphql path: authentication of the socket, its
// lifetime (token expiry, session revocation), limits, and the Subscription.streamX resolvers.
//
// Socket lifecycle, as a client sees it:
//  - connection_init carries the access token (connectionParams.Authorization, or
//    connectionParams.headers.Authorization as RxDB sends it): "Bearer <token>". Without one, each
//    subscription's `headers` argument may carry it instead; a socket that has not authenticated within
//    AUTH_DEADLINE_MS is closed.
//  - 4401 "unauthorized": the token is missing, forged or expired at connect. No data was sent.
//  - 4401 "token expired": the token the socket was opened with expired. Reconnect with a fresh token (a
//    connectionParams *function*; note that graphql-ws's client treats 4401 as final unless told otherwise).
//  - 4403 "session revoked": the sign-in was revoked (logout elsewhere, refresh-token reuse). Sign in again.
//  - 4403 "forbidden": the account no longer exists.
//  - 1001 "Going away": the server is shutting down; reconnect (possibly to another instance).
// Every (re)subscription starts with a RESYNC event (see live-stream.ts, rule 1).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerType } from '@hono/node-server';
import { GraphQLError, execute, parse, subscribe, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { Gauge } from 'prom-client';
import { COLLECTIONS, streamField, type CollectionName } from '@shared/replication';
import type { Deps } from '../deps';
import { verifyAccessToken, type AccessClaims } from '../auth/tokens';
import { registry as metrics } from '../ops/metrics';
import { LiveStream, ViewerGoneError } from './live-stream';
import { startChangeFeed, type ChangeFeed, type ChangeRegistry } from './notifications';
import { DocumentCache, STREAM_LIMITS } from './stream-limits';

export const STREAM_PATH = '/graphql';
/** A socket opened without a token must authenticate a subscription within this time. */
export const AUTH_DEADLINE_MS = 10_000;

export const CLOSE = {
  unauthorized: [4401, 'unauthorized'],
  tokenExpired: [4401, 'token expired'],
  sessionRevoked: [4403, 'session revoked'],
  forbidden: [4403, 'forbidden'],
} as const satisfies Record<string, readonly [number, string]>;
type Close = (typeof CLOSE)[keyof typeof CLOSE];

// Gauges read the live registries when scraped: nothing to keep in step on the hot path.
const liveRegistries = new Set<ChangeRegistry>();
let liveSockets = 0;
new Gauge({
  name: 'fieldwork_stream_subscriptions',
  help: 'Live stream subscriptions held by this process',
  registers: [metrics],
  collect() {
    let n = 0;
    for (const r of liveRegistries) n += r.size;
    this.set(n);
  },
});
new Gauge({
  name: 'fieldwork_stream_sockets',
  help: 'Open graphql-ws sockets on this process',
  registers: [metrics],
  collect() {
    this.set(liveSockets);
  },
});

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/i; // the scheme in any case (RFC 9110)

function bearer(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return BEARER.exec(value)?.[1] ?? null;
}

/** The Authorization value from connection_init: {Authorization} or, as RxDB sends headers, {headers: {Authorization}}. */
function authorizationParam(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params) return undefined;
  const headers = params.headers && typeof params.headers === 'object' ? (params.headers as Record<string, unknown>) : {};
  return params.Authorization ?? params.authorization ?? headers.Authorization ?? headers.authorization;
}

/**
 * What a stream resolver needs from its socket: an authenticated user (from the socket, or from the
 * subscription's own headers when the socket carried none), and a way to end the socket.
 */
export interface StreamContext {
  authenticate(headerValue: string | null | undefined): Promise<AccessClaims>;
  close(close: Close): void;
}

/** One socket's authentication state. */
class SocketAuth implements StreamContext {
  claims: AccessClaims | null = null;
  private pending: Promise<AccessClaims | null> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private unrevoke: (() => void) | null = null;
  private ended = false;

  constructor(
    private readonly deps: Deps,
    private readonly feed: Promise<ChangeFeed>,
    private readonly socket: Extra['socket'],
  ) {}

  close([code, reason]: Close): void {
    this.socket.close(code, reason);
  }

  /** Checks a token once per socket; closes the socket and returns null when it does not hold. */
  verify(token: string | null): Promise<AccessClaims | null> {
    return (this.pending ??= this.check(token));
  }

  private async check(token: string | null): Promise<AccessClaims | null> {
    const claims = token ? await verifyAccessToken(this.deps.secret, token) : null;
    if (!claims) {
      this.close(CLOSE.unauthorized);
      return null;
    }
    // Listen for revocation before reading the session, so that a revocation in between is not missed.
    const feed = await this.feed;
    if (this.ended) return null;
    this.unrevoke = feed.registry.onSessionRevoked(claims.sessionId, () => this.close(CLOSE.sessionRevoked));
    const [session] = await this.deps.sql<{ revokedAt: Date | null; expiresAt: Date }[]>`
      select revoked_at, expires_at from sessions where id = ${claims.sessionId} and user_id = ${claims.id}`;
    if (!session || session.revokedAt || session.expiresAt <= this.deps.now()) {
      this.close(CLOSE.sessionRevoked);
      return null;
    }
    if (this.ended) return null;
    this.claims = claims;
    this.timers.push(setTimeout(() => this.close(CLOSE.tokenExpired), Math.max(0, claims.expiresAt - this.deps.now().getTime())));
    return claims;
  }

  /** For a socket opened without a token: it must authenticate a subscription soon. */
  armDeadline(): void {
    this.timers.push(
      setTimeout(() => {
        if (!this.claims) this.close(CLOSE.unauthorized);
      }, AUTH_DEADLINE_MS),
    );
  }

  async authenticate(headerValue: string | null | undefined): Promise<AccessClaims> {
    const claims = this.claims ?? (await this.verify(bearer(headerValue)));
    if (!claims) throw new GraphQLError('Unauthorized: send "Authorization: Bearer <access token>" in connectionParams.');
    return claims;
  }

  end(): void {
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.unrevoke?.();
    this.unrevoke = null;
  }
}

type StreamArgs = { headers?: { Authorization?: string | null } | null };

/**
 * Subscription root resolvers (streamGigs, …): each returns the live stream of its collection for the
 * authenticated user, as graphql-ws expects from `roots.subscription`.
 */
export function subscriptionRoots(deps: Deps, feed: ChangeFeed | Promise<ChangeFeed>) {
  const roots: Record<string, (args: StreamArgs, ctx: StreamContext) => Promise<AsyncIterable<unknown>>> = {};
  const stream = (collection: CollectionName) => async (args: StreamArgs, ctx: StreamContext) => {
    const claims = await ctx.authenticate(args.headers?.Authorization);
    try {
      return await LiveStream.open({ sql: deps.sql, secret: deps.secret, feed: await feed, log: deps.log, onGone: () => ctx.close(CLOSE.forbidden) }, claims.id, collection);
    } catch (e) {
      if (e instanceof ViewerGoneError) {
        ctx.close(CLOSE.forbidden);
        throw new GraphQLError('This account no longer exists.');
      }
      throw e;
    }
  };
  for (const c of COLLECTIONS) roots[streamField(c)] = stream(c);
  return roots;
}

/**
 * `admitted`: the socket's subscriptions let in under the cap, in the order they arrived. graphql-ws lists a
 * subscription as soon as its message arrives, long before `context` runs, so counting its list refused a
 * burst by how many were still being set up: 21 sent at once left 12 running.
 */
type SocketExtra = Extra & { auth?: SocketAuth; admitted?: Set<string> };

/** The context of one subscription: its socket's authentication, and a refusal decided before it runs. */
interface SubscriptionContext extends StreamContext {
  refusal: GraphQLError | null;
}

/**
 * Serves graphql-ws on `server`'s upgrade requests for /graphql (others are refused) with one LISTEN
 * connection for this process. `close()` ends every socket (1001, clients reconnect elsewhere) and stops
 * listening.
 */
export function attachStreams(server: ServerType | Server, deps: Deps, schema: GraphQLSchema): { close(): Promise<void> } {
  const log = deps.log.child({ component: 'streams' });
  const feed = startChangeFeed(deps.sql, log);
  feed.then(
    (f) => liveRegistries.add(f.registry),
    (err) => log.error({ err }, 'could not listen for changes; streams will fail'),
  );
  const roots = subscriptionRoots(deps, feed);
  const documents = new DocumentCache();
  const production = deps.config.NODE_ENV === 'production';

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: STREAM_LIMITS.maxPayloadBytes,
    // No permessage-deflate. Stream events are deltas of a few documents; catch-ups after a reconnect travel
    // over HTTP pulls, which are compressed. Deflate would save a few hundred bytes per event at the price
    // of zlib state per socket (measured: ~100 KiB RSS per socket, against ~23 KiB without) and CPU per event.
    perMessageDeflate: false,
  });

  // graphql-ws is given our graphql functions throughout (parse, validate, execute, subscribe), so the
  // schema never meets another copy of the graphql package (vitest resolves graphql differently from Node).
  const disposable = useServer<Record<string, unknown> | undefined, { auth: SocketAuth }>(
    {
      schema,
      roots: { subscription: roots },
      parse: documents.parse as typeof parse,
      validate: documents.validate as typeof validate,
      execute: (args) => execute(args),
      subscribe: (args) => {
        const refusal = (args.contextValue as SubscriptionContext).refusal;
        return refusal ? { errors: [refusal] } : subscribe(args);
      },
      async onConnect(ctx) {
        const auth = new SocketAuth(deps, feed, ctx.extra.socket);
        (ctx.extra as SocketExtra).auth = auth;
        liveSockets++;
        const presented = authorizationParam(ctx.connectionParams);
        if (presented === undefined || presented === null) {
          // No token at all: subscriptions may still bring one in their `headers` argument.
          auth.armDeadline();
          return true;
        }
        return (await auth.verify(bearer(presented))) !== null;
      },
      context(ctx, id): SubscriptionContext {
        const extra = ctx.extra as SocketExtra;
        const auth = extra.auth!;
        const admitted = (extra.admitted ??= new Set());
        // Ended subscriptions leave graphql-ws's list whichever way they end (completed, refused, failed).
        for (const other of admitted) if (!(other in ctx.subscriptions)) admitted.delete(other);
        const tooMany = !admitted.has(id) && admitted.size >= STREAM_LIMITS.maxSubscriptionsPerSocket;
        if (!tooMany) admitted.add(id);
        return {
          authenticate: (h) => auth.authenticate(h),
          close: (c) => auth.close(c),
          refusal: tooMany ? new GraphQLError(`At most ${STREAM_LIMITS.maxSubscriptionsPerSocket} subscriptions per socket.`) : null,
        };
      },
      onNext(_ctx, _id, _payload, _args, result) {
        if (!result.errors) return;
        return { ...result, errors: result.errors.map(publicError) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(publicError);
      },
      onClose(ctx) {
        const auth = (ctx.extra as SocketExtra).auth;
        if (auth) {
          auth.end();
          liveSockets--;
        }
      },
    },
    wss,
  );

  /** Our refusals say what to do; anything else is a bug: logged, and not shown in production. */
  function publicError(e: GraphQLError): GraphQLFormattedError {
    const original = e.originalError;
    if (!original || original instanceof GraphQLError || original.name === 'GraphQLError') return e.toJSON();
    log.error({ err: original }, 'stream failed');
    return { message: production ? 'Something went wrong on our side; reconnect shortly.' : e.message };
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== STREAM_PATH || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  const http = server as Server;
  http.on('upgrade', onUpgrade);

  return {
    async close() {
      http.off('upgrade', onUpgrade);
      await disposable.dispose();
      const f = await feed.catch(() => null);
      if (f) {
        liveRegistries.delete(f.registry);
        await f.close();
      }
    },
  };
}
