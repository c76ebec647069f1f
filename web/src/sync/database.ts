// The device's local database: one RxDB collection per replicated collection, with schemas from shared/.
import {
  addRxPlugin,
  createRxDatabase,
  type RxCollection,
  type RxDatabase,
  type RxJsonSchema,
  type RxStorage,
} from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { COLLECTIONS, type CollectionName } from '@shared/replication';
import { RXDB_SCHEMAS, type StoredDocTypes } from '@shared/rxdb-schemas';
import { yieldToMain } from './yield';

export type FieldworkCollections = { [C in CollectionName]: RxCollection<StoredDocTypes[C]> };
export type FieldworkDatabase = RxDatabase<FieldworkCollections>;

export interface DatabaseOptions {
  /** Lower case, starting with a letter (RxDB's rule); one database per signed-in user. */
  name: string;
  /** Dexie (IndexedDB) in the browser, memory in Node tests; wrap with a validator in development. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  storage: RxStorage<any, any>;
  /** Several tabs share one database; only the leading tab replicates. Off in Node tests. */
  multiInstance?: boolean;
  /**
   * The collections to open and replicate (default: all). RxDB's free tier allows 13 open collections per
   * JavaScript realm, so tests that hold two devices in one process open only what they exercise.
   * Profiles and commands are always opened: every view needs them.
   */
  collections?: readonly CollectionName[];
}

/** What a device opens: the collections asked for, with profiles and commands, in the contract's order. */
function deviceCollections(wanted: readonly CollectionName[] = COLLECTIONS): CollectionName[] {
  return COLLECTIONS.filter((c) => c === 'profiles' || c === 'commands' || wanted.includes(c));
}

/**
 * Opens the database and its collections. Conflicts are resolved by RxDB's default handler, which
 * takes the master state: the device never holds an authoritative field, and a pushed command comes back
 * as its decided document (DESIGN, "One write path", step 3).
 */
export async function createFieldworkDatabase({ name, storage, multiInstance, collections }: DatabaseOptions): Promise<FieldworkDatabase> {
  addRxPlugin(RxDBLocalDocumentsPlugin);
  const db = await createRxDatabase<FieldworkCollections>({
    name,
    storage,
    multiInstance: multiInstance ?? true,
    // Local documents hold device-only state: dismissed rejections, the last successful sync.
    localDocuments: true,
    eventReduce: true,
  });
  try {
    // One collection at a time with a turn for the browser in between: opening them all is one long task.
    for (const c of deviceCollections(collections)) {
      await yieldToMain();
      await db.addCollections({ [c]: { schema: RXDB_SCHEMAS[c] as unknown as RxJsonSchema<StoredDocTypes[typeof c]> } });
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
