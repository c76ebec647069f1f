// Sign-out leaves nothing of the user on this device: the local database, cached responses, stored choices.
import type { SyncClient } from '../sync/client';

/**
 * Removes the user's database and every cache except Workbox's precache, which holds only the app's own
 * build files (no user data) and is what lets the sign-in screen open with no network.
 */
export async function wipeDevice(client: SyncClient): Promise<void> {
  const name = client.db.name;
  await client.signOut();
  // RxDB's Dexie storage empties its tables on remove but leaves the IndexedDB databases (named after the
  // user's database) behind; delete them so not even the names remain.
  if (typeof indexedDB.databases === 'function') {
    const all = await indexedDB.databases();
    await Promise.all(
      all
        .map((d) => d.name ?? '')
        .filter((n) => n.startsWith(`rxdb-dexie-${name}--`))
        .map((n) => new Promise<void>((resolve) => {
          const req = indexedDB.deleteDatabase(n);
          req.onsuccess = req.onerror = req.onblocked = () => resolve();
        })),
    );
  }
  if ('caches' in window) {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => !n.startsWith('workbox-precache')).map((n) => caches.delete(n)));
  }
  for (const key of Object.keys(localStorage)) if (key.startsWith('fw.') && key !== 'fw.locale') localStorage.removeItem(key);
}
