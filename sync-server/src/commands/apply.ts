// applyCommand: the one write path. Each command is decided exactly once, in one transaction, and its
// outcome is stored under the device's command id so that every replay gets the same answer.
// Round trips are the cost that matters here (see bench/commands.bench.ts): independent statements are
// pipelined, and the transaction is opened and closed in the same packets as real work.
import { createHash } from 'node:crypto';
import type { PendingQuery, Row } from 'postgres';
import { commandEnvelope, commandPayloads, isCommandType, type CommandEnvelope, type CommandType } from '@shared/commands';
import { rejection, type Rejection } from '@shared/rejections';
import type { Role } from '@shared/roles';
import type { Db, Sql } from '../db/sql';
import { backoff, isRetryable, pgCode } from '../db/tx';
import { commandDuration, commandGroupsTotal, commandsTotal } from '../ops/metrics';
import { CommandRejected, type CommandContext, type CommandResult, type Handler } from './context';
import { handlers } from './handlers';
import { insertOutbox, type OutboxMessage } from '../store/outbox';
import { newsWritten } from '../notifications/soon';
import { CommandGroups, PERSON_FIELDS, uuidsIn, type Queued } from './group';

export interface CommandOutcome {
  id: string;
  type: string;
  status: 'applied' | 'rejected';
  result?: CommandResult;
  rejection?: Rejection;
  /** True when this answer is the stored outcome of an earlier delivery of the same command. */
  replayed: boolean;
}

export interface ApplyOptions {
  now?: () => Date;
  /** Our clock less the device's as it sent the command (http/device-clock.ts), for dating what it records. */
  deviceClockOffsetMs?: number;
}

/** JSON with sorted keys: the same payload sent with its keys in another order is the same command. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function fingerprint(type: string, payload: unknown): string {
  return createHash('sha256').update(type).update('\0').update(canonicalJson(payload)).digest('base64url');
}

/** A schema failure as one sentence a developer can act on; the device shows the code's own wording. */
function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const first = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`);
  return `${rejection('invalid_command').message} (${first.join('; ')})`;
}

/** Command types are short dotted names; anything else is none of ours, whatever characters it holds. */
const PLAIN_TYPE = /^[a-z_.]{1,64}$/;
/** Real payloads nest four levels at most (milestone.propose); far deeper only serves to exhaust the stack. */
const MAX_PAYLOAD_DEPTH = 32;
/** What Postgres cannot hold: text refuses NUL, and jsonb refuses both NUL and an unpaired surrogate. */
const UNSTORABLE_CHAR = /[\0\p{Cs}]/u;

/**
 * Refuses, before any fingerprint or database call, a command that cannot be stored: a type that is not a plain
 * name, a device time Postgres would not take, or a payload too deep or holding characters jsonb cannot.
 * Such a refusal is not stored (there is nothing safe to store); a replay meets the same check and the same
 * answer. The payload is walked with a stack of its own, so that depth is counted rather than recursed into.
 */
function unstorable(cmd: CommandEnvelope): Rejection | undefined {
  if (!PLAIN_TYPE.test(cmd.type)) return rejection('unknown_command');
  // A path as deep as the limit reads as "payload.a.0.0.0.…": the first steps and the last say where.
  const shortPath = (path: string) => {
    const steps = path.split('.');
    return steps.length > 6 ? [...steps.slice(0, 3), '…', ...steps.slice(-2)].join('.') : path;
  };
  const invalid = (path: string, message: string): Rejection => ({ code: 'invalid_command', message: describeIssues([{ path: [shortPath(path)], message }]) });
  const issuedAt = commandEnvelope.shape.issuedAt.safeParse(cmd.issuedAt);
  if (!issuedAt.success) return invalid('issuedAt', issuedAt.error.issues[0]!.message);
  // Every command has a payload; the column that keeps it as sent takes no NULL.
  if (cmd.payload === undefined || cmd.payload === null) return invalid('payload', 'is required');
  const stack: [value: unknown, path: string, depth: number][] = [[cmd.payload, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE_CHAR.test(value)) return invalid(path, 'must not contain a NUL character or an unpaired surrogate');
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_PAYLOAD_DEPTH) return invalid(path, `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
      for (const [key, child] of Object.entries(value)) {
        if (UNSTORABLE_CHAR.test(key)) return invalid(path, 'a key must not contain a NUL character or an unpaired surrogate');
        stack.push([child, path ? `${path}.${key}` : key, depth + 1]);
      }
    }
  }
  return undefined;
}

