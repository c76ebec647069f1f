// Reading a stored command for the optimistic view, checked with the shared schema. Its own module (and chunk):
// the validator loads only once the device has commands waiting, not on every start.
import { commandPayloads, isCommandType } from '@shared/commands';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import type { ViewCommand } from './optimistic';

/** Parses a stored command; undefined when its type or payload is not one this app version understands. */
export function toViewCommand(doc: Pick<StoredDocTypes['commands'], 'id' | 'type' | 'payload' | 'issuedAt' | 'status'>): ViewCommand | undefined {
  if (!isCommandType(doc.type)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(doc.payload);
  } catch {
    return undefined;
  }
  const parsed = commandPayloads[doc.type].safeParse(json);
  if (!parsed.success) return undefined;
  return { id: doc.id, type: doc.type, payload: parsed.data, issuedAt: doc.issuedAt, status: doc.status };
}
