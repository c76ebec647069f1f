// At every start of the signed-in app, once the device is online: this device's push subscription is registered
// again for the session now signed in, if its account turned push on here, and ended otherwise (see rebindPush).
// Quiet: push is a bonus over texts, never a step.
import { useEffect } from 'react';
import { filter, take } from 'rxjs';
import type { SyncClient } from '../sync/client';
import { platformOnline$ } from '../sync/online';
import { pushBrowser, rebindPush } from './push-device';

export function useRebindPush(client: SyncClient | null): void {
  useEffect(() => {
    if (!client) return;
    const once = platformOnline$()
      .pipe(filter(Boolean), take(1))
      .subscribe(() => void rebindPush(pushBrowser(), client.http, client.userId));
    return () => once.unsubscribe();
  }, [client]);
}