interface StoredCommand {
  actorId: string;
  type: string;
  payloadHash: string;
  status: 'applied' | 'rejected';
  result: CommandResult | null;
  rejectionCode: Rejection['code'] | null;
  rejectionMessage: string | null;
}

function fromStored(cmd: CommandEnvelope, actorId: string, hash: string, row: StoredCommand): CommandOutcome {
  // Seen before: the stored outcome, unless this is not the same command.
  if (row.actorId !== actorId || row.payloadHash !== hash)
    return { id: cmd.id, type: cmd.type, status: 'rejected', rejection: rejection('id_reused'), replayed: false };
  return row.status === 'rejected'
    ? { id: cmd.id, type: row.type, status: 'rejected', rejection: { code: row.rejectionCode!, message: row.rejectionMessage! }, replayed: true }
    : { id: cmd.id, type: row.type, status: 'applied', result: row.result ?? {}, replayed: true };
}

async function readStored(sql: Db, id: string): Promise<StoredCommand> {
  const [row] = await sql<StoredCommand[]>`
    select actor_id, type, payload_hash, status, result, rejection_code, rejection_message from commands where id = ${id}`;
  if (!row) throw new Error(`command ${id} vanished`);
  return row;
}

const isCommandIdClash = (e: unknown) =>
  pgCode(e) === '23505' && (e as { constraint_name?: string }).constraint_name === 'commands_pkey';

/**
 * Under load, commands that arrive together are decided together (`decideTogether`, below); at rest, and
 * again whenever a group fails, each is decided alone by `decide`, in these steps.
 *
 * Decides one command in two round trips for most types. A command that could not be stored is answered
 * first, by `unstorable`, with no round trip at all. The steps, in protocol order:
 *  1. BEGIN, the actor's current roles with any stored outcome for this id, and the handler's reads
 *     (`load`), all in one round trip.
 *  2. A stored outcome is the answer (a replay), with no second effect.
 *  3. `decide` authorizes with the shared machine and queues its writes.
 *  4. The writes, the command row with its outcome (and the outbox rows), and COMMIT go out together.
 *     If another delivery of the same id committed first, the insert fails on commands_pkey, Postgres
 *     turns our COMMIT into a ROLLBACK, and we answer with what that delivery stored: exactly one
 *     transaction per command id ever commits effects. A unique violation on a table in UNIQUE_REFUSALS
 *     (a reused object id) becomes a refusal the same way.
 *  5. A refusal rolls back the handler's work; the refusal alone is then stored in one statement.
 * Serialization failures and deadlocks run the whole attempt again; nothing else is retried.
 */
export async function applyCommand(sql: Sql, actorId: string, cmd: CommandEnvelope, opts: ApplyOptions = {}): Promise<CommandOutcome> {
  const started = performance.now();
  const refused = unstorable(cmd);
  const outcome: CommandOutcome = refused
    ? { id: cmd.id, type: cmd.type, status: 'rejected', rejection: refused, replayed: false }
    : await new Promise<CommandOutcome>((answer, fail) => {
        const valid = validate(cmd);
        groupsOf(sql).submit({ actorId, cmd, hash: fingerprint(cmd.type, cmd.payload), opts, valid, keys: keysOf(actorId, cmd, valid), answer, fail });
      });
  const type = isCommandType(cmd.type) ? cmd.type : 'unknown';
  commandsTotal.inc({ type, outcome: outcome.replayed ? 'replayed' : outcome.status });
  commandDuration.observe({ type }, (performance.now() - started) / 1000);
  return outcome;
}

/** A command waiting for its group (group.ts), and how to answer its caller. */
interface Pending extends Queued {
  actorId: string;
  cmd: CommandEnvelope;
  hash: string;
  opts: ApplyOptions;
  valid: Validated;
  answer(outcome: CommandOutcome): void;
  fail(error: unknown): void;
}

/** The ids a command names once validated (a payload the schema refuses names none), its own, and its actor. */
function keysOf(actorId: string, cmd: CommandEnvelope, valid: Validated): Set<string> {
  const keys = uuidsIn(valid.payload);
  keys.add(actorId.toLowerCase());
  keys.add(cmd.id.toLowerCase());
  return keys;
}

