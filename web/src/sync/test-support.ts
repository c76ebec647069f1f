// Test helpers for the sync module: RxDB's dev-mode checks and schema validation over memory storage.
import { addRxPlugin, type RxStorage } from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';
import type { Role } from '@shared/roles';
import { createSyncClient, type SyncClient, type SyncClientOptions } from './client';

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

/** Devices opened by offlineDevice, closed by closeDevices (call it in afterEach). */
const devices: SyncClient[] = [];

/**
 * A device after a sync, now offline: a real SyncClient on validated memory storage that never contacts a
 * server (connect: false). `settleMs` is 0 unless given, so decided commands stop shaping views at once.
 */
export async function offlineDevice(user: { id: string; roles: readonly Role[] }, over: Partial<SyncClientOptions> = {}): Promise<SyncClient> {
  const client = await createSyncClient({
    name: uniqueName(),
    storage: testStorage(),
    user: { id: user.id, roles: [...user.roles] },
    url: { http: 'http://127.0.0.1:9/graphql' },
    getToken: () => 'unused',
    multiInstance: false,
    connect: false,
    settleMs: 0,
    ...over,
  });
  devices.push(client);
  return client;
}

export async function closeDevices(): Promise<void> {
  for (const c of devices.splice(0)) await c.stop().catch(() => undefined);
}

/** What replication writes when the server's decision on a command comes back. */
export async function decide(
  client: SyncClient,
  id: string,
  outcome: { status: 'applied'; result?: Record<string, unknown> } | { status: 'rejected'; code: string; message: string },
): Promise<void> {
  const doc = await client.db.commands.findOne(id).exec();
  const decidedAt = new Date().toISOString();
  await doc!.incrementalPatch(
    outcome.status === 'applied'
      ? { status: 'applied', result: JSON.stringify(outcome.result ?? {}), decidedAt, updatedAt: decidedAt }
      : { status: 'rejected', rejectionCode: outcome.code as never, rejectionMessage: outcome.message, decidedAt, updatedAt: decidedAt },
  );
}

/** The commands on the device, payloads parsed. */
export async function issuedCommands(client: SyncClient) {
  const docs = await client.db.commands.find().exec();
  return docs.map((d) => ({ type: d.type, status: d.status, payload: JSON.parse(d.payload) as Record<string, unknown> }));
}
