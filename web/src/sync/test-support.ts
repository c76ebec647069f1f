// Test helpers for the sync module: RxDB's dev-mode checks and schema validation over memory storage.
import { addRxPlugin, type RxStorage } from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';

let devMode = false;

/**
 * Memory storage with every write validated against the schemas, and RxDB's dev-mode checks on. Memory
 * storage keeps a database's data for the life of the process, so reopening a name is a device restart.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function testStorage(): RxStorage<any, any> {
  if (!devMode) {
    disableWarnings();
    addRxPlugin(RxDBDevModePlugin);
    devMode = true;
  }
  return wrappedValidateAjvStorage({ storage: getRxStorageMemory() });
}

let n = 0;
/** A database name no other test uses (RxDB: lower case, starting with a letter). */
export function uniqueName(prefix = 'fw'): string {
  return `${prefix}-${Date.now().toString(36)}-${(n++).toString(36)}`;
}

/** The first value of `source` that satisfies `predicate`, or a timeout error naming what was awaited. */
export function until<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string, ms = 10_000): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({ first: ms, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) }),
    ),
  );
}