/**
 * Groups in flight at once, and their size. A few lanes keep the cores busy while a group waits on the
 * network or a row lock; more only split the same commands into smaller groups (2, 4 and 8 lanes measured
 * within noise of each other on two cores).
 */
const GROUP_LANES = 4;
const GROUP_SIZE = 32;

const groups = new WeakMap<Sql, CommandGroups<Pending>>();
function groupsOf(sql: Sql): CommandGroups<Pending> {
  let g = groups.get(sql);
  if (!g) groups.set(sql, (g = new CommandGroups((group, requeue) => decideGroup(sql, group, requeue), { lanes: GROUP_LANES, size: GROUP_SIZE })));
  return g;
}

const alone = (sql: Sql, item: Pending) => decide(sql, item.actorId, item.cmd, item.hash, item.opts, item.valid).then(item.answer, item.fail);

/**
 * A group of one is decided alone. A larger one is decided together. If that fails (a refusal that may have
 * written, a unique violation, a lock held elsewhere, a deadlock, a bug), nothing of it committed. When the
 * failure is one member's, the others go back to the queue at once, to go together again in the next group,
 * and that member is decided alone (the one path that knows every refusal, and waits for every lock).
 * Otherwise each is decided alone, one after another: a lane holds one pooled connection.
 */
async function decideGroup(sql: Sql, group: Pending[], requeue: (members: Pending[]) => void): Promise<Pending[]> {
  if (group.length === 1) {
    await alone(sql, group[0]!);
    return [];
  }
  let decided: Awaited<ReturnType<typeof decideTogether>>;
  try {
    decided = await decideTogether(sql, group);
  } catch (e) {
    const culprit = e instanceof GroupFailed ? e.member : undefined;
    if (culprit) {
      commandGroupsTotal.inc({ outcome: 'member_alone' });
      // The others go together again at once, not after this one (which may wait for a lock held elsewhere).
      requeue(group.filter((item) => item !== culprit));
      await alone(sql, culprit);
      return [];
    }
    commandGroupsTotal.inc({ outcome: 'redone_alone' });
    for (const item of group) await alone(sql, item);
    return [];
  }
  commandGroupsTotal.inc({ outcome: 'committed' });
  for (const [item, outcome] of decided.answers) item.answer(outcome);
  return decided.waiting;
}

type Validated = { early?: Rejection; payload?: unknown; handler?: Handler<CommandType, unknown> };

/** A handler's parsed payload, or the refusal that validation alone decides. */
function validate(cmd: CommandEnvelope): Validated {
  if (!isCommandType(cmd.type)) return { early: rejection('unknown_command') };
  const parsed = commandPayloads[cmd.type].safeParse(cmd.payload);
  if (!parsed.success) return { early: { code: 'invalid_command', message: describeIssues(parsed.error.issues) } };
  return { payload: parsed.data, handler: handlers[cmd.type] as Handler<CommandType, unknown> };
}

/** A command's stored row with its outcome, as `outcomes` reads it: snake_case, and the payload as sent. */
function outcomeRow(actorId: string, cmd: CommandEnvelope, hash: string, outcome: { result: CommandResult } | { rejection: Rejection }) {
  return {
    id: cmd.id, actor_id: actorId, type: cmd.type, payload: cmd.payload, payload_hash: hash, issued_at: cmd.issuedAt, decided_at: new Date(),
    ...('result' in outcome
      ? { status: 'applied', result: outcome.result }
      : { status: 'rejected', rejection_code: outcome.rejection.code, rejection_message: outcome.rejection.message }),
  };
}
type OutcomeRow = ReturnType<typeof outcomeRow>;

/**
 * Outcome rows as the columns and rows of an insert into commands. One statement text whatever their
 * number, so that it is prepared once per connection (a new text costs the driver a round trip to describe
 * it, and the server a plan).
 */
const outcomes = (db: Db, rows: readonly OutcomeRow[]) => db`
  (id, actor_id, type, payload, payload_hash, issued_at, status, result, rejection_code, rejection_message, decided_at)
  select * from json_to_recordset(${JSON.stringify(rows)}::text::json) as c(
    id uuid, actor_id uuid, type text, payload jsonb, payload_hash text, issued_at timestamptz,
    status text, result jsonb, rejection_code text, rejection_message text, decided_at timestamptz)`;

