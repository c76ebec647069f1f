// The GraphQL replication endpoint: POST /graphql for pulls and pushes, GET /graphql/schema.graphql for
// the published SDL. Subscriptions (streams) share the schema and path over graphql-ws (stream.ts).
import { Hono } from 'hono';
import {
  buildSchema,
  execute,
  getOperationAST,
  GraphQLError,
  GraphQLScalarType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import { z } from 'zod';
import { DEVICE_TIME_HEADER, MAX_PULL_LIMIT, MAX_PUSH_ROWS, SCHEMA_SDL, type CollectionName, type Checkpoint } from '@shared/replication';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { readJson } from '../http/read-json';
import { enforce } from '../ops/rate-limit';
import { CheckpointError, pull } from './pull';
import { pushCommands, refusePush, type CommandPushRow } from './push';
import { loadViewer, type Viewer } from './viewer';
import { deviceClockOffset } from '../http/device-clock';

/** Limits on what one request may ask for (DESIGN.md, Security: query depth and size limits). */
export const LIMITS = { maxQueryBytes: 8 * 1024, maxDepth: 6, maxRootFields: 5, maxFields: 120 } as const;

const safeInt = new GraphQLScalarType({
  name: 'SafeInt',
  serialize: (v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new GraphQLError('SafeInt must be a safe integer');
    return v;
  },
  parseValue: (v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new GraphQLError('SafeInt must be a safe integer');
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT || !Number.isSafeInteger(Number(ast.value))) throw new GraphQLError('SafeInt must be a safe integer');
    return Number(ast.value);
  },
});

const json = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: () => {
    throw new GraphQLError('JSON values must be passed as variables');
  },
});

export function createSchema(): GraphQLSchema {
  const schema = buildSchema(SCHEMA_SDL);
  // buildSchema leaves custom scalars as pass-throughs; give them their rules.
  Object.assign(schema.getType('SafeInt')!, { serialize: safeInt.serialize, parseValue: safeInt.parseValue, parseLiteral: safeInt.parseLiteral });
  Object.assign(schema.getType('JSON')!, { serialize: json.serialize, parseValue: json.parseValue, parseLiteral: json.parseLiteral });
  return schema;
}

/** Depth, breadth and alias limits: cheap checks before any resolver runs. */
function limitsRule(context: ValidationContext): ASTVisitor {
  let fields = 0;
  return {
    OperationDefinition(node) {
      const roots = node.selectionSet.selections.length;
      if (roots > LIMITS.maxRootFields) context.reportError(new GraphQLError(`At most ${LIMITS.maxRootFields} root fields per request.`, { nodes: [node] }));
      const depth = (sel: readonly { kind: string; selectionSet?: { selections: readonly unknown[] } }[], d: number): number =>
        Math.max(d, ...sel.map((s) => (s.selectionSet ? depth(s.selectionSet.selections as never, d + 1) : d)));
      if (depth(node.selectionSet.selections as never, 1) > LIMITS.maxDepth)
        context.reportError(new GraphQLError(`Queries may nest at most ${LIMITS.maxDepth} levels.`, { nodes: [node] }));
    },
    FragmentDefinition(node) {
      context.reportError(new GraphQLError('Fragments are not supported by this endpoint.', { nodes: [node] }));
    },
    Field() {
      if (++fields === LIMITS.maxFields + 1) context.reportError(new GraphQLError(`At most ${LIMITS.maxFields} fields per request.`));
    },
  };
}

export interface GraphQLContext {
  deps: Deps;
  /** Our clock less the device's as it sent this request (http/device-clock.ts). */
  deviceClockOffsetMs: number;
  /** Loaded once per request, on first use: roles and operator area as they are now. */
  viewer: () => Promise<Viewer>;
}

const checkLimit = (limit: number) => {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PULL_LIMIT) throw new GraphQLError(`limit must be between 1 and ${MAX_PULL_LIMIT}.`);
  return limit;
};

function puller(collection: CollectionName) {
  return async (args: { checkpoint?: Checkpoint | null; limit: number }, ctx: GraphQLContext) => {
    try {
      return await pull(ctx.deps.sql, ctx.deps.secret, await ctx.viewer(), collection, args.checkpoint ?? null, checkLimit(args.limit));
    } catch (e) {
      if (e instanceof CheckpointError) throw new GraphQLError(e.message);
      throw e;
    }
  };
}

function refuser(collection: Exclude<CollectionName, 'commands'>) {
  return async (args: { rows: { newDocumentState: unknown }[] }, ctx: GraphQLContext) => {
    if (args.rows.length > MAX_PUSH_ROWS) throw new GraphQLError(`At most ${MAX_PUSH_ROWS} rows per push.`);
    return refusePush(ctx.deps.sql, await ctx.viewer(), collection, args.rows);
  };
}

