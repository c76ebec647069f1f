// Sign-out leaves nothing of the user on this device: the local database, cached responses, stored choices,
// the push subscription that brought their news here and the notifications it showed.
import { otherPeoplesReads } from '../money/money-api';
import { forgetPushSubscription } from '../push/push-device';
import type { SyncClient } from '../sync/client';
import { otherPeoplesDrafts } from '../ui/use-draft';

/** The last wipe, settled either way: the next sign-in opens its database after it. */
let wiping: Promise<void> = Promise.resolve();
export const wipeFinished = (): Promise<void> => wiping;

/**
 * Removes the user's database and every cache except Workbox's precache, which holds only the app's own
 * build files (no user data) and is what lets the sign-in screen open with no network. The sign-in screen
 * does not wait for it. Stored choices go before anything is awaited, so that what the session stores next
 * (the logout it still owes the server, the next person's sign-in) is not removed by a wipe still running.
 */
export function wipeDevice(client: SyncClient): Promise<void> {
  for (const key of Object.keys(localStorage)) if (key.startsWith('fw.') && key !== 'fw.locale') localStorage.removeItem(key);
  // Their news stops coming to this phone now, not once the server hears of the sign-out (which may be later,
  // offline), and what it said leaves the screen. Nothing waits for it, and a browser that fails to unsubscribe
  // is no reason to stop the wipe.
  void forgetPushSubscription().catch(() => undefined);
  const name = client.db.name;
  const done = (async () => {
    await client.signOut();
    // RxDB's Dexie storage empties its tables on remove but leaves the IndexedDB databases (named after the
    // user's database) behind; delete them so not even the names remain.
    await deleteDatabases((n) => n.startsWith(`rxdb-dexie-${name}--`));
    await clearResponseCaches();
  })();
  wiping = done.catch(() => undefined);
  return done;
}

/**
 * Another account's local data, left when its session ended without a sign-out (expired, or ended for
 * security) and someone else then signed in on this phone: deleted before this account's database opens,
 * with the responses cached for it and its drafts and money figures kept on the device. Its unsent changes go too; they would only ever have been sent had the
 * same person signed in again. Says whether there was any.
 */
export async function forgetOtherAccounts(keep: string): Promise<boolean> {
  for (const key of [...otherPeoplesDrafts(keep), ...otherPeoplesReads(keep)]) localStorage.removeItem(key);
  const deleted = await deleteDatabases((n) => /^rxdb-dexie-fw[0-9a-f]+--/.test(n) && !n.startsWith(`rxdb-dexie-${keep}--`));
  if (deleted > 0) await clearResponseCaches();
  return deleted > 0;
}

async function deleteDatabases(which: (name: string) => boolean): Promise<number> {
  if (typeof indexedDB.databases !== 'function') return 0;
  const names = (await indexedDB.databases()).map((d) => d.name ?? '').filter(which);
  await Promise.all(
    names.map((n) => new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(n);
      // Blocked: another tab still has it open; it goes once that tab lets go.
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    })),
  );
  return names.length;
}

async function clearResponseCaches(): Promise<void> {
  if (!('caches' in window)) return;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => !n.startsWith('workbox-precache')).map((n) => caches.delete(n)));
}