/** Outcomes and the outbox rows that go with them, in one statement. A stored id fails it on commands_pkey. */
const insertOutcomes = (db: Db, rows: readonly OutcomeRow[], news: readonly OutboxMessage[]) => db`
  with news as (${insertOutbox(db, news)})
  insert into commands ${outcomes(db, rows)}`;

/** What a handler decides with: the transaction, the actor as the database has them now, the clock. */
function contextFor(db: Db, actorId: string, roles: Role[], cmd: CommandEnvelope, opts: ApplyOptions, writes: PendingQuery<Row[]>[], news: OutboxMessage[]): CommandContext {
  return {
    tx: db,
    actor: { id: actorId, roles },
    commandId: cmd.id,
    now: opts.now?.() ?? new Date(),
    issuedAt: new Date(Date.parse(cmd.issuedAt) + (opts.deviceClockOffsetMs ?? 0)),
    write: (q) => void writes.push(q),
    notify: (m) => void news.push(m),
  };
}

/**
 * A group that cannot commit, and the member that failed it when one did (its load, its decision or its
 * writes); without one, the group's own statements failed.
 */
class GroupFailed extends Error {
  constructor(readonly member?: Pending) {
    super('group failed');
  }
}

/** A statement Postgres skipped because an earlier one in the transaction failed: that earlier one says why. */
const skipped = (e: unknown) => pgCode(e) === '25P02';

/** The member whose statement failed first, in the order they ran; null when it was none of theirs. */
function firstFailure(settled: PromiseSettledResult<unknown>[], owners: readonly (Pending | null)[]): Pending | null | undefined {
  const i = settled.findIndex((r) => r.status === 'rejected' && !skipped(r.reason));
  return i < 0 ? undefined : owners[i];
}

/**
 * How long a group waits for a row lock held outside it before the member that asked gives up and goes
 * alone: well below deadlock_timeout (1 s), so that two groups locking one another's rows part quickly.
 */
const GROUP_LOCK_TIMEOUT = '100ms';

/**
 * Decides a group in one transaction, the same steps as `decide` below, side by side:
 *  1. One round trip: BEGIN, every member's roles and stored outcome (one statement), and every member's loads.
 *  2. In queue order: a replay is answered from its stored outcome; a member whose loads met a key an
 *     earlier member holds (two milestones of one booking, say) waits for a later group, untouched;
 *     the rest decide, and each one's queued writes go out as soon as it has decided, so the statements
 *     run in the order the members decided, as if each had had the transaction to itself. (A handler that
 *     reads in `decide` costs its own round trips there.) A handler that may write before refusing (one not
 *     marked `queuesWrites`) decides after a savepoint, and its refusal rolls back to it.
 *  3. Every member's outcome, applied or refused, in one insert (with the outbox), and COMMIT.
 * A failed statement, or a lock held elsewhere for longer than GROUP_LOCK_TIMEOUT, fails the group, with
 * the member it came from (see decideGroup).
 */