/** Query and Mutation resolvers, as a root value for graphql-js's default resolvers. */
export const rootValue = {
  pullGigs: puller('gigs'),
  pullBookings: puller('bookings'),
  pullMessages: puller('messages'),
  pullProfiles: puller('profiles'),
  pullCommands: puller('commands'),
  pullMilestones: puller('milestones'),
  pullDisputes: puller('disputes'),
  async pushCommands(args: { rows: CommandPushRow[] }, ctx: GraphQLContext) {
    if (args.rows.length > MAX_PUSH_ROWS) throw new GraphQLError(`At most ${MAX_PUSH_ROWS} commands per push.`);
    const viewer = await ctx.viewer();
    await enforce(ctx.deps.sql, { key: `commands:${viewer.id}`, max: ctx.deps.config.COMMAND_RATE_PER_MIN, windowSeconds: 60 }, ctx.deps.now(), 'Too many actions in a minute.', args.rows.length);
    return pushCommands(ctx.deps.sql, viewer, args.rows, ctx.deps.now, ctx.deviceClockOffsetMs);
  },
  pushGigs: refuser('gigs'),
  pushBookings: refuser('bookings'),
  pushMessages: refuser('messages'),
  pushProfiles: refuser('profiles'),
  pushMilestones: refuser('milestones'),
  pushDisputes: refuser('disputes'),
};

const body = z.object({
  query: z.string().min(1).max(LIMITS.maxQueryBytes, `queries are limited to ${LIMITS.maxQueryBytes} bytes`),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(100).nullish(),
});

/** Parses and validates once per distinct query text: devices send the same few queries over and over. */
export function documentCache(schema: GraphQLSchema, production: boolean) {
  const rules = [...specifiedRules, limitsRule, ...(production ? [NoSchemaIntrospectionCustomRule] : [])];
  const cache = new Map<string, DocumentNode | readonly GraphQLError[]>();
  return (query: string): DocumentNode | readonly GraphQLError[] => {
    const hit = cache.get(query);
    if (hit) return hit;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      const doc = parse(query, { maxTokens: 2000 });
      const errors = validate(schema, doc, rules);
      result = errors.length ? errors : doc;
    } catch (e) {
      result = [e instanceof GraphQLError ? e : new GraphQLError(String(e))];
    }
    if (cache.size > 500) cache.clear();
    cache.set(query, result);
    return result;
  };
}

export function graphqlRoutes(deps: Deps, schema: GraphQLSchema) {
  const prepare = documentCache(schema, deps.config.NODE_ENV === 'production');
  return new Hono<AuthEnv>()
    .get('/schema.graphql', (c) => c.text(SCHEMA_SDL.trim() + '\n', 200, { 'content-type': 'application/graphql; charset=utf-8' }))
    .post('/', requireActor(deps), async (c) => {
      const parsed = body.safeParse(await readJson(c));
      if (!parsed.success) throw new HttpError('invalid_request', `Send {"query": "...", "variables": {...}}: ${parsed.error.issues[0]?.message}`);
      const actor = c.get('actor');
      await enforce(deps.sql, { key: `graphql:${actor.id}`, max: deps.config.GRAPHQL_RATE_PER_MIN, windowSeconds: 60 }, deps.now(), 'Too many sync requests in a minute; the device will retry shortly.');
      const doc = prepare(parsed.data.query);
      if (Array.isArray(doc)) return c.json({ errors: (doc as readonly GraphQLError[]).map((e) => e.toJSON()) }, 400);
      // graphql-js would run a subscription's resolver as a query and fail on what it returns.
      if (getOperationAST(doc as DocumentNode, parsed.data.operationName)?.operation === 'subscription')
        return c.json({ errors: [{ message: 'Subscriptions run over the WebSocket at /graphql (graphql-ws); POST carries queries and mutations.' }] }, 400);
      let viewer: Promise<Viewer> | undefined;
      const contextValue: GraphQLContext = {
        deps,
        deviceClockOffsetMs: deviceClockOffset(c.req.header(DEVICE_TIME_HEADER), deps.now()),
        viewer: () =>
          (viewer ??= loadViewer(deps.sql, actor.id).then((v) => {
            if (!v) throw new GraphQLError('This account no longer exists.', { extensions: { code: 'UNAUTHENTICATED' } });
            return v;
          })),
      };
      const result = await execute({
        schema,
        document: doc as DocumentNode,
        rootValue,
        contextValue,
        variableValues: parsed.data.variables ?? undefined,
        operationName: parsed.data.operationName ?? undefined,
      });
      // Our own refusals are GraphQLErrors, or HttpErrors (a rate limit) said with their code, and say what to
      // do; anything else is a bug, logged, not shown.
      const errors = result.errors?.map((e) => {
        if (!e.originalError || e.originalError instanceof GraphQLError) return e.toJSON();
        if (e.originalError instanceof HttpError) {
          const { code, message, retryAfter } = e.originalError;
          return { message, path: e.path, extensions: { code: code.toUpperCase(), retryAfter } };
        }
        deps.log.error({ err: e.originalError, path: e.path }, 'graphql resolver failed');
        return { message: 'Something went wrong on our side; the device will retry.', path: e.path, extensions: { code: 'INTERNAL' } };
      });
      return c.json({ ...result, ...(errors && { errors }) });
    });
}
