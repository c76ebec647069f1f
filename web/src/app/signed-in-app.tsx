// The signed-in app (its own chunk: RxDB and the sync engine load after sign-in, never on the sign-in screen).
import { useEffect, useRef, useState } from 'react';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { useRebindPush } from '../push/use-rebind-push';
import { createSyncClient, type SyncClient } from '../sync/client';
import { useT } from '../i18n/i18n';
import type { SignedInUser } from './auth-api';
import { appMessages } from './messages';
import { useSession } from './session';
import { Shell } from './shell';
import { ShellSkeleton } from './shell-skeleton';
import { signOutQuestion } from './sign-out-question';
import { SyncContext } from './sync-context';
import { draftCount } from '../ui/use-draft';
import { forgetOtherAccounts, wipeDevice, wipeFinished } from './wipe-device';

/** One local database per user on this device; RxDB names are lower case and start with a letter. */
export const databaseName = (userId: string) => `fw${userId.replace(/[^0-9a-f]/gi, '').toLowerCase()}`;

export default function SignedInApp({ user }: { user: SignedInUser }) {
  const t = useT(appMessages);
  const session = useSession();
  const [client, setClient] = useState<SyncClient | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  /** Signing out: the wipe closes the database, not the unmount that follows. */
  const leaving = useRef(false);

  useEffect(() => {
    let cancelled = false;
    let opened: SyncClient | null = null;
    const origin = window.location.origin;
    const name = databaseName(user.id);
    // A sign-out's wipe still running finishes first (it may be this same database), then another account's
    // data left on this phone goes; failing to delete it does not keep this one shut.
    wipeFinished()
      .then(() => forgetOtherAccounts(name))
      .catch(() => false)
      .then(() =>
        createSyncClient({
          name,
          storage: getRxStorageDexie(),
          user: { id: user.id, roles: user.roles },
          url: { http: `${origin}/graphql`, ws: `${origin.replace(/^http/, 'ws')}/graphql` },
          getToken: session.getToken,
          batchSize: 200,
        }),
      )
      .then(
        (c) => {
          opened = c;
          if (cancelled) void c.stop();
          else setClient(c);
        },
        // Private browsing without IndexedDB, a full disk, a database left by a newer app version…
        (err: unknown) => {
          console.error('opening the local database failed', err);
          if (!cancelled) setFailed(err instanceof Error ? err.message : String(err));
        },
      );
    return () => {
      cancelled = true;
      if (!leaving.current) void opened?.stop();
    };
    // The session object changes identity on every state change; the token source does not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [user.id, session.getToken]);

  useRebindPush(client);

  if (failed)
    return (
      <main id="main" className="sign-in">
        <p className="error" role="alert">
          {t('databaseFailed', { reason: failed })}
        </p>
        <button type="button" className="btn" onClick={session.signOut}>
          {t('signOut')}
        </button>
      </main>
    );
  if (!client) return <ShellSkeleton label={t('openingDatabase')} roles={user.roles} />;

  function signOut() {
    if (!client) return;
    if (!window.confirm(signOutQuestion(t, client.getStatus().pending, draftCount(client.db.name)))) return;
    // Nothing here waits for the network: the sign-in screen replaces this person's screens at once, the
    // wipe (local work) goes on behind it, and the server is told when it can be reached (see the session).
    leaving.current = true;
    wipeDevice(client).catch((err: unknown) => console.error('wiping the device failed', err));
    session.signOut();
  }

  return (
    <SyncContext.Provider value={client}>
      <Shell roles={user.roles} onSignOut={signOut} />
    </SyncContext.Provider>
  );
}