async function decideTogether(sql: Sql, group: Pending[]): Promise<{ answers: Map<Pending, CommandOutcome>; waiting: Pending[] }> {
  const db = await sql.reserve();
  let open = false;
  try {
    open = true;
    const began = Promise.all([db`begin`.execute(), db`select set_config('lock_timeout', ${GROUP_LOCK_TIMEOUT}, true)`.execute()]);
    const prelude = readPrelude(db, group);
    const loading = group.map((g) => g.valid.handler?.load?.(db, g.valid.payload as never, g.actorId));
    const [opened, ...loads] = await Promise.allSettled([Promise.all([began, prelude]), ...loading]);
    const failedLoad = firstFailure(loads, group);
    if (failedLoad) throw new GroupFailed(failedLoad);
    if (opened!.status === 'rejected') throw new GroupFailed();
    const pres = opened!.value[1];
    const loaded = loads.map((r) => (r as PromiseFulfilledResult<unknown>).value);

    const answers = new Map<Pending, CommandOutcome>();
    const waiting: Pending[] = [];
    const held = new Set<string>();
    const sent: Promise<unknown>[] = [];
    const owners: (Pending | null)[] = [];
    const rows: OutcomeRow[] = [];
    const news: OutboxMessage[] = [];
    for (const [i, item] of group.entries()) {
      const { cmd, actorId, hash } = item;
      const pre = pres[i]!;
      if (pre.status) {
        answers.set(item, fromStored(cmd, actorId, hash, pre as StoredCommand));
        continue;
      }
      const touched = uuidsIn(loaded[i], new Set(item.keys), PERSON_FIELDS);
      if ([...touched].some((k) => held.has(k))) {
        waiting.push(item);
        continue;
      }
      for (const k of touched) held.add(k);

      const { early, payload, handler } = item.valid;
      let refused = early ?? (pre.roles ? undefined : rejection('forbidden', 'This account no longer exists.'));
      let result: CommandResult | undefined;
      const writes: PendingQuery<Row[]>[] = [];
      const told: OutboxMessage[] = [];
      const send = (q: PendingQuery<Row[]>) => {
        const running = q.execute();
        running.catch(() => undefined); // seen below, with every other statement of the group
        sent.push(running);
        owners.push(item);
      };
      // A handler that may write before it refuses gets a savepoint to fall back to, sent with its first query.
      const savepoint = !refused && !handler!.queuesWrites ? `member_${i}` : null;
      if (savepoint) send(db.unsafe(`savepoint ${savepoint}`));
      if (!refused) {
        try {
          result = await handler!.decide(contextFor(db, actorId, pre.roles!, cmd, item.opts, writes, told), payload as never, loaded[i]);
        } catch (e) {
          if (!(e instanceof CommandRejected))
            // An earlier member's failed write fails whatever this one read after it: that member is the cause.
            throw new GroupFailed(firstFailure(await Promise.allSettled(sent), owners) ?? item);
          if (savepoint) send(db.unsafe(`rollback to savepoint ${savepoint}`));
          refused = e.rejection;
        }
      }
      if (refused) {
        rows.push(outcomeRow(actorId, cmd, hash, { rejection: refused }));
        answers.set(item, { id: cmd.id, type: cmd.type, status: 'rejected', rejection: refused, replayed: false });
        continue;
      }
      for (const q of writes) send(q);
      news.push(...told);
      rows.push(outcomeRow(actorId, cmd, hash, { result: result! }));
      answers.set(item, { id: cmd.id, type: cmd.type, status: 'applied', result: result!, replayed: false });
    }

    sent.push(insertOutcomes(db, rows, news).execute());
    sent.push(db`commit`.execute());
    owners.push(null, null);
    open = false;
    const settled = await Promise.allSettled(sent);
    const failed = firstFailure(settled, owners);
    if (failed !== undefined) throw new GroupFailed(failed ?? undefined);
    if (news.length > 0) newsWritten();
    return { answers, waiting };
  } catch (e) {
    if (open) await db`rollback`.catch(() => undefined);
    throw e instanceof GroupFailed ? e : new GroupFailed();
  } finally {
    db.release();
  }
}

/** Unique constraints whose violation means the device reused an id or lost a race, not a bug. */
const UNIQUE_REFUSALS: Record<string, Rejection> = {
  gigs_pkey: rejection('duplicate_id'),
  bookings_pkey: rejection('duplicate_id'),
  messages_pkey: rejection('duplicate_id'),
  milestones_pkey: rejection('duplicate_id'),
  bookings_one_live_per_gig: rejection('gig_taken'),
  disputes_pkey: rejection('duplicate_id'),
  disputes_one_open: rejection('dispute_open'),
};

type Prelude = Partial<StoredCommand> & { roles: Role[] | null };

/**
 * Each command's actor's current roles (null for no such user) and its stored outcome, if any, in order.
 * One command, the usual case at rest, reads by plain parameters: Postgres plans an array's `unnest` afresh
 * on every execution (a one-element array makes the custom plan look cheaper than the cached one), and that
 * planning cost four times the read itself (0.53 against 0.11 ms a round trip, measured).
 */
