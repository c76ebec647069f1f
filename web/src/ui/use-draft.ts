// Words being written (a chat message, a dispute's evidence), kept on the device until they are sent: a reload,
// an app update or a crash on a flaky phone must not lose them. Kept under `fw.draft.<owner>.` keys, the owner
// being the signed-in person's database name: signing out wipes every `fw.` key, and a sign-in after a session
// that ended without one drops other people's drafts (app/wipe-device.ts), so one person's words never show,
// ready to send, to the next.
import { useCallback, useEffect, useState } from 'react';
import { othersKeys } from '../app/owned-keys';

const PREFIX = 'fw.draft.';

function read(key: string): string {
  try {
    return localStorage.getItem(PREFIX + key) ?? '';
  } catch {
    return '';
  }
}

function write(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(PREFIX + key, value);
    else localStorage.removeItem(PREFIX + key);
  } catch {
    // Storage full or refused (a private window): the draft lives in memory only, as before.
  }
}

/** Every draft kept on this device for someone else than `owner`. */
export const otherPeoplesDrafts = (owner: string): string[] => othersKeys(PREFIX, owner);

/** How many drafts `owner` keeps on this device (empty ones are not kept). */
export function draftCount(owner: string): number {
  try {
    return Object.keys(localStorage).filter((k) => k.startsWith(`${PREFIX}${owner}.`)).length;
  } catch {
    return 0;
  }
}

/**
 * `owner`'s draft under `name` and its setter; setting '' (after sending) forgets it. `live` false says what it
 * was for has moved on without it (the part was handed in from the other phone, the dispute was decided): the
 * draft is forgotten, so it neither comes back later nor counts as unsent at sign-out.
 */
export function useDraft(owner: string, name: string, live = true): [string, (value: string) => void] {
  const key = `${owner}.${name}`;
  const [value, setValue] = useState(() => read(key));
  const set = useCallback(
    (next: string) => {
      setValue(next);
      write(key, next);
    },
    [key],
  );
  useEffect(() => {
    if (!live && read(key)) set('');
  }, [live, key, set]);
  return [value, set];
}
