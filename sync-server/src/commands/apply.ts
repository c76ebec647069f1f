// applyCommand: the one write path. Each command is decided exactly once, in one transaction, and its
// outcome is stored under the device's command id so that every replay gets the same answer.
import { createHash } from 'node:crypto';
import { commandPayloads, isCommandType, type CommandEnvelope } from '@shared/commands';
import { rejection, type Rejection } from '@shared/rejections';
import type { Role } from '@shared/roles';
import type { Sql, TxSql } from '../db/sql';
import { transaction } from '../db/tx';
import { commandDuration, commandsTotal } from '../ops/metrics';
import { CommandRejected, type CommandResult } from './context';
import { handlers } from './handlers';

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

interface StoredCommand {
  actorId: string;
  type: string;
  payloadHash: string;
  status: 'pending' | 'applied' | 'rejected';
  result: CommandResult | null;
  rejectionCode: Rejection['code'] | null;
  rejectionMessage: string | null;
}

function fromStored(id: string, row: StoredCommand, replayed: boolean): CommandOutcome {
  return row.status === 'rejected'
    ? { id, type: row.type, status: 'rejected', rejection: { code: row.rejectionCode!, message: row.rejectionMessage! }, replayed }
    : { id, type: row.type, status: 'applied', result: row.result ?? {}, replayed };
}

export async function applyCommand(sql: Sql, actorId: string, cmd: CommandEnvelope, opts: ApplyOptions = {}): Promise<CommandOutcome> {
  const started = performance.now();
  const hash = fingerprint(cmd.type, cmd.payload);

  // Validation happens before the transaction, but its verdict is stored like any other, so that a
  // replay of a malformed command gets the same refusal and the device's queue moves on.
  let early: Rejection | undefined;
  let payload: unknown;
  if (!isCommandType(cmd.type)) early = rejection('unknown_command');
  else {
    const parsed = commandPayloads[cmd.type].safeParse(cmd.payload);
    if (parsed.success) payload = parsed.data;
    else early = { code: 'invalid_command', message: describeIssues(parsed.error.issues) };
  }

  const outcome = await transaction(sql, async (tx) => {
    // 1. Claim the id. A concurrent delivery of the same command waits here for ours to commit.
    const claimed = await tx`
      insert into commands (id, actor_id, type, payload, payload_hash, issued_at, status)
      values (${cmd.id}, ${actorId}, ${cmd.type}, ${tx.json((cmd.payload ?? null) as never)}, ${hash}, ${cmd.issuedAt}, 'pending')
      on conflict (id) do nothing
      returning id`;
    if (claimed.length === 0) {
      // 2. Seen before: answer with the stored outcome, unless this is not the same command.
      const [stored] = await tx<StoredCommand[]>`
        select actor_id, type, payload_hash, status, result, rejection_code, rejection_message from commands where id = ${cmd.id}`;
      if (!stored || stored.actorId !== actorId || stored.payloadHash !== hash)
        return { id: cmd.id, type: cmd.type, status: 'rejected', rejection: rejection('id_reused'), replayed: false } satisfies CommandOutcome;
      return fromStored(cmd.id, stored, true);
    }

    // 3. Decide: authorize with the actor's current roles, run the handler in a savepoint so that a
    //    refusal undoes the handler's writes but keeps the command row.
    let decided: { result: CommandResult } | { rejection: Rejection };
    const [actor] = await tx<{ roles: Role[] }[]>`select roles from users where id = ${actorId} and not deleted`;
    if (early) decided = { rejection: early };
    else if (!actor) decided = { rejection: rejection('forbidden', 'This account no longer exists.') };
    else {
      try {
        const handler = handlers[cmd.type as keyof typeof handlers] as (ctx: object, p: unknown) => Promise<CommandResult>;
        const now = opts.now?.() ?? new Date();
        const result = await tx.savepoint((sp: TxSql) => handler({ tx: sp, actor: { id: actorId, roles: actor.roles }, commandId: cmd.id, now }, payload));
        decided = { result };
      } catch (e) {
        if (!(e instanceof CommandRejected)) throw e;
        decided = { rejection: e.rejection };
      }
    }

    // 4. Record the outcome on the command row; replication carries it back to the device.
    if ('result' in decided) {
      await tx`update commands set status = 'applied', result = ${tx.json(decided.result as never)}, decided_at = now() where id = ${cmd.id}`;
      return { id: cmd.id, type: cmd.type, status: 'applied', result: decided.result, replayed: false } satisfies CommandOutcome;
    }
    await tx`
      update commands set status = 'rejected', rejection_code = ${decided.rejection.code},
        rejection_message = ${decided.rejection.message}, decided_at = now()
      where id = ${cmd.id}`;
    return { id: cmd.id, type: cmd.type, status: 'rejected', rejection: decided.rejection, replayed: false } satisfies CommandOutcome;
  });

  const type = isCommandType(cmd.type) ? cmd.type : 'unknown';
  commandsTotal.inc({ type, outcome: outcome.replayed ? 'replayed' : outcome.status });
  commandDuration.observe({ type }, (performance.now() - started) / 1000);
  return outcome as CommandOutcome;
}