const readPrelude = (db: Db, commands: readonly { cmd: CommandEnvelope; actorId: string }[]) =>
  commands.length === 1
    ? db<Prelude[]>`
        select u.roles, c.actor_id, c.type, c.payload_hash, c.status, c.result, c.rejection_code, c.rejection_message
        from (select 1) as one
        left join users u on u.id = ${commands[0]!.actorId} and not u.deleted
        left join commands c on c.id = ${commands[0]!.cmd.id}`.execute()
    : db<Prelude[]>`
        select u.roles, c.actor_id, c.type, c.payload_hash, c.status, c.result, c.rejection_code, c.rejection_message
        from unnest(${commands.map((g) => g.cmd.id)}::uuid[], ${commands.map((g) => g.actorId)}::uuid[]) with ordinality as x(command_id, actor_id, n)
        left join users u on u.id = x.actor_id and not u.deleted
        left join commands c on c.id = x.command_id
        order by x.n`.execute();

async function decide(sql: Sql, actorId: string, cmd: CommandEnvelope, hash: string, opts: ApplyOptions, valid: Validated): Promise<CommandOutcome> {
  // Validation needed no database. Its verdict is stored like any other, so that a replay of a malformed
  // command gets the same refusal and the device's queue moves on.
  const { early, payload, handler } = valid;

  for (let attempt = 1; ; attempt++) {
    const db = await sql.reserve();
    let open = false;
    try {
      // 1. One round trip. Queries run in the order they are executed, so BEGIN goes first explicitly.
      open = true;
      const began = db`begin`.execute();
      const prelude = readPrelude(db, [{ cmd, actorId }]);
      const loading = handler?.load?.(db, payload as never, actorId);
      const [, [pre], loaded] = await Promise.all([began, prelude, loading]);

      // 2. A replay.
      if (pre!.status) {
        await db`rollback`;
        open = false;
        return fromStored(cmd, actorId, hash, pre as StoredCommand);
      }

      // 3. Decide.
      const writes: PendingQuery<Row[]>[] = [];
      const news: OutboxMessage[] = [];
      let refused = early ?? (pre!.roles ? undefined : rejection('forbidden', 'This account no longer exists.'));
      let result: CommandResult | undefined;
      if (!refused) {
        try {
          result = await handler!.decide(contextFor(db, actorId, pre!.roles!, cmd, opts, writes, news), payload as never, loaded);
        } catch (e) {
          if (!(e instanceof CommandRejected)) throw e;
          refused = e.rejection;
        }
      }
      if (refused) {
        await db`rollback`;
        open = false;
        // On this connection, now out of its transaction: asking the pool for another while holding this one
        // would hang once as many refusals as the pool has connections arrive together.
        return await storeRejection(db, cmd, actorId, hash, refused);
      }

      // 4. Writes, outcome, outbox and COMMIT in one round trip.
      const settled = await Promise.allSettled([...writes, insertOutcomes(db, [outcomeRow(actorId, cmd, hash, { result: result! })], news), db`commit`]);
      open = false;
      // After the first failure Postgres skips the rest (25P02) and COMMIT rolls back: the first one says why.
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        const e = failed.reason;
        if (isCommandIdClash(e)) return fromStored(cmd, actorId, hash, await readStored(db, cmd.id));
        const refusal = pgCode(e) === '23505' ? UNIQUE_REFUSALS[(e as { constraint_name?: string }).constraint_name ?? ''] : undefined;
        if (refusal) return await storeRejection(db, cmd, actorId, hash, refusal);
        throw e;
      }
      if (news.length > 0) newsWritten();
      return { id: cmd.id, type: cmd.type, status: 'applied', result: result!, replayed: false };
    } catch (e) {
      if (open) await db`rollback`.catch(() => undefined);
      if (!isRetryable(e) || attempt >= MAX_ATTEMPTS) throw e;
    } finally {
      db.release();
    }
    await backoff(attempt);
  }
}

const MAX_ATTEMPTS = 8;

/** Stores a refusal in one statement; if a concurrent delivery stored an outcome first, that one stands. */
async function storeRejection(sql: Db, cmd: CommandEnvelope, actorId: string, hash: string, r: Rejection): Promise<CommandOutcome> {
  const inserted = await sql`
    insert into commands ${outcomes(sql, [outcomeRow(actorId, cmd, hash, { rejection: r })])}
    on conflict (id) do nothing
    returning id`;
  if (inserted.length === 0) return fromStored(cmd, actorId, hash, await readStored(sql, cmd.id));
  return { id: cmd.id, type: cmd.type, status: 'rejected', rejection: r, replayed: false };
}
