// Issuing commands: every user action becomes a pending command document (DESIGN, "One write path", step 1).
import type { z } from 'zod';
import { commandPayloads, isCommandType, type CommandInput, type CommandType } from '@shared/commands';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { newId } from './ids';

export type PendingCommandDoc = StoredDocTypes['commands'];

/** A programming error: the UI offered an action with input the shared schema refuses. */
export class InvalidCommandError extends Error {
  override name = 'InvalidCommandError';
  constructor(
    readonly type: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`${type}: ${issues.map((i) => `${i.path.join('.') || '(payload)'} ${i.message}`).join('; ')}`);
  }
}

/**
 * Validates the payload with the shared schema and builds the pending document. Throws InvalidCommandError
 * on bad input. The stored payload is the schema's output (trimmed, defaults filled, ids lower-cased), so
 * the optimistic view and the server read the same values.
 */
export function buildCommand<T extends CommandType>(type: T, input: CommandInput<T>, now: Date = new Date()): PendingCommandDoc {
  if (!isCommandType(type)) throw new InvalidCommandError(String(type), [{ code: 'custom', path: [], message: 'unknown command type', input: type }]);
  const parsed = commandPayloads[type].safeParse(input);
  if (!parsed.success) throw new InvalidCommandError(type, parsed.error.issues);
  const issuedAt = now.toISOString();
  return { id: newId(), type, payload: JSON.stringify(parsed.data), issuedAt, status: 'pending', updatedAt: issuedAt };
}
