// Pushes: commands are applied, each exactly once; anything else is refused by answering with the master.
import { commandEnvelope } from '@shared/commands';
import { rejection } from '@shared/rejections';
import type { CollectionName, CommandDoc } from '@shared/replication';
import type { Sql } from '../db/sql';
import { applyCommand, type CommandOutcome } from '../commands/apply';
import { commandDoc, masters } from './pull';
import type { Viewer } from './viewer';

export interface CommandPushRow {
  assumedMasterState?: { id: string } | null;
  newDocumentState: { id: string; type: string; payload: string; issuedAt: string };
}

/** A decided command as the device stores it, from the outcome we just computed. */
function decidedDoc(row: CommandPushRow['newDocumentState'], outcome: CommandOutcome, now: Date): CommandDoc {
  const at = now.toISOString();
  return {
    id: row.id, type: row.type, payload: row.payload, issuedAt: row.issuedAt, status: outcome.status,
    result: outcome.result ? JSON.stringify(outcome.result) : null,
    rejectionCode: outcome.rejection?.code ?? null, rejectionMessage: outcome.rejection?.message ?? null,
    decidedAt: at, updatedAt: at, deleted: false,
  };
}

/**
 * Applies the rows in order and returns every decided command as its master state (status applied or
 * rejected), so that the device learns each outcome in the same round trip. The assumed master state is
 * ignored: a command is judged by its id alone, and a replay gets its stored outcome.
 */
export async function pushCommands(sql: Sql, viewer: Viewer, rows: CommandPushRow[], now: () => Date, deviceClockOffsetMs = 0): Promise<CommandDoc[]> {
  const out: CommandDoc[] = [];
  for (const { newDocumentState: doc } of rows) {
    let payload: unknown;
    try {
      payload = JSON.parse(doc.payload);
    } catch {
      payload = undefined;
    }
    const env = commandEnvelope.safeParse({ id: doc.id, type: doc.type, payload, issuedAt: doc.issuedAt });
    if (!env.success || payload === undefined) {
      // Nothing to remember it under: answer with a refusal the device can show, and store nothing.
      const r = rejection('invalid_command', `This command is malformed (${env.success ? 'payload is not JSON' : env.error.issues[0]?.message}).`);
      out.push(decidedDoc(doc, { id: doc.id, type: doc.type, status: 'rejected', rejection: r, replayed: false }, now()));
      continue;
    }
    const outcome = await applyCommand(sql, viewer.id, env.data, { now, deviceClockOffsetMs });
    out.push(decidedDoc(doc, outcome, now()));
  }
  return out;
}

/** Pushes to authoritative collections change nothing; the answer is the master copy of each pushed id. */
export async function refusePush(sql: Sql, viewer: Viewer, collection: Exclude<CollectionName, 'commands'>, rows: { newDocumentState: unknown }[]) {
  const ids = rows.map((r) => (r.newDocumentState as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string');
  return masters(sql, viewer, collection, ids);
}

export { commandDoc };
