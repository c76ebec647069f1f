// Sign-out leaves nothing of the user on this device: the local database, cached responses, stored choices.
import type { SyncClient } from '../sync/client';

/**
 * Removes the user's database and every cache except Workbox's precache, which holds only the app's own
 * build files (no user data) and is what lets the sign-in screen open with no network.
 */
export async function wipeDevice(client: SyncClient): Promise<void> {
  await client.signOut();
  if ('caches' in window) {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => !n.startsWith('workbox-precache')).map((n) => caches.delete(n)));
  }
  for (const key of Object.keys(localStorage)) if (key.startsWith('fw.') && key !== 'fw.locale') localStorage.removeItem(key);
}
