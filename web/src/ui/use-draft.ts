// Words being written (a chat message, a dispute's evidence), kept on the device until they are sent: a reload,
// an app update or a crash on a flaky phone must not lose them. Kept under `fw.` keys, which signing out wipes
// (app/wipe-device.ts), so one person's drafts never show to the next.
import { useCallback, useState } from 'react';

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

/** The draft under `key` and its setter; setting '' (after sending) forgets it. */
export function useDraft(key: string): [string, (value: string) => void] {
  const [value, setValue] = useState(() => read(key));
  const set = useCallback(
    (next: string) => {
      setValue(next);
      write(key, next);
    },
    [key],
  );
  return [value, set];
}
