// What a command handler gets: the transaction, who is acting, the server's clock, and how to refuse.
import type postgres from 'postgres';
import { bookingParties } from '@shared/parties';
import type { Actor, Party } from '@shared/roles';
import { rejection, type Rejection, type RejectionCode } from '@shared/rejections';
import type { CommandPayload, CommandType } from '@shared/commands';
import type { Db } from '../db/sql';
import type { OutboxMessage } from '../store/outbox';

export interface CommandContext {
  /** The command's transaction: everything a handler writes commits or rolls back with the outcome. */
  readonly tx: Db;
  /** Roles as they are in the database now, not as the access token remembers them. */
  readonly actor: Actor;
  readonly commandId: string;
  /** The server's clock; the device's issuedAt decides nothing. */
  readonly now: Date;
  /**
   * When the device says the person acted (the command's issuedAt, corrected by how far the device's clock is from
   * ours when it sent it): for the record people read only (actedAt).
   */
  readonly issuedAt: Date;
  /**
   * Queues a write whose result the handler does not need. Queued writes go out, in order, in the same
   * round trip as the command's outcome and COMMIT. A unique violation there becomes a refusal (see
   * UNIQUE_REFUSALS in apply.ts), any other failure an error; either way nothing commits.
   */
  write(query: postgres.PendingQuery<postgres.Row[]>): void;
  /** Queues news for the outbox; written with the command's outcome, and only if it is applied. */
  notify(message: OutboxMessage): void;
}

/** Thrown by a handler to refuse; applyCommand rolls back the handler's writes and records the refusal. */
export class CommandRejected extends Error {
  override name = 'CommandRejected';
  readonly rejection: Rejection;
  constructor(code: RejectionCode, message?: string) {
    const r = rejection(code, message);
    super(r.message);
    this.rejection = r;
  }
}

export function reject(code: RejectionCode, message?: string): never {
  throw new CommandRejected(code, message);
}

/**
 * The actor's parts in a booking, or in a milestone or dispute of one: the row with them. Someone with no
 * part in it is not told it exists.
 */
export function partiesIn<T extends { readonly clientId: string; readonly workerId: string }>(ctx: CommandContext, found: T | undefined): [T, Party[]] {
  const parties = found ? bookingParties(ctx.actor, found) : [];
  if (!found || parties.length === 0) return reject('not_found');
  return [found, parties];
}

/**
 * When the person did it, for the record people read: a chat message's time, the start of work. That is the
 * device's issuedAt on our clock, which may be long before the command reached us (sent from a basement, after
 * hours offline), but never later than the server's clock nor earlier than `notBefore` (the booking's last
 * change, so that its history stays in order, or its creation). It decides nothing: deadlines, clocks and
 * timers run from `now`.
 */
export function actedAt(ctx: Pick<CommandContext, 'issuedAt' | 'now'>, notBefore: Date): Date {
  return new Date(Math.min(Math.max(ctx.issuedAt.getTime(), notBefore.getTime()), ctx.now.getTime()));
}

export type CommandResult = Record<string, unknown>;

/**
 * A command handler in two steps. `load` reads what the decision needs and is sent in the same round
 * trip as BEGIN, before the actor's roles are known, so it may depend only on the payload and the actor's
 * id. `decide` authorizes with the shared machines, queues writes, and returns the result.
 */
export interface Handler<T extends CommandType, L = undefined> {
  load?: (db: Db, payload: CommandPayload<T>, actorId: string) => Promise<L>;
  decide: (ctx: CommandContext, payload: CommandPayload<T>, loaded: L) => Promise<CommandResult> | CommandResult;
  /**
   * True when `decide` writes only through `ctx.write`, so that a refusal leaves nothing to undo. Inside a
   * group (apply.ts) any other handler decides after a savepoint, for its refusal to roll back to.
   */
  queuesWrites?: true;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handlers = { readonly [T in CommandType]: Handler<T, any> };
